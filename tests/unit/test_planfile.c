/*
 * The store digest a saved plan is checked with: equal for equal trust_sets,
 * different when any field the planner acts on changes (table-driven, one row
 * per field), and unambiguous where fields meet (length-prefixed).
 */
#include "certgen.h"
#include "harness.h"
#include "reconcile/planfile.h"

static struct cert *A, *B;

enum change {
	NONE,
	FP,
	LABEL,
	OWNED,
	STATE,
	FLAGS,
	FLAGS_NULL,
	WHERE,
	FIXED,
	CAN_DISTRUST,
	SIBLINGS,
	STALE,
	EXTRA,
	SPLIT,
};

static const struct row {
	const char *what;
	enum change change;
	bool differs;
} rows[] = {
    {"the same set", NONE, false},
    {"another fingerprint", FP, true},
    {"another label", LABEL, true},
    {"owned becomes foreign", OWNED, true},
    {"trusted becomes distrusted", STATE, true},
    {"other trust flags", FLAGS, true},
    {"flags \"\" and no flags differ", FLAGS_NULL, true},
    {"another file", WHERE, true},
    {"fixed", FIXED, true},
    {"can_distrust", CAN_DISTRUST, true},
    {"siblings", SIBLINGS, true},
    {"derived files out of date", STALE, true},
    {"one more entry", EXTRA, true},
    {"label and where split differently", SPLIT, true},
};

static void build(struct trust_set *s, enum change ch)
{
	trust_set_init(s);
	const char *label = ch == LABEL ? "a2" : ch == SPLIT ? "ab" : "a";
	const char *where = ch == WHERE ? "/x/b.crt" : ch == SPLIT ? "c" : "bc";
	enum trust_state st = ch == STATE ? TS_DISTRUSTED : TS_TRUSTED;
	struct trust_entry *e =
	    trust_set_add(s, ch == FP ? B->fp : A->fp, label, ch != OWNED, st, where);
	e->flags = ch == FLAGS_NULL ? NULL : strdup(ch == FLAGS ? "C,C," : "");
	e->fixed = ch == FIXED;
	e->can_distrust = ch == CAN_DISTRUST;
	e->siblings = ch == SIBLINGS;
	trust_entry_describe(e, A);
	if (ch == STALE)
		s->stale = strdup("bundle differs");
	if (ch == EXTRA)
		trust_set_add(s, B->fp, "b", false, TS_TRUSTED, "b.crt");
}

int main(void)
{
	A = certgen("Digest A", NULL, 1);
	B = certgen("Digest B", NULL, 1);
	struct trust_set base;
	char d0[FP_HEX_LEN + 1], d1[FP_HEX_LEN + 1];
	build(&base, NONE);
	planfile_store_digest(d0, &base);
	CHECK(strlen(d0) == FP_HEX_LEN);
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		struct trust_set s;
		build(&s, rows[i].change);
		planfile_store_digest(d1, &s);
		CHECK_MSG((strcmp(d0, d1) != 0) == rows[i].differs, "%s", rows[i].what);
		trust_set_dispose(&s);
	}
	/* notes (what the plan says about a store) are not state */
	trust_set_note(&base, "hooks will not run under --root");
	planfile_store_digest(d1, &base);
	CHECK_STR(d0, d1);
	trust_set_dispose(&base);
	struct trust_set empty;
	trust_set_init(&empty);
	planfile_store_digest(d1, &empty);
	CHECK(strcmp(d0, d1) != 0);
	cert_free(A);
	cert_free(B);
	return test_report();
}
