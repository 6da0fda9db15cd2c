/*
 * The engine's apply of an entry store (reconcile/apply_entries.c,
 * stores/store.h's struct store_entry_kind, which the nss store is): every
 * step becomes one add, remove or set-trust operation; each store's
 * operations are begun before the first store is finished; each step's
 * outcome (done, failed, stale) follows from its operation's code alone; and
 * a whole-store failure fails the steps whose operations it did not reach.
 * A fake entry store plays what an NSS child does.
 */
#include "harness.h"
#include "model/cert.h"
#include "reconcile/apply.h"
#include "reconcile/apply_entries.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

/* What the fake store was handed, and the order of begins and runs. */
static struct {
	struct store_entry_op ops[8];
	char labels[8][40];
	size_t n;
} seen_ops;
static int events[8], nevents;
enum { EV_BEGIN_A = 1, EV_BEGIN_B, EV_RUN_A, EV_RUN_B };

static void record(const struct store_entry_ops *ops)
{
	seen_ops.n = ops->n;
	for (size_t i = 0; i < ops->n && i < 8; i++) {
		seen_ops.ops[i] = ops->op[i];
		snprintf(seen_ops.labels[i], sizeof(seen_ops.labels[i]), "%s",
			 ops->op[i].label ? ops->op[i].label : "-");
	}
}

/* Every operation done. */
static int run_all(struct store_inst *s, struct store_entry_ops *ops)
{
	(void)s;
	record(ops);
	for (size_t i = 0; i < ops->n; i++)
		store_entry_op_end(&ops->op[i], TF_OK, NULL);
	return 0;
}

/* As a child says it: the first changed since the plan (its words need not
 * say so: the code does), the second done, the third failed. */
static int run_mixed(struct store_inst *s, struct store_entry_ops *ops)
{
	(void)s;
	store_entry_op_end(&ops->op[0], TF_EMODIFIED, "\"%s\" moved", "trustform-corp");
	store_entry_op_end(&ops->op[1], TF_OK, NULL);
	store_entry_op_end(&ops->op[2], TF_ERROR, "the database changed its mind");
	return 0;
}

/* The first done, then the database failed as a whole. */
static int run_dies(struct store_inst *s, struct store_entry_ops *ops)
{
	(void)s;
	store_entry_op_end(&ops->op[0], TF_OK, NULL);
	err_set("not done: the NSS process died (signal 9)");
	return -1;
}

static void begin_a(struct store_inst *s, struct store_entry_ops *ops)
{
	(void)s;
	(void)ops;
	events[nevents++] = EV_BEGIN_A;
}
static void begin_b(struct store_inst *s, struct store_entry_ops *ops)
{
	(void)s;
	(void)ops;
	events[nevents++] = EV_BEGIN_B;
}
static int run_a(struct store_inst *s, struct store_entry_ops *ops)
{
	events[nevents++] = EV_RUN_A;
	return run_all(s, ops);
}
static int run_b(struct store_inst *s, struct store_entry_ops *ops)
{
	events[nevents++] = EV_RUN_B;
	return run_all(s, ops);
}

#define KIND(id, b, r)                                                                             \
	static const struct store_entry_kind id = {                                                \
	    .label_prefix = "trustform-", .distrust_flags = "p,p,p", .begin = (b), .run = (r)}
KIND(k_all, NULL, run_all);
KIND(k_mixed, NULL, run_mixed);
KIND(k_dies, NULL, run_dies);
KIND(k_a, begin_a, run_a);
KIND(k_b, begin_b, run_b);
static const struct store_backend all = {.name = "all", .entries = &k_all};
static const struct store_backend mixed = {.name = "mixed", .entries = &k_mixed};
static const struct store_backend dies = {.name = "dies", .entries = &k_dies};
static const struct store_backend bk_a = {.name = "a", .entries = &k_a};
static const struct store_backend bk_b = {.name = "b", .entries = &k_b};

static struct cert corp_cert, lab_cert;
static struct conf_ca corp = {.name = "corp", .cert = &corp_cert};
static struct conf_ca lab = {.name = "lab", .cert = &lab_cert};

static struct trust_entry entry(const char *fphex, const char *where, const char *flags)
{
	struct trust_entry e = {0};
	snprintf(e.fphex, sizeof(e.fphex), "%s", fphex);
	e.label = (char *)where;
	e.where = (char *)where;
	e.flags = (char *)flags;
	return e;
}

static struct plan_store *store(struct plan *p, const struct store_backend *b, const char *name)
{
	struct store_inst *s = store_inst_new(b, NULL, NULL, name, name);
	s->want_flags = xstrdup("C,,");
	return plan_add_store(p, s, name, name);
}

/* Every kind of step, and the operation it is. */
static void test_map(void)
{
	struct plan p;
	plan_init(&p);
	struct plan_store *ps = store(&p, &all, "all");
	struct trust_entry old = entry("aa", "trustform-corp", "C,,");
	struct trust_entry foreign = entry("bb", "Corp Root", "c,,");
	plan_store_add_step(ps, ACT_CREATE, OP_ADD, "corp", &corp, NULL);
	plan_store_add_step(ps, ACT_CREATE, OP_ADD_DISTRUSTED, "lab", &lab, NULL);
	plan_store_add_step(ps, ACT_DELETE, OP_REMOVE, "old", NULL, &old);
	plan_store_add_step(ps, ACT_REPLACE, OP_REPLACE, "corp", &corp, &old);
	plan_store_add_step(ps, ACT_UPDATE, OP_UPDATE, "lab", &lab, &old);
	plan_store_add_step(ps, ACT_UPDATE, OP_RETRUST, "corp", &corp, &foreign);
	plan_store_add_step(ps, ACT_UPDATE, OP_DISTRUST, "x", NULL, &foreign);
	FILE *out = tmpfile();
	struct apply_result res;
	apply_plan(&p, out, &res);
	CHECK(seen_ops.n == 7);
	const struct store_entry_op *o = seen_ops.ops;
	CHECK(o[0].op == ENTRY_ADD && !o[0].seen && o[0].cert == &corp_cert &&
	      !strcmp(o[0].flags, "C,,"));
	CHECK_STR(seen_ops.labels[0], "trustform-corp");
	CHECK(o[1].op == ENTRY_ADD && !o[1].seen && !strcmp(o[1].flags, "p,p,p"));
	CHECK(o[2].op == ENTRY_REMOVE && o[2].seen && !strcmp(o[2].seen->fphex, "aa"));
	CHECK(o[3].op == ENTRY_ADD && o[3].seen && o[3].cert == &corp_cert); /* in place of */
	CHECK(o[4].op == ENTRY_SET_TRUST && !strcmp(o[4].flags, "C,,"));
	CHECK_STR(seen_ops.labels[4], "trustform-lab"); /* and renamed */
	CHECK(o[5].op == ENTRY_SET_TRUST && !strcmp(o[5].seen->where, "Corp Root") &&
	      !strcmp(o[5].flags, "C,,"));
	CHECK_STR(seen_ops.labels[5], "-");
	CHECK(o[6].op == ENTRY_SET_TRUST && !strcmp(o[6].flags, "p,p,p"));
	for (size_t i = 0; i < ps->n; i++)
		CHECK_MSG(ps->steps[i].result == STEP_DONE, "step %zu", i);
	CHECK(res.failed_stores == 0 && res.done.add == 3);
	fclose(out);
	plan_dispose(&p);
}

/* Outcomes from codes; a whole-store failure; every store begun first. */
static void test_codes(void)
{
	struct plan p;
	plan_init(&p);
	struct trust_entry e = entry("aa", "trustform-corp", "C,,");
	struct plan_store *m = store(&p, &mixed, "mixed");
	plan_store_add_step(m, ACT_UPDATE, OP_UPDATE, "corp", &corp, &e);
	plan_store_add_step(m, ACT_CREATE, OP_ADD, "lab", &lab, NULL);
	plan_store_add_step(m, ACT_DELETE, OP_REMOVE, "old", NULL, &e);
	struct plan_store *d = store(&p, &dies, "dies");
	plan_store_add_step(d, ACT_CREATE, OP_ADD, "corp", &corp, NULL);
	plan_store_add_step(d, ACT_CREATE, OP_ADD, "lab", &lab, NULL);
	plan_store_add_step(d, ACT_DELETE, OP_REMOVE, "old", NULL, &e);
	plan_store_add_step(store(&p, &bk_a, "a"), ACT_CREATE, OP_ADD, "corp", &corp, NULL);
	plan_store_add_step(store(&p, &bk_b, "b"), ACT_CREATE, OP_ADD, "corp", &corp, NULL);
	FILE *out = tmpfile();
	struct apply_result res;
	apply_plan(&p, out, &res);

	m = &p.stores[0];
	CHECK(m->steps[0].result == STEP_STALE && m->stale_plan);
	CHECK_STR(m->steps[0].error, "\"trustform-corp\" moved");
	CHECK(m->steps[1].result == STEP_DONE); /* the others of the store still done */
	CHECK(m->steps[2].result == STEP_FAILED);
	CHECK(!m->apply_error);

	d = &p.stores[1];
	CHECK(d->steps[0].result == STEP_DONE);
	CHECK(d->steps[1].result == STEP_FAILED && d->steps[2].result == STEP_FAILED);
	CHECK_STR(d->steps[1].error, "not done: the NSS process died (signal 9)");
	CHECK(!d->apply_error && !d->stale_plan); /* said once, by the steps */

	CHECK(nevents == 4 && events[0] == EV_BEGIN_A && events[1] == EV_BEGIN_B &&
	      events[2] == EV_RUN_A && events[3] == EV_RUN_B);
	CHECK(p.stores[2].steps[0].result == STEP_DONE && p.stores[3].steps[0].result == STEP_DONE);
	CHECK(res.failed_stores == 2);
	CHECK(err_code() == TF_OK);
	fclose(out);
	plan_dispose(&p);
}

int main(void)
{
	test_map();
	test_codes();
	return test_report();
}
