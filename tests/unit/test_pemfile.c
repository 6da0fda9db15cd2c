/*
 * Marked PEM blocks (stores/pemfile.c), table-driven: what a file holds
 * (owned, foreign, hand-edited) and which files are refused as not PEM.
 */
#include "certgen.h"
#include "harness.h"
#include "reconcile/plan.h"
#include "stores/files/pemfile.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdlib.h>
#include <unistd.h>

static struct cert *A, *B;

/* "%A" / "%B": the PEM of A or B; "%a": a begin marker for name a with A's
 * sha; "%b": for name b with B's; "%x": for name a with B's. */
static void expand(struct buf *out, const char *tmpl)
{
	for (const char *p = tmpl; *p; p++) {
		if (*p != '%') {
			buf_putc(out, *p);
			continue;
		}
		p++;
		struct cert *c = (*p == 'A' || *p == 'a') ? A : B;
		if (*p == 'A' || *p == 'B') {
			size_t n;
			char *pem = cert_to_pem(c, &n);
			buf_add(out, pem, n);
			free(pem);
		} else {
			buf_printf(out, "# trustform:begin %c sha256=%s\n", *p == 'x' ? 'a' : *p,
				   c->fphex);
		}
	}
}

static const struct {
	const char *what, *text;
	int ok;
	const char *expect; /* "o:label:X" / "f:label:X", X = A, B or 0 (damaged) */
	const char *error;
} rows[] = {
    {"empty file", "", 1, "", NULL},
    {"comments only", "# nothing here\n\n", 1, "", NULL},
    {"a foreign certificate", "# Issuer: x\n%A", 1, "f:t.pem:2:A", NULL},
    {"one block", "%a%A# trustform:end a\n", 1, "o:a:A", NULL},
    {"block among foreign", "%B%a%A# trustform:end a\n%A", 1, "f:t.pem:1:B o:a:A f:t.pem:21:A",
     NULL},
    {"hand-edited block: other certificate", "%a%B# trustform:end a\n", 1, "o:a:0", NULL},
    {"hand-edited block: nothing left", "%a# trustform:end a\n", 1, "o:a:0", NULL},
    {"block without end", "%a%A", 0, "", "has no \"# trustform:end a\" line"},
    {"damaged marker", "# trustform:begin a sha256=zz\n%A# trustform:end a\n", 0, "",
     "a trustform begin marker is damaged"},
    {"text, no PEM", "hello world\n", 0, "", "is not a PEM file"},
    {"a PEM block without END", "-----BEGIN CERTIFICATE-----\nMIIB\n", 0, "",
     "a PEM block has no -----END line"},
    {"DER bytes", "\x30\x82\x01", 0, "", "is not a PEM file"},
};

static void describe(struct buf *out, const struct trust_set *ts)
{
	static const unsigned char zero[FP_LEN];
	for (size_t i = 0; i < ts->n; i++) {
		const struct trust_entry *e = &ts->items[i];
		char which = !memcmp(e->fp, zero, FP_LEN)    ? '0'
			     : !memcmp(e->fp, A->fp, FP_LEN) ? 'A'
							     : 'B';
		buf_printf(out, "%s%c:%s:%c", i ? " " : "", e->owned ? 'o' : 'f', e->label, which);
	}
}

/*
 * The marked-block rewrite (pem_file_apply), as p11-kit's test-save.c does for
 * its writer: a file, the steps a plan made for it, and the exact bytes after
 * commit. "+a" adds CA a (A), "+b" adds b (B), "-LABEL" removes the entry
 * with that label, "~a" replaces a's block with B under the same name (a regenerated CA). The
 * bytes outside trustform's blocks are kept exactly; a step whose premise is
 * gone fails with "changed since the plan was made" and nothing is written.
 */
static const struct {
	const char *what, *before, *steps, *after;
	const char *error; /* a step fails with this, and the file is kept */
} rewrites[] = {
    {"add to a missing file", NULL, "+a", "%a%A# trustform:end a\n", NULL},
    {"add after foreign bytes", "# keep me\n%B", "+a", "# keep me\n%B%a%A# trustform:end a\n",
     NULL},
    {"add after a last line without newline", "# no newline", "+a",
     "# no newline\n%a%A# trustform:end a\n", NULL},
    {"remove our block among foreign", "top\n%B%a%A# trustform:end a\n%B bottom\n", "-a",
     "top\n%B%B bottom\n", NULL},
    {"replace a block in place", "x\n%a%A# trustform:end a\ny\n", "~a",
     "x\n%x%B# trustform:end a\ny\n", NULL},
    {"two adds in name order", "", "+a +b", "%a%A# trustform:end a\n%b%B# trustform:end b\n", NULL},
    {"add is a no-op when the block is there", "%a%A# trustform:end a\n", "+a",
     "%a%A# trustform:end a\n", NULL},
    {"replace of a block that is gone", "%B", "~a", "%B", "changed since the plan was made"},
};

static struct conf_ca caA = {.name = "a"}, caB = {.name = "b"}, caA2 = {.name = "a"};

static void rewrite_case(const char *path, size_t k)
{
	struct buf want = BUF_INIT, before = BUF_INIT;
	unlink(path);
	if (rewrites[k].before) {
		expand(&before, rewrites[k].before);
		FILE *f = fopen(path, "wb");
		fwrite(before.ptr, 1, before.len, f);
		fclose(f);
	}
	expand(&want, rewrites[k].after);
	/* Plan: what the file held, as the planner saw it. */
	struct pem_file pf;
	struct trust_set seen;
	trust_set_init(&seen);
	CHECK(pem_file_load(&pf, path, "t.pem") == 0);
	pem_file_entries(&pf, &seen);
	pem_file_dispose(&pf);
	struct plan_store ps;
	memset(&ps, 0, sizeof(ps));
	trust_set_init(&ps.actual);
	char steps[64];
	snprintf(steps, sizeof(steps), "%s", rewrites[k].steps);
	for (char *w = strtok(steps, " "); w; w = strtok(NULL, " ")) {
		const struct trust_entry *e = NULL;
		for (size_t i = 0; i < seen.n; i++)
			if (!strcmp(seen.items[i].label, w + 1))
				e = &seen.items[i];
		struct trust_entry gone = {.label = "a", .where = "t.pem:1"};
		if (!e)
			e = &gone; /* a premise the file no longer holds */
		if (w[0] == '+')
			plan_store_add_step(&ps, ACT_CREATE, OP_ADD, w + 1,
					    w[1] == 'a' ? &caA : &caB, NULL);
		else if (w[0] == '-')
			plan_store_add_step(&ps, ACT_DELETE, OP_REMOVE, w + 1, NULL, e);
		else
			plan_store_add_step(&ps, ACT_REPLACE, OP_REPLACE, w + 1, &caA2, e);
	}
	/* Apply: reload, rewrite, commit. */
	struct fs_txn txn;
	fs_txn_init(&txn);
	bool changed = false;
	CHECK(pem_file_load(&pf, path, "t.pem") == 0);
	err_clear();
	int rc = pem_file_apply(&pf, &ps, &txn, &changed);
	if (rewrites[k].error) {
		CHECK_MSG(rc == -1, "%s: apply succeeded", rewrites[k].what);
		bool found = false;
		for (size_t i = 0; i < ps.n; i++)
			found |= ps.steps[i].error && strstr(ps.steps[i].error, rewrites[k].error);
		CHECK_MSG(found, "%s: no step failed with \"%s\"", rewrites[k].what,
			  rewrites[k].error);
	} else {
		CHECK_MSG(rc == 0, "%s: apply failed", rewrites[k].what);
		CHECK(fs_txn_commit(&txn) == 0);
	}
	fs_txn_dispose(&txn);
	pem_file_dispose(&pf);
	/* The bytes on disk. */
	struct buf got = BUF_INIT;
	FILE *f = fopen(path, "rb");
	if (f) {
		char tmp[8192];
		size_t n = fread(tmp, 1, sizeof(tmp), f);
		buf_add(&got, tmp, n);
		fclose(f);
	}
	CHECK_MSG(got.len == want.len && !memcmp(got.ptr, want.ptr, got.len),
		  "%s: file holds\n%.*s\nwant\n%.*s", rewrites[k].what, (int)got.len,
		  got.len ? got.ptr : "", (int)want.len, want.len ? want.ptr : "");
	CHECK_MSG(changed == (rewrites[k].before == NULL ||
			      strcmp(rewrites[k].before, rewrites[k].after) != 0) ||
		      rewrites[k].error,
		  "%s: changed=%d", rewrites[k].what, changed);
	plan_store_clear_steps(&ps);
	free(ps.steps);
	trust_set_dispose(&ps.actual);
	trust_set_dispose(&seen);
	buf_dispose(&got);
	buf_dispose(&want);
	buf_dispose(&before);
}

int main(void)
{
	A = certgen("Pem A", NULL, 1);
	B = certgen("Pem B", NULL, 1);
	char dir[] = "/tmp/tf-pemfile.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[64];
	snprintf(path, sizeof(path), "%s/t.pem", dir);
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		struct buf text = BUF_INIT, got = BUF_INIT;
		expand(&text, rows[i].text);
		FILE *f = fopen(path, "wb");
		fwrite(text.ptr, 1, text.len, f);
		fclose(f);
		struct pem_file pf;
		struct trust_set ts;
		trust_set_init(&ts);
		err_clear();
		int rc = pem_file_load(&pf, path, "t.pem");
		CHECK_MSG((rc == 0) == (rows[i].ok != 0), "%s: rc %d (%s)", rows[i].what, rc,
			  err_msg());
		if (rc == 0) {
			pem_file_entries(&pf, &ts);
			describe(&got, &ts);
			CHECK_MSG(!strcmp(got.ptr, rows[i].expect), "%s: got \"%s\", want \"%s\"",
				  rows[i].what, got.ptr, rows[i].expect);
		} else if (rows[i].error) {
			CHECK_MSG(strstr(err_msg(), rows[i].error) != NULL, "%s: error \"%s\"",
				  rows[i].what, err_msg());
		}
		pem_file_dispose(&pf);
		trust_set_dispose(&ts);
		buf_dispose(&text);
		buf_dispose(&got);
	}
	caA.cert = A;
	caB.cert = B;
	caA2.cert = B; /* a regenerated under its name */
	for (size_t k = 0; k < sizeof(rewrites) / sizeof(*rewrites); k++)
		rewrite_case(path, k);
	unlink(path);
	rmdir(dir);
	cert_free(A);
	cert_free(B);
	return test_report();
}
