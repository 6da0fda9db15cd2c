/*
 * How the caddy store runs Caddy: the configured stop/start/reload commands,
 * `caddy version` and `caddy validate` (always with Caddy's data and config
 * directories in a temp directory, so that checking a file never creates a
 * PKI anywhere). Below the type (caddy.c) and the backends.
 */
#include "stores/caddy/caddy.h"
#include "stores/caddy/caddy_int.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/goduration.h"
#include "util/proc.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXEC_GUARD_SECONDS 300 /* a hung `caddy validate` must not hold the run lock */

/* --- running things ------------------------------------------------------- */

int caddy_command(const char *what, const char *cmd)
{
	/* its chatter goes to our stderr, never into the plan */
	struct proc_opts o = {.what = what, .shell = cmd};
	int st = proc_exec(&o);
	if (st == 0)
		return 0;
	if (st > 128)
		err_set("%s: `%s` was killed by signal %d", what, cmd, st - 128);
	else if (st > 0)
		err_set("%s: `%s` exited with code %d", what, cmd, st);
	return -1;
}

int caddy_exec_capture(char *const argv[], struct buf *out)
{
	/* Caddy leaves nothing behind: its data and config go to a temp home. */
	struct proc_opts o = {.argv = (const char *const *)argv,
			      .out = out,
			      .temp_home = true,
			      .timeout_ms = EXEC_GUARD_SECONDS * 1000};
	return proc_exec(&o);
}

int caddy_version(const char *host_binary, int v[3], char **raw)
{
	*raw = NULL;
	if (access(host_binary, X_OK) < 0) {
		err_set_errno(errno, "%s", path_shown(host_binary));
		return -1;
	}
	struct buf out = BUF_INIT;
	char *argv[] = {(char *)host_binary, "version", NULL};
	int rc = caddy_exec_capture(argv, &out);
	if (rc != 0) {
		if (rc > 0)
			err_set("`%s version` exited with code %d: %.200s", path_shown(host_binary),
				rc, out.ptr);
		buf_dispose(&out);
		return -1;
	}
	/* "2.6.2" (Debian), "v2.7.6 h1:…" (upstream builds) */
	const char *p = out.ptr + strspn(out.ptr, " \t\r\n");
	if (*p == 'v')
		p++;
	char tail;
	int n = sscanf(p, "%d.%d.%d%c", &v[0], &v[1], &v[2], &tail);
	if (n < 3 || (n == 4 && tail != ' ' && tail != '\n' && tail != '-' && tail != '+' &&
		      tail != '~' && tail != '\r')) {
		*raw = xstrndup(out.ptr, strcspn(out.ptr, "\n"));
		buf_dispose(&out);
		return 1;
	}
	*raw = xstrndup(out.ptr, strcspn(out.ptr, "\r\n"));
	buf_dispose(&out);
	return 0;
}

bool caddy_version_at_least(const int v[3], int major, int minor, int patch)
{
	if (v[0] != major)
		return v[0] > major;
	if (v[1] != minor)
		return v[1] > minor;
	return v[2] >= patch;
}

/* Caddy's "Error: …" line, which says what is wrong; the rest is its log. */
static void last_error_line(const struct buf *out, struct buf *msg)
{
	const char *best = NULL;
	for (const char *p = out->ptr; p && *p;) {
		if (!strncmp(p, "Error: ", 7))
			best = p;
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : NULL;
	}
	if (!best) {
		size_t n = out->len;
		while (n && (out->ptr[n - 1] == '\n' || out->ptr[n - 1] == '\r'))
			n--;
		size_t start = n;
		while (start && out->ptr[start - 1] != '\n')
			start--;
		buf_add(msg, out->ptr + start, n - start);
		return;
	}
	best += 7; /* the message, without Caddy's "Error: " */
	buf_add(msg, best, strcspn(best, "\r\n"));
}

int caddy_validate(const char *host_binary, const char *file, bool caddyfile, struct buf *msg)
{
	char *argv[] = {(char *)host_binary,
			"validate",
			"--config",
			(char *)file,
			caddyfile ? "--adapter" : NULL,
			"caddyfile",
			NULL};
	struct buf out = BUF_INIT;
	int rc = caddy_exec_capture(argv, &out);
	if (rc > 0)
		last_error_line(&out, msg);
	buf_dispose(&out);
	return rc < 0 ? -1 : rc == 0 ? 0 : 1;
}
