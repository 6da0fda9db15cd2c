/*
 * The Caddy helpers: Go durations as Caddy parses them (with "d"), the JSON
 * editor (splices, in the file's style), and, against the real Caddy from
 * Debian's package, `caddy version` and `caddy validate` as trustform runs
 * them (in a throwaway data directory).
 */
#include "harness.h"
#include "stores/caddy/caddy_int.h"
#include "stores/caddy/caddy_json.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void durations(void)
{
	static const struct {
		const char *s;
		long long ns; /* -1: not a duration */
	} rows[] = {
	    {"43800h", 43800LL * 3600 * 1000000000LL},
	    {"1825d", 43800LL * 3600 * 1000000000LL},
	    {"1h30m", 5400LL * 1000000000LL},
	    {"1.5h", 5400LL * 1000000000LL},
	    {"0.5d", 12LL * 3600 * 1000000000LL},
	    {"300ms", 300000000LL},
	    {"2us", 2000LL},
	    {"2\xc2\xb5s", 2000LL},
	    {"0", 0},
	    {"+1s", 1000000000LL},
	    {"", -1},
	    {"h", -1},
	    {"10", -1},
	    {"five years", -1},
	    {"-1h", -1},
	    {"3000000h", -1}, /* beyond Go's 292 years */
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		long long ns = -7;
		bool ok = caddy_duration_parse(rows[i].s, &ns);
		CHECK_MSG(ok == (rows[i].ns >= 0) && (!ok || ns == rows[i].ns), "\"%s\": %d %lld",
			  rows[i].s, ok, ns);
	}
}

static void json_rows(void)
{
	static const struct {
		const char *in, *ca, *out;
	} rows[] = {
	    {"{}", "local",
	     "{\"apps\":{\"pki\":{\"certificate_authorities\":{\"local\":"
	     "{\"intermediate_lifetime\":\"720h\"}}}}}"},
	    {"{\n  \"admin\": {\"disabled\": true}\n}\n", "local",
	     "{\n  \"admin\": {\"disabled\": true},\n  \"apps\": {\"pki\": "
	     "{\"certificate_authorities\": {\"local\": {\"intermediate_lifetime\": "
	     "\"720h\"}}}}\n}\n"},
	    {"{\"apps\":{\"pki\":{\"certificate_authorities\":{\"local\":"
	     "{\"intermediate_lifetime\":\"1h\", \"name\":\"x\"}}}}}",
	     "local",
	     "{\"apps\":{\"pki\":{\"certificate_authorities\":{\"local\":"
	     "{\"intermediate_lifetime\":\"720h\", \"name\":\"x\"}}}}}"},
	    {"{\"apps\":{\"pki\":{\"certificate_authorities\":{\"lo\\u0063al\":{}}}}}", "local",
	     "{\"apps\":{\"pki\":{\"certificate_authorities\":{\"lo\\u0063al\":"
	     "{\"intermediate_lifetime\":\"720h\"}}}}}"},
	    {"{\"apps\":{\"pki\":{\"certificate_authorities\":{\"a\":{\"x\":\"}\"}}}}}", "b",
	     "{\"apps\":{\"pki\":{\"certificate_authorities\":{\"a\":{\"x\":\"}\"},"
	     "\"b\":{\"intermediate_lifetime\":\"720h\"}}}}}"},
	    {"[]", "local", NULL},
	    {"{\"apps\": 3}", "local", NULL},
	    {"{\"a\":1,\"a\":2}", "local", NULL},
	    {"{\"apps\":{\"pki\":{\"certificate_authorities\":{\"local\":"
	     "{\"intermediate_lifetime\":true}}}}}",
	     "local", NULL},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		struct cj_lifetime r;
		int rc = cj_set_lifetime(&r, "c.json", rows[i].in, strlen(rows[i].in), rows[i].ca,
					 "720h");
		if (!rows[i].out) {
			CHECK_MSG(rc < 0, "row %zu accepted", i);
			continue;
		}
		CHECK_MSG(rc == 0 && !strcmp(r.out.ptr, rows[i].out), "row %zu: %s (%s)", i,
			  rc == 0 ? r.out.ptr : "refused", rc == 0 ? "" : err_msg());
		/* converges: editing the output again changes nothing */
		struct cj_lifetime r2;
		CHECK_MSG(rc == 0 &&
			      cj_set_lifetime(&r2, "c.json", r.out.ptr, r.out.len, rows[i].ca,
					      "720h") == 0 &&
			      r2.have && !strcmp(r2.have, "720h") &&
			      buf_equal(&r2.out, r.out.ptr, r.out.len),
			  "row %zu: a second edit differs", i);
		cj_lifetime_dispose(&r2);
		cj_lifetime_dispose(&r);
	}
	/* issue 14: a raw NUL after a value was spliced before it, written back broken */
	static const char nul[] = "{\"admin\": {\"disabled\": true}\n\0}";
	struct cj_lifetime rn;
	err_clear();
	CHECK(cj_set_lifetime(&rn, "c.json", nul, sizeof(nul) - 1, "local", "720h") < 0);
	CHECK_MSG(strstr(err_msg(), "c.json:2:1: a NUL byte; Caddy cannot load it either"), "%s",
		  err_msg());
	struct cj_lifetime r;
	const char *ns = "{\"apps\":{\"pki\":{\"certificate_authorities\":{\"local\":"
			 "{\"intermediate_lifetime\":604800000000000}}}}}";
	CHECK(cj_set_lifetime(&r, "c.json", ns, strlen(ns), "local", "720h") == 0);
	CHECK(r.have && r.have_is_ns && !strcmp(r.have, "604800000000000"));
	cj_lifetime_dispose(&r);

	char **where;
	size_t n;
	const char *ins = "{\"a\":[{\"tls\":{\"insecure_skip_verify\":true}},"
			  "{\"tls\":{\"insecure_skip_verify\":false}}]}";
	cj_lint_insecure(ins, strlen(ins), &where, &n);
	CHECK(n == 1 && !strcmp(where[0], "a[0].tls.insecure_skip_verify"));
	for (size_t i = 0; i < n; i++)
		free(where[i]);
	free(where);
}

static void real_caddy(void)
{
	const char *bin = "/usr/bin/caddy";
	int v[3];
	char *raw = NULL;
	CHECK_MSG(caddy_version(bin, v, &raw) == 0, "%s", err_msg());
	/* Debian 12 ships 2.6.2: too old for intermediate_lifetime */
	CHECK(v[0] == 2 && raw && strstr(raw, "2."));
	bool knows = caddy_version_at_least(v, CADDY_LIFETIME_MIN_MAJOR, CADDY_LIFETIME_MIN_MINOR,
					    CADDY_LIFETIME_MIN_PATCH);
	CHECK_MSG(knows == (v[1] > 6 || (v[1] == 6 && v[2] >= 3)), "%s", raw);
	free(raw);
	CHECK(caddy_version("/nonexistent/caddy", v, &raw) < 0 && !raw);
	int a[3] = {2, 6, 2}, b[3] = {2, 6, 3}, c[3] = {2, 10, 0}, d[3] = {3, 0, 0};
	CHECK(!caddy_version_at_least(a, 2, 6, 3) && caddy_version_at_least(b, 2, 6, 3) &&
	      caddy_version_at_least(c, 2, 6, 3) && caddy_version_at_least(d, 2, 6, 3));

	char dir[] = "/tmp/tf-caddy-unit.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char *good = xasprintf("%s/Caddyfile", dir), *bad = xasprintf("%s/Caddyfile.bad", dir);
	const char *g = "{\n\tadmin off\n\tpki {\n\t\tca local {\n\t\t\tintermediate_cn x\n"
			"\t\t}\n\t}\n}\n:0 {\n\ttls internal\n\trespond ok\n}\n";
	CHECK(atomic_write(good, g, strlen(g), 0644) == 0);
	struct buf msg = BUF_INIT;
	/* validation must leave no PKI behind: not in the caller's data directory,
	 * and its own throwaway one is removed */
	char *xdg = xasprintf("%s/xdg", dir), *tmp = xasprintf("%s/tmp", dir);
	char *pki = xasprintf("%s/caddy", xdg);
	CHECK(mkdir_p(xdg, 0700) == 0 && mkdir_p(tmp, 0700) == 0);
	setenv("XDG_DATA_HOME", xdg, 1);
	setenv("TMPDIR", tmp, 1);
	CHECK_MSG(caddy_validate(bin, good, true, &msg) == 0, "%s", msg.ptr);
	CHECK(!path_exists(pki));
	CHECK(rmdir(tmp) == 0); /* empty: the throwaway directory is gone */
	unsetenv("TMPDIR");
	rmdir(xdg);
	free(xdg);
	free(tmp);
	free(pki);
	const char *b2 = "{\n\tpki {\n\t\tca local {\n\t\t\tintermediate_lifetime 720h\n"
			 "\t\t}\n\t}\n}\n";
	CHECK(atomic_write(bad, b2, strlen(b2), 0644) == 0);
	buf_reset(&msg);
	int rc = caddy_validate(bin, bad, true, &msg);
	if (!knows)
		CHECK_MSG(rc == 1 && strstr(msg.ptr, "unrecognized pki ca option "
						     "'intermediate_lifetime'"),
			  "%d %s", rc, msg.ptr);
	else
		CHECK_MSG(rc == 0, "%s", msg.ptr);
	buf_dispose(&msg);
	unlink(good);
	unlink(bad);
	rmdir(dir);
	free(good);
	free(bad);
}

int main(void)
{
	durations();
	json_rows();
	real_caddy();
	return test_report();
}
