/*
 * Marked PEM blocks (stores/pemfile.c), table-driven: what a file holds
 * (owned, foreign, hand-edited) and which files are refused as not PEM.
 */
#include "certgen.h"
#include "harness.h"
#include "stores/pemfile.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdlib.h>
#include <unistd.h>

static struct cert *A, *B;

/* "%A" / "%B": the PEM of A or B; "%a": a begin marker for name a with A's sha. */
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
			buf_printf(out, "# trustform:begin %c sha256=%s\n", *p, c->fphex);
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
	unlink(path);
	rmdir(dir);
	cert_free(A);
	cert_free(B);
	return test_report();
}
