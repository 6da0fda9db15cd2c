/*
 * The failure contract between the engine and a store's apply (stores/store.h,
 * reconcile/apply.c): each step's outcome (done, failed, stale) follows from
 * the codes the store returned, never from the words of a message; the
 * engine fails what a store left pending, and says a store's own failure
 * once. Fake backends play what real stores do.
 */
#include "harness.h"
#include "reconcile/apply.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

/* The store failed as a whole, changed since the plan: nothing done. */
static int apply_gone(struct store_inst *s, struct plan_store *ps)
{
	(void)s;
	(void)ps;
	err_modified("/etc/app/ca.pem");
	return -1;
}

/* One step stale, reworded (as a child reports it, or "not done: ..."), the
 * next failed, the last done. */
static int apply_mixed(struct store_inst *s, struct plan_store *ps)
{
	(void)s;
	plan_step_end(&ps->steps[0], TF_EMODIFIED, "not done: the entry moved");
	err_set("disk full");
	plan_step_fail_err(&ps->steps[1]);
	ps->steps[2].result = STEP_DONE;
	return -1; /* the steps carry it: no error is current any more */
}

/* A step failed with a message that holds the store's stale error's words,
 * but its own code says failed: the outcome follows the code. */
static int apply_words(struct store_inst *s, struct plan_store *ps)
{
	(void)s;
	err_modified("/etc/app/ca.pem");
	plan_step_fail(&ps->steps[0], "%s", err_msg());
	err_clear();
	ps->steps[1].result = STEP_DONE;
	return 0;
}

/* Every step written, then something after them failed: the store's error. */
static int apply_after(struct store_inst *s, struct plan_store *ps)
{
	(void)s;
	for (size_t i = 0; i < ps->n; i++)
		ps->steps[i].result = STEP_DONE;
	err_set("restarting app.service failed");
	return -1;
}

/* A store that forgot a step, with no error. */
static int apply_forgot(struct store_inst *s, struct plan_store *ps)
{
	(void)s;
	ps->steps[0].result = STEP_DONE;
	return 0;
}

/* Sees only the steps the planner did not refuse. */
static size_t saw_steps;
static int apply_count(struct store_inst *s, struct plan_store *ps)
{
	(void)s;
	saw_steps = ps->n;
	for (size_t i = 0; i < ps->n; i++)
		ps->steps[i].result = ps->steps[i].refused ? STEP_FAILED : STEP_DONE;
	return 0;
}

static struct plan_store *store(struct plan *p, const struct store_backend *b, const char *name,
				size_t nsteps)
{
	struct store_inst *s = store_inst_new(b, NULL, NULL, name, name);
	struct plan_store *ps = plan_add_store(p, s, name, name);
	for (size_t i = 0; i < nsteps; i++) {
		char label[24];
		snprintf(label, sizeof(label), "c%zu", i);
		plan_store_add_step(ps, ACT_DELETE, OP_REMOVE, label, NULL, NULL);
	}
	return ps;
}

static const struct store_backend gone = {.name = "gone", .apply = apply_gone};
static const struct store_backend mixed = {.name = "mixed", .apply = apply_mixed};
static const struct store_backend words = {.name = "words", .apply = apply_words};
static const struct store_backend after = {.name = "after", .apply = apply_after};
static const struct store_backend forgot = {.name = "forgot", .apply = apply_forgot};
static const struct store_backend counting = {.name = "counting", .apply = apply_count};

/* A step the planner refused (its op is not among the backend's): apply
 * fails it with the planner's text and never hands it to the store. */
static void test_refused(void)
{
	struct plan p;
	plan_init(&p);
	struct plan_store *ps = store(&p, &counting, "counting", 3);
	ps->steps[1].refused = xstrdup("refused: counting cannot remove \"c1\"");
	FILE *out = tmpfile();
	CHECK(out != NULL);
	struct apply_result res;
	saw_steps = 99;
	apply_plan(&p, out, &res);
	CHECK(saw_steps == 2);
	size_t failed = 0, done = 0;
	for (size_t i = 0; i < ps->n; i++) {
		const struct plan_step *st = &ps->steps[i];
		if (!strcmp(st->name, "c1")) {
			failed++;
			CHECK(st->result == STEP_FAILED && st->error &&
			      !strcmp(st->error, "refused: counting cannot remove \"c1\""));
		} else {
			done += st->result == STEP_DONE;
		}
	}
	CHECK(failed == 1 && done == 2 && res.failed_stores == 1);
	fclose(out);
	plan_dispose(&p);
}

/* Every runtime error of a store names where the store is configured
 * (stores/storeopt.c, used by the engine alone). */
static void test_error_text(void)
{
	struct conf_store cs = {.name = "bundle", .pos = {7, 3}, .config_file = "/cfg/trust.yaml"};
	char *t = store_error_text(&cs, "/etc/app/ca.pem changed since the plan was made");
	CHECK_STR(t, "/etc/app/ca.pem changed since the plan was made (store at "
		     "/cfg/trust.yaml:7:3)");
	free(t);
	t = store_error_text(NULL, "as it is");
	CHECK_STR(t, "as it is");
	free(t);
}

int main(void)
{
	test_error_text();
	test_refused();
	struct plan p;
	plan_init(&p);
	store(&p, &gone, "gone", 2);
	store(&p, &mixed, "mixed", 3);
	store(&p, &words, "words", 2);
	store(&p, &after, "after", 1);
	store(&p, &forgot, "forgot", 2);
	FILE *out = tmpfile();
	CHECK(out != NULL);
	struct apply_result res;
	apply_plan(&p, out, &res);

	/* the applier fails what the store left pending, with its code: stale */
	const struct plan_store *ps = &p.stores[0];
	CHECK(ps->steps[0].result == STEP_STALE && ps->steps[1].result == STEP_STALE);
	CHECK(ps->steps[0].error && strstr(ps->steps[0].error, "changed since the plan"));
	CHECK(ps->steps[0].error && !strstr(ps->steps[0].error, "(store at")); /* no conf here */
	CHECK(ps->stale_plan && !ps->apply_error); /* said once, by the steps */

	ps = &p.stores[1];
	CHECK(ps->steps[0].result == STEP_STALE);
	CHECK(ps->steps[1].result == STEP_FAILED && !strcmp(ps->steps[1].error, "disk full"));
	CHECK(ps->steps[2].result == STEP_DONE);
	CHECK(ps->stale_plan && !ps->apply_error);

	ps = &p.stores[2];
	CHECK(ps->steps[0].result == STEP_FAILED && !ps->stale_plan && !ps->apply_error);

	ps = &p.stores[3];
	CHECK(ps->steps[0].result == STEP_DONE && !ps->stale_plan);
	CHECK(ps->apply_error && !strcmp(ps->apply_error, "restarting app.service failed"));

	ps = &p.stores[4];
	CHECK(ps->steps[0].result == STEP_DONE && ps->steps[1].result == STEP_FAILED);
	CHECK(ps->steps[1].error && strstr(ps->steps[1].error, "not done"));

	CHECK(res.failed_stores == 5);
	CHECK(err_code() == TF_OK);
	fclose(out);
	plan_dispose(&p);

	/* a failed commit fails what is pending with its error, which the steps take */
	plan_init(&p);
	struct plan_store *w = store(&p, &mixed, "w", 2);
	w->steps[0].result = STEP_DONE;
	err_modified("/etc/app/ca.pem");
	CHECK(plan_steps_fail_pending(w) == 1);
	CHECK(w->steps[0].result == STEP_DONE && w->steps[1].result == STEP_STALE);
	CHECK(err_code() == TF_OK);
	CHECK(plan_steps_fail_pending(w) == 0);
	plan_dispose(&p);
	return test_report();
}
