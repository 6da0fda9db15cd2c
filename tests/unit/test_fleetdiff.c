/*
 * The fleet diff's data structures at scale (issue 22 item 4), for
 * correctness, not time: the host index (exact entries in a map, globs in the
 * file's order) resolves every host as a scan of the entries does; the
 * replacements of a store with many rotated CAs each pair the CA's own removal;
 * an inventory of many names with no blank on their lines is read whole.
 */
#include "certgen.h"
#include "harness.h"
#include "reconcile/fleetdiff.h"
#include "schema/diag.h"
#include "schema/inventory.h"
#include "schema/resolve.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <unistd.h>

static char base[] = "/tmp/tf-fleetdiff-XXXXXX";

static struct config *load(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", base, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	struct config_load_opts o = {.root = "", .now = time(NULL)};
	struct diag d;
	diag_init(&d);
	struct config *c = config_load(path, &o, &d);
	if (d.errors)
		diag_print(&d, stderr, false);
	CHECK_MSG(c && !d.errors, "%s: %zu errors", name, d.errors);
	diag_dispose(&d);
	return c;
}

/* "a, b": the roles of host in c, resolved with the index, or "-" for none;
 * the scan (resolve_host) must say the same. */
static void roles_of(const struct config *c, const struct host_index *x, const char *host,
		     struct buf *out)
{
	struct resolved *r = resolve_host_indexed(x, host, NULL, 0);
	struct resolved *s = resolve_host(c, host, NULL, 0);
	err_clear();
	buf_reset(out);
	if (!r)
		buf_puts(out, "-");
	for (size_t i = 0; r && i < r->nroles; i++)
		buf_printf(out, "%s%s", i ? ", " : "", r->roles[i]->name);
	bool same = (!r) == (!s) && (!r || r->nroles == s->nroles);
	for (size_t i = 0; same && r && i < r->nroles; i++)
		same = r->roles[i] == s->roles[i];
	CHECK_MSG(same, "%s: the index and the scan differ", host);
	resolved_free(r);
	resolved_free(s);
}

static void host_index_semantics(void)
{
	struct config *c = load("hosts.yaml", "version: 1\ncas: {}\n"
					      "stores:\n  s: { type: system }\n"
					      "roles:\n  a: { stores: [s] }\n  b: { stores: [s] }\n"
					      "  c: { stores: [s] }\n"
					      "hosts:\n"
					      "  \"web-*\": [b]\n"
					      "  web-1: [a]\n"
					      "  \"*-1\": [c]\n"
					      "  \"db-[0-9]\": [c, a]\n"
					      "  \"db-*\": [b, c]\n");
	if (!c)
		return;
	struct host_index x;
	host_index_init(&x, c);
	CHECK(x.nglobs == 4);
	struct buf b = BUF_INIT;
	static const char *const cases[][2] = {
	    {"web-1", "a"},	    /* an exact entry alone, globs not consulted */
	    {"web-2", "b"},	    /* a glob */
	    {"x-1", "c"},	    /* another glob */
	    {"db-1", "c, a, b"},    /* three globs, the file's order, each role once */
	    {"db-x", "b, c"},	    /* one glob, its roles in its order */
	    {"mail", "-"},	    /* nothing matches */
	    {"web-1.example", "b"}, /* an exact name is not a prefix */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		roles_of(c, &x, cases[i][0], &b);
		CHECK_MSG(!strcmp(b.ptr, cases[i][1]), "%s: %s, wanted %s", cases[i][0], b.ptr,
			  cases[i][1]);
	}
	host_index_dispose(&x);
	buf_dispose(&b);
	config_free(c);
}

/* 5,000 exact entries (the map grows many times) and a glob: every host
 * finds its own entry. */
static void host_index_at_scale(void)
{
	enum { N = 5000 };
	struct buf y = BUF_INIT;
	buf_puts(&y, "version: 1\ncas: {}\nstores:\n  s: { type: system }\n"
		     "roles:\n  even: { stores: [s] }\n  odd: { stores: [s] }\n"
		     "hosts:\n  \"h-*\": [odd]\n");
	for (int i = 0; i < N; i++)
		buf_printf(&y, "  h-%05d: [%s]\n", i, i % 2 ? "odd" : "even");
	struct config *c = load("many.yaml", y.ptr);
	buf_dispose(&y);
	if (!c)
		return;
	struct host_index x;
	host_index_init(&x, c);
	CHECK(x.nglobs == 1);
	int wrong = 0;
	for (int i = 0; i < N + 10; i++) {
		char host[32];
		snprintf(host, sizeof(host), "h-%05d", i);
		struct resolved *r = resolve_host_indexed(&x, host, NULL, 0);
		/* past N, only the glob matches: odd */
		const char *want = i < N && i % 2 == 0 ? "even" : "odd";
		wrong += !r || r->nroles != 1 || strcmp(r->roles[0]->name, want);
		resolved_free(r);
	}
	CHECK_MSG(wrong == 0, "%d hosts resolved wrong", wrong);
	host_index_dispose(&x);
	config_free(c);
}

static void write_cert(const char *name, X509 *x, char fp[65])
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", base, name);
	FILE *f = fopen(path, "w");
	if (f) {
		PEM_write_X509(f, x);
		fclose(f);
	}
	unsigned char md[32];
	unsigned int len = 0;
	X509_digest(x, EVP_sha256(), md, &len);
	for (int i = 0; i < 32; i++)
		snprintf(fp + 2 * i, 3, "%02x", md[i]);
	X509_free(x);
}

/* 200 CAs, each even one rotated (same name, new certificate), each odd one
 * unchanged, plus one CA only in the new file and one only in the old: every
 * rotation is one replacement holding that CA's own old and new fingerprints. */
static void replacements_at_scale(void)
{
	enum { N = 200 };
	static char fo[N + 1][65], fn[N + 1][65];
	struct buf yo = BUF_INIT, yn = BUF_INIT, cas = BUF_INIT;
	for (int i = 0; i <= N; i++) {
		char cn[32], file[32];
		snprintf(cn, sizeof(cn), "ca-%03d", i);
		snprintf(file, sizeof(file), "old-%03d.pem", i);
		write_cert(file, certgen_x509(cn, "old", 1), fo[i]);
		snprintf(file, sizeof(file), "new-%03d.pem", i);
		write_cert(file, certgen_x509(cn, "new", 1), fn[i]);
	}
	const char *head = "version: 1\nstores:\n  s: { type: system }\ncas:\n";
	buf_puts(&yo, head);
	buf_puts(&yn, head);
	for (int i = 0; i < N; i++) {
		buf_printf(&yo, "  ca-%03d: { file: old-%03d.pem }\n", i, i);
		buf_printf(&yn, "  ca-%03d: { file: %s-%03d.pem }\n", i, i % 2 ? "old" : "new", i);
		buf_printf(&cas, "%sca-%03d", i ? ", " : "", i);
	}
	buf_printf(&yo, "  gone: { file: old-%03d.pem }\n", N);
	buf_printf(&yn, "  fresh: { file: new-%03d.pem }\n", N);
	buf_printf(&yo, "roles:\n  r: { stores: [s], cas: [%s, gone] }\nhosts:\n  h: [r]\n",
		   cas.ptr);
	buf_printf(&yn, "roles:\n  r: { stores: [s], cas: [%s, fresh] }\nhosts:\n  h: [r]\n",
		   cas.ptr);
	struct config *co = load("old.yaml", yo.ptr), *cn = load("new.yaml", yn.ptr);
	buf_dispose(&yo);
	buf_dispose(&yn);
	buf_dispose(&cas);
	if (!co || !cn) {
		config_free(co);
		config_free(cn);
		return;
	}
	struct fleet_diff d;
	fleet_diff_build(&d, co, cn, NULL, 0);
	CHECK(d.nhosts == 1);
	CHECK_MSG(d.replace == N / 2 && d.add == 1 && d.remove == 1,
		  "%zu replaced, %zu added, %zu removed", d.replace, d.add, d.remove);
	const struct fd_host *h = &d.hosts[0];
	CHECK_MSG(h->nchanges == N / 2 + 2, "%zu changes", h->nchanges);
	/* sorted by name: ca-000, ca-002, ..., then fresh, gone */
	for (size_t i = 0; i < h->nchanges && i < N / 2; i++) {
		const struct fd_change *c = &h->changes[i];
		char want[32];
		snprintf(want, sizeof(want), "ca-%03zu", 2 * i);
		CHECK_MSG(!strcmp(c->name, want) && !strcmp(c->op, "replace") &&
			      !strcmp(c->fp_before, fo[2 * i]) && !strcmp(c->fp_after, fn[2 * i]),
			  "change %zu: %s %s, wanted replace %s with its own fingerprints", i,
			  c->op, c->name, want);
	}
	if (h->nchanges == N / 2 + 2) {
		const struct fd_change *a = &h->changes[N / 2], *r = &h->changes[N / 2 + 1];
		CHECK(!strcmp(a->name, "fresh") && !strcmp(a->op, "add") &&
		      !strcmp(a->fp_after, fn[N]));
		CHECK(!strcmp(r->name, "gone") && !strcmp(r->op, "remove") &&
		      !strcmp(r->fp_before, fo[N]));
	}
	fleet_diff_dispose(&d);
	config_free(co);
	config_free(cn);
}

/* 20,000 names, one a line with no blank (the last with no newline either),
 * a few with variables after them, duplicates once. */
static void inventory_at_scale(void)
{
	enum { N = 20000 };
	char path[512];
	snprintf(path, sizeof(path), "%s/inventory", base);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fputs("[web]\n", f);
	for (int i = N - 1; i >= 0; i--)
		fprintf(f, i % 1000 ? "n%05d\n" : "n%05d ansible_host=10.0.0.1\n", i);
	fputs("[web:vars]\nx=1\n[db]\nn00007\nn99999", f);
	fclose(f);
	char **names;
	size_t n;
	CHECK(inventory_load(&names, &n, path) == 0);
	CHECK_MSG(n == N + 1, "%zu names", n);
	int wrong = 0;
	for (size_t i = 0; i < n && i < N; i++) {
		char want[16];
		snprintf(want, sizeof(want), "n%05zu", i);
		wrong += strcmp(names[i], want) != 0;
	}
	CHECK_MSG(wrong == 0, "%d names wrong", wrong);
	CHECK(n == N + 1 && !strcmp(names[N], "n99999"));
	inventory_free(names, n);
}

int main(void)
{
	if (!mkdtemp(base))
		return 1;
	host_index_semantics();
	host_index_at_scale();
	replacements_at_scale();
	inventory_at_scale();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", base);
	return test_report();
}
