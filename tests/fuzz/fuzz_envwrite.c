/* The files shell-env and systemd-env write (stores/files/envwrite.c), with
 * a PROPERTY: whatever names, values, reasons and file names go in, the
 * output is only comments (printable ASCII, no backslash) and the expected
 * assignments. The input, split at NUL bytes: a variable name and value to
 * set, then groups of name, value, source file of settings to undo. The last
 * part is also written as an environment.d file and a profile.d script read
 * through scan_all, whose findings are rendered the same way. */
#include "fuzz.h"
#include "stores/files/envwrite.h"
#include "stores/files/shell_env_scan.h"
#include "util/err.h"

#define MAXPART 16

static bool comment_ok(const char *l, size_t n)
{
	if (n < 2 || l[0] != '#' || l[1] != ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (l[i] < 0x20 || l[i] > 0x7e || l[i] == '\\')
			return false;
	return true;
}

static bool line_is(const char *l, size_t n, const char *pre, const char *a, const char *mid,
		    const char *b, const char *post)
{
	char want[512];
	int w = snprintf(want, sizeof(want), "%s%s%s%s%s", pre, a, mid, b, post);
	return w > 0 && (size_t)w == n && !memcmp(l, want, n);
}

/* Every line of out is a comment or one of the lines allowed by kind. */
static void check(const struct buf *out, int kind, const struct envw_set *set, size_t nset,
		  const struct envw_undo *u, size_t nu)
{
	FUZZ_ASSERT(out->len && out->ptr[out->len - 1] == '\n');
	FUZZ_ASSERT(!memchr(out->ptr, '\0', out->len));
	for (size_t at = 0; at < out->len;) {
		const char *l = out->ptr + at;
		size_t n = (size_t)((const char *)memchr(l, '\n', out->len - at) - l);
		bool ok =
		    comment_ok(l, n) || (kind == 2 && line_is(l, n, "[Service]", "", "", "", ""));
		for (size_t i = 0; i < nset && !ok; i++)
			ok = kind == 0
				 ? line_is(l, n, "export ", set[i].name, "='", set[i].value, "'")
			     : kind == 1 ? line_is(l, n, "", set[i].name, "=", set[i].value, "")
					 : line_is(l, n, "Environment=\"", set[i].name, "=",
						   set[i].value, "\"");
		for (size_t i = 0; i < nu && !ok; i++) {
			if (!envw_name_ok(u[i].name))
				continue;
			ok = kind == 0 ? line_is(l, n, "unset ", u[i].name, "", "", "")
			     : kind == 1
				 ? u[i].safe && envw_value_ok(u[i].safe) &&
				       line_is(l, n, "", u[i].name, "=", u[i].safe, "")
				 : line_is(l, n, "UnsetEnvironment=", u[i].name, "", "", "");
		}
		FUZZ_ASSERT(ok);
		at += n + 1;
	}
}

static void render_all(const char *store, const struct envw_set *set, size_t nset,
		       const struct envw_undo *u, size_t nu)
{
	struct buf sh = BUF_INIT, conf = BUF_INIT, unit = BUF_INIT;
	int rc1 = envw_render_shell(&sh, &conf, store, set, nset, u, nu);
	int rc2 = envw_render_dropin(&unit, store, set, nset, u, nu);
	FUZZ_ASSERT(rc1 == rc2);
	if (rc1 == 0) {
		for (size_t i = 0; i < nset; i++)
			FUZZ_ASSERT(envw_name_ok(set[i].name) && envw_value_ok(set[i].value));
		check(&sh, 0, set, nset, u, nu);
		check(&conf, 1, set, nset, u, nu);
		check(&unit, 2, set, nset, u, nu);
	}
	err_clear();
	buf_dispose(&sh);
	buf_dispose(&conf);
	buf_dispose(&unit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	const char *part[MAXPART];
	size_t np = 0;
	for (size_t at = 0; at <= size && np < MAXPART;) {
		part[np++] = text + at;
		at += strlen(text + at) + 1;
	}
	while (np < 2)
		part[np++] = "";
	struct envw_set set[2] = {{part[0], part[1]}, {"SSL_CERT_FILE", "/etc/ssl/b.pem"}};
	struct envw_undo u[MAXPART / 3];
	size_t nu = 0;
	for (size_t i = 2; i + 2 < np + 1 && nu < MAXPART / 3; i += 3)
		u[nu++] = (struct envw_undo){part[i], i + 1 < np ? part[i + 1] : "",
					     "why",   i + 2 < np ? part[i + 2] : "",
					     part[1], false};
	render_all(part[np - 1], set, 2, u, nu);
	render_all("s", set + 1, 1, u, nu);

	/* the same through the reader of the login environment's files */
	fuzz_write("etc/environment.d/50-fuzz.conf", part[np - 1], strlen(part[np - 1]));
	fuzz_write("etc/profile.d/50-fuzz.sh", part[np - 1], strlen(part[np - 1]));
	struct scan sc;
	scan_all(&sc, fuzz_dir());
	struct envw_undo su[32];
	size_t ns = 0;
	for (size_t i = 0; i < sc.n && ns < 32; i++)
		su[ns++] =
		    (struct envw_undo){sc.a[i].name, sc.a[i].value, "why",
				       sc.a[i].src,  sc.a[i].value, sc.a[i].kind == SRC_PROFILE};
	render_all("s", set + 1, 1, su, ns);
	scan_dispose(&sc);
	free(text);
	return 0;
}
