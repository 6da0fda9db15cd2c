/*
 * The one diff engine, table-driven: what a store holds and what the config
 * wants, in; the steps of the plan, out. Every rule of SPEC §2 has a row.
 */
#include "certgen.h"
#include "harness.h"
#include "reconcile/plan.h"
#include "reconcile/render.h"
#include "util/buf.h"
#include "util/xalloc.h"

static struct cert *A, *B, *C;

struct entry_spec {
	struct cert **cert;
	const char *label;
	bool owned;
	enum trust_state state;
	const char *flags;
	bool fixed, can_distrust;
};

struct want_spec {
	const char *name;
	struct cert **cert;
	enum ensure ensure;
};

struct row {
	const char *what;
	unsigned ops; /* beyond BASE_OPS */
	const char *want_flags;
	struct entry_spec have[4];
	struct want_spec want[3];
	const char *stale;
	const char *expect; /* "symbol op name; ..." */
};

#define E(c, l, o, s)                                                                              \
	{                                                                                          \
		&c, l, o, s, NULL, false, false                                                    \
	}
#define W(n, c, e)                                                                                 \
	{                                                                                          \
		n, &c, e                                                                           \
	}

static const struct row rows[] = {
    {"add to an empty store", 0, NULL, {{0}}, {W("a", A, ENSURE_PRESENT)}, NULL, "+ add a"},
    {"already there",
     0,
     NULL,
     {E(A, "a", true, TS_TRUSTED)},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     ""},
    {"same name, new content: replacement",
     0,
     NULL,
     {E(B, "a", true, TS_TRUSTED)},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "-/+ replace a"},
    {"renamed in the config: update in place",
     0,
     NULL,
     {E(A, "old", true, TS_TRUSTED)},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "~ update a"},
    {"held by a foreign entry: nothing to do",
     0,
     NULL,
     {E(A, "x.crt", false, TS_TRUSTED)},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     ""},
    {"foreign but not trusted, store without flags: add ours",
     0,
     NULL,
     {E(A, "x.crt", false, TS_INERT)},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "+ add a"},
    {"foreign with wrong flags, flag store: retrust",
     STORE_OP(OP_RETRUST),
     "C,,",
     {{&A, "x", false, TS_TRUSTED, ",,", false, true}},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "~ retrust a"},
    {"foreign with more trust than wanted: left as it is",
     STORE_OP(OP_RETRUST),
     "C,,",
     {{&A, "x", false, TS_TRUSTED, "CT,C,C", false, true}},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     ""},
    {"foreign trusted for TLS but missing a wanted field: retrust",
     STORE_OP(OP_RETRUST),
     "C,C,",
     {{&A, "x", false, TS_TRUSTED, "CT,,", false, true}},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "~ retrust a"},
    {"foreign with fewer fields than wanted: retrust",
     STORE_OP(OP_RETRUST),
     "C,,",
     {{&A, "x", false, TS_TRUSTED, "C", false, true}},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "~ retrust a"},
    {"foreign distrusted, CA present: retrust",
     STORE_OP(OP_RETRUST),
     "C,,",
     {{&A, "x", false, TS_DISTRUSTED, "p,p,p", false, true}},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "~ retrust a"},
    {"owned with more trust than wanted: update to exactly the wanted flags",
     STORE_OP(OP_RETRUST),
     "C,,",
     {{&A, "a", true, TS_TRUSTED, "CT,C,C", false, true}},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "~ update a"},
    {"owned and distrusted, CA present again: update",
     STORE_OP(OP_RETRUST),
     "C,,",
     {{&A, "a", true, TS_DISTRUSTED, "p,p,p", false, true}},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "~ update a"},
    {"owned, CA now distrusted: marked in place",
     STORE_OP(OP_RETRUST) | STORE_OP(OP_ADD_DISTRUSTED),
     "C,,",
     {{&A, "a", true, TS_TRUSTED, "C,,", false, true}},
     {W("a", A, ENSURE_DISTRUSTED)},
     NULL,
     "~ distrust a"},
    {"owned with wrong flags: update",
     STORE_OP(OP_RETRUST),
     "C,,",
     {{&A, "a", true, TS_TRUSTED, "c,,", false, true}},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "~ update a"},
    {"dropped from the config: removed",
     0,
     NULL,
     {E(C, "gone", true, TS_TRUSTED)},
     {{0}},
     NULL,
     "- remove gone"},
    {"foreign entries are never touched by default",
     0,
     NULL,
     {E(C, "x.crt", false, TS_TRUSTED)},
     {{0}},
     NULL,
     ""},
    {"absent removes a foreign entry by fingerprint",
     0,
     NULL,
     {E(A, "innocent.crt", false, TS_TRUSTED)},
     {W("a", A, ENSURE_ABSENT)},
     NULL,
     "- remove a"},
    {"absent: a deselected distro CA is as absent as it gets",
     0,
     NULL,
     {{&A, "mozilla/A.crt", false, TS_DISTRUSTED, NULL, true, true}},
     {W("a", A, ENSURE_ABSENT)},
     NULL,
     ""},
    {"absent: a selected distro CA is deselected",
     0,
     NULL,
     {{&A, "mozilla/A.crt", false, TS_TRUSTED, NULL, true, true}},
     {W("a", A, ENSURE_ABSENT)},
     NULL,
     "- remove a"},
    {"distrusted, can mark in place",
     0,
     NULL,
     {{&A, "mozilla/A.crt", false, TS_INERT, NULL, true, true}},
     {W("a", A, ENSURE_DISTRUSTED)},
     NULL,
     "~ distrust a"},
    {"distrusted, can only remove",
     0,
     NULL,
     {E(A, "x.crt", false, TS_TRUSTED)},
     {W("a", A, ENSURE_DISTRUSTED)},
     NULL,
     "- remove a"},
    {"distrusted already",
     0,
     NULL,
     {{&A, "x", false, TS_DISTRUSTED, "p,p,p", false, true}},
     {W("a", A, ENSURE_DISTRUSTED)},
     NULL,
     ""},
    {"distrusted, not held, store can express it",
     STORE_OP(OP_ADD_DISTRUSTED),
     NULL,
     {{0}},
     {W("a", A, ENSURE_DISTRUSTED)},
     NULL,
     "+ add-distrusted a"},
    {"distrusted, not held, store cannot express it",
     0,
     NULL,
     {{0}},
     {W("a", A, ENSURE_DISTRUSTED)},
     NULL,
     ""},
    {"two owned copies of one certificate: the stray goes",
     0,
     NULL,
     {E(A, "a", true, TS_TRUSTED), E(A, "a2", true, TS_TRUSTED)},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "- remove a2"},
    {"renamed while an old copy under the new name lingers",
     0,
     NULL,
     {E(A, "old", true, TS_TRUSTED), E(B, "a", true, TS_TRUSTED)},
     {W("a", A, ENSURE_PRESENT)},
     NULL,
     "- remove a; ~ update a"},
    {"derived files out of date come last",
     0,
     NULL,
     {{0}},
     {W("z", A, ENSURE_PRESENT)},
     "bundle differs",
     "+ add z; ~ refresh "},
    {"deterministic order by name",
     0,
     NULL,
     {E(C, "m", true, TS_TRUSTED)},
     {W("b", B, ENSURE_PRESENT), W("a", A, ENSURE_PRESENT)},
     NULL,
     "+ add a; + add b; - remove m"},
};

static const struct store_backend fake_ops = {.name = "fake"};
/* What every row's store carries out; a row adds retrust or add-distrusted. */
#define BASE_OPS (STORE_OPS_CA | STORE_OP(OP_DISTRUST) | STORE_OP(OP_REFRESH))

static void run_row(const struct row *r)
{
	struct store_backend ops = fake_ops;
	ops.ops = BASE_OPS | r->ops;
	struct run_ctx ctx = {.root = ""};
	struct store_inst *inst = store_inst_new(&ops, NULL, &ctx, "s", "s (fake)");
	inst->want_flags = r->want_flags ? xstrdup(r->want_flags) : NULL;
	struct plan p;
	plan_init(&p);
	struct plan_store *ps = plan_add_store(&p, inst, "s", "s (fake)");
	for (size_t i = 0; i < 4 && r->have[i].cert; i++) {
		const struct entry_spec *e = &r->have[i];
		struct trust_entry *t = trust_set_add(&ps->actual, (*e->cert)->fp, e->label,
						      e->owned, e->state, e->label);
		t->flags = e->flags ? xstrdup(e->flags) : NULL;
		t->fixed = e->fixed;
		t->can_distrust = e->can_distrust;
	}
	ps->actual.stale = r->stale ? xstrdup(r->stale) : NULL;
	struct conf_ca cas[3];
	const struct conf_ca *ptrs[3];
	size_t n = 0;
	for (size_t i = 0; i < 3 && r->want[i].name; i++) {
		memset(&cas[n], 0, sizeof(cas[n]));
		cas[n].name = (char *)r->want[i].name;
		cas[n].cert = *r->want[i].cert;
		cas[n].ensure = r->want[i].ensure;
		n++;
	}
	/* the resolver hands the planner CAs sorted by name */
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &cas[i];
	for (size_t i = 0; i + 1 < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(ptrs[i]->name, ptrs[j]->name) > 0) {
				const struct conf_ca *t = ptrs[i];
				ptrs[i] = ptrs[j];
				ptrs[j] = t;
			}
	struct host_store hs = {.cas = ptrs, .ncas = n};
	struct config cfg = {0};
	plan_diff_store(ps, &hs, &cfg);
	struct buf got = BUF_INIT;
	for (size_t i = 0; i < ps->n; i++)
		buf_printf(&got, "%s%s %s %s", i ? "; " : "",
			   plan_action_symbol(ps->steps[i].action), plan_op_name(ps->steps[i].op),
			   ps->steps[i].name);
	CHECK_MSG(strcmp(got.ptr, r->expect) == 0, "%s: got \"%s\", want \"%s\"", r->what, got.ptr,
		  r->expect);
	buf_dispose(&got);
	plan_dispose(&p);
}

/* A store that is a CA itself, and findings: what the planner makes of them. */
static struct plan_store *finding_store(struct plan *p, struct cert *own)
{
	static const struct store_backend ops = {.name = "caddy",
						 .ops = STORE_OP(OP_ROOT_DRIFT) |
							STORE_OP(OP_REISSUE) | STORE_OP(OP_SET)};
	static struct run_ctx ctx = {.root = ""};
	struct store_inst *inst = store_inst_new(&ops, NULL, &ctx, "caddy.pki.local", "caddy");
	plan_init(p);
	struct plan_store *ps = plan_add_store(p, inst, "caddy.pki.local", "caddy");
	if (own) {
		ps->actual.has_own_root = true;
		trust_set_add(&ps->actual, own->fp, "root", false, TS_TRUSTED, "/root.crt");
		trust_entry_copy(&ps->actual.own_root, &ps->actual.items[0]);
		ps->actual.own_root_id = xstrdup("local");
		ps->actual.own_root_export = xstrdup("trustform caddy export-root x");
	}
	return ps;
}

static char *steps_text(const struct plan_store *ps)
{
	struct buf got = BUF_INIT;
	for (size_t i = 0; i < ps->n; i++)
		buf_printf(&got, "%s%s %s %s", i ? "; " : "",
			   plan_action_symbol(ps->steps[i].action), plan_op_name(ps->steps[i].op),
			   ps->steps[i].name);
	return buf_detach(&got);
}

/* An op the store's backend lacks (a store that only sets settings, given a
 * CA): still planned, and refused there with the planner's one text. */
static void refusal(void)
{
	static const struct store_backend setter = {.name = "setter", .ops = STORE_OP(OP_SET)};
	struct run_ctx ctx = {.root = ""};
	struct store_inst *inst = store_inst_new(&setter, NULL, &ctx, "s", "s (setter)");
	struct plan p;
	plan_init(&p);
	struct plan_store *ps = plan_add_store(&p, inst, "s", "s (setter)");
	struct conf_ca ca;
	memset(&ca, 0, sizeof(ca));
	ca.name = "a";
	ca.cert = A;
	ca.ensure = ENSURE_PRESENT;
	const struct conf_ca *ptr = &ca;
	struct host_store hs = {.cas = &ptr, .ncas = 1};
	struct config cfg = {0};
	ps->actual.stale = xstrdup("out of date"); /* a refresh the store cannot do */
	plan_diff_store(ps, &hs, &cfg);
	CHECK(ps->n == 2 && ps->steps[0].op == OP_ADD && ps->steps[0].refused);
	CHECK(ps->n == 2 && ps->steps[1].op == OP_REFRESH && ps->steps[1].refused &&
	      strstr(ps->steps[1].refused, "this is a bug in trustform"));
	const char *t = ps->n ? ps->steps[0].refused : NULL;
	CHECK_MSG(t && strstr(t, "refused: s (setter) cannot add \"a\"") &&
		      strstr(t, "or list it for a store type that can add it"),
		  "refusal: %s", t ? t : "(none)");
	plan_dispose(&p);
}

static void own_root_rows(void)
{
	struct conf_ca cas[2];
	memset(cas, 0, sizeof(cas));
	cas[0].name = "caddy-local";
	cas[0].cert = A;
	cas[0].caddy = "local";
	cas[1].name = "other";
	cas[1].cert = B;
	struct config cfg = {.cas = cas, .ncas = 2};
	struct host_store none = {0};
	struct plan p;

	/* Caddy's root is the marked CA: nothing to do */
	struct plan_store *ps = finding_store(&p, A);
	plan_diff_store(ps, &none, &cfg);
	char *got = steps_text(ps);
	CHECK_STR(got, "");
	free(got);
	plan_dispose(&p);

	/* another root: drift, one change */
	ps = finding_store(&p, C);
	plan_diff_store(ps, &none, &cfg);
	got = steps_text(ps);
	CHECK_STR(got, "~ root-drift caddy-local");
	plan_count(&p);
	CHECK(p.counts.change == 1 && p.counts.add == 0 && p.counts.destroy == 0);
	CHECK(ps->steps[0].has_seen && !memcmp(ps->steps[0].seen.fp, C->fp, FP_LEN));
	free(got);
	plan_dispose(&p);

	/* the marked CA is being retired: drift names it */
	cas[0].ensure = ENSURE_ABSENT;
	ps = finding_store(&p, A);
	plan_diff_store(ps, &none, &cfg);
	got = steps_text(ps);
	CHECK_STR(got, "~ root-drift caddy-local");
	CHECK(ps->steps[0].reason && strstr(ps->steps[0].reason, "ensure: absent"));
	free(got);
	plan_dispose(&p);
	cas[0].ensure = ENSURE_PRESENT;

	/* nothing marked: no step, a note that says how */
	cas[0].caddy = NULL;
	ps = finding_store(&p, A);
	plan_diff_store(ps, &none, &cfg);
	got = steps_text(ps);
	CHECK_STR(got, "");
	CHECK(ps->actual.nnotes == 1 && strstr(ps->actual.notes[0], "caddy: local"));
	free(got);
	plan_dispose(&p);
	cas[0].caddy = "local";

	/* findings: reissue is -/+, a setting is ~ only when the canonical values differ */
	ps = finding_store(&p, A);
	struct trust_finding *f = trust_set_finding(&ps->actual, FINDING_REISSUE, "local");
	f->headline = xstrdup("intermediate must be reissued");
	trust_finding_line(f, '-', "intermediate", "%s", "old");
	f = trust_set_finding(&ps->actual, FINDING_SETTING, "same");
	f->have = xstrdup("1h");
	f->have_canon = xstrdup("3600000000000");
	f->want = xstrdup("60m");
	f->want_canon = xstrdup("3600000000000");
	f = trust_set_finding(&ps->actual, FINDING_SETTING, "unset");
	f->want = xstrdup("720h");
	f->want_canon = xstrdup("2592000000000000");
	f = trust_set_finding(&ps->actual, FINDING_SETTING, "differs");
	f->have = xstrdup("168h");
	f->have_canon = xstrdup("604800000000000");
	f->want = xstrdup("720h");
	f->want_canon = xstrdup("2592000000000000");
	plan_diff_store(ps, &none, &cfg);
	got = steps_text(ps);
	CHECK_STR(got, "~ set differs; -/+ reissue local; ~ set unset");
	plan_count(&p);
	CHECK(p.counts.add == 1 && p.counts.change == 2 && p.counts.destroy == 1);
	for (size_t i = 0; i < ps->n; i++)
		CHECK(ps->steps[i].finding != NULL);

	/* and the renderer shows each with its lines */
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct render_opts ro = {false, "plan", "h", "r", "c", false, NULL};
	render_plan(out, &p, &ro);
	fclose(out);
	CHECK(strstr(text, "-/+ issuance \"local\" {\n      - intermediate = \"old\"\n") != NULL);
	CHECK(strstr(text, "  ~ setting \"unset\" {\n      + value   = \"720h\"") != NULL);
	CHECK(strstr(text, "      ~ value   = \"168h\" -> \"720h\"") != NULL);
	free(text);
	free(got);
	plan_dispose(&p);

	/* the drift block carries the full fingerprint and the export command */
	ps = finding_store(&p, C);
	plan_diff_store(ps, &none, &cfg);
	out = open_memstream(&text, &len);
	render_plan(out, &p, &ro);
	fclose(out);
	char want[200];
	snprintf(want, sizeof(want), "# Caddy's root now: sha256 %s", C->fphex);
	CHECK(strstr(text, want) != NULL);
	CHECK(strstr(text, "#   trustform caddy export-root x") != NULL);
	free(text);
	plan_dispose(&p);
}

int main(void)
{
	A = certgen("A", NULL, 1);
	B = certgen("B", NULL, 1);
	C = certgen("C", NULL, 1);
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		run_row(&rows[i]);
	refusal();
	/* counting: a replacement is one add and one destroy */
	struct plan p;
	plan_init(&p);
	struct plan_store *ps = plan_add_store(&p, NULL, "s", "s");
	ps->steps = xcalloc(3, sizeof(*ps->steps));
	ps->n = 3;
	ps->steps[0].action = ACT_REPLACE;
	ps->steps[1].action = ACT_UPDATE;
	ps->steps[2].action = ACT_CREATE;
	for (int i = 0; i < 3; i++)
		ps->steps[i].name = xstrdup("x");
	plan_count(&p);
	CHECK(p.counts.add == 2 && p.counts.change == 1 && p.counts.destroy == 1);
	plan_dispose(&p);
	own_root_rows();
	cert_free(A);
	cert_free(B);
	cert_free(C);
	return test_report();
}
