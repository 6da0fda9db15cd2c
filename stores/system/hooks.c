/*
 * /etc/ca-certificates/update.d, run as update-ca-certificates runs them:
 * the names run-parts --test would list (regular executable files named
 * [A-Za-z0-9_-]+), in byte order, each with the "+/etc/ssl/certs/X.pem" and
 * "-..." lines on standard input and /etc/ssl/certs as working directory.
 */
#include "stores/system/debian.h"
#include "util/dirlist.h"
#include "util/err.h"
#include "util/proc.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool runparts_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static bool hook_keep(const char *host, const char *name, void *arg)
{
	(void)arg;
	if (!runparts_name(name) || !dirlist_regular(host, name, NULL))
		return false;
	char *p = xasprintf("%s/%s", host, name);
	bool x = access(p, X_OK) == 0;
	free(p);
	return x;
}

int deb_hooks_list(const char *root, char ***names, size_t *n)
{
	char *dir = root_resolve_host(root, DEB_HOOKSDIR);
	*names = NULL;
	*n = 0;
	if (!dir || dirlist(dir, hook_keep, NULL, names, n) < 0)
		err_clear(); /* no hooks directory to read: no hooks, as run-parts */
	for (size_t i = 0; i < *n; i++) {
		char *p = xasprintf("%s/%s", dir, (*names)[i]);
		free((*names)[i]);
		(*names)[i] = p;
	}
	free(dir);
	return 0;
}

static int run_one(const char *hook, const char *cwd, const struct buf *lines)
{
	/* +/- lines on its stdin, as update-ca-certificates gives them; its
	 * chatter on our stderr, never into the plan */
	const char *argv[] = {hook, NULL};
	char *what = xasprintf("hook %s", hook);
	struct proc_opts o = {.what = what,
			      .argv = argv,
			      .cwd = cwd,
			      .stdin_data = lines->ptr,
			      .stdin_len = lines->len};
	int st = proc_exec(&o);
	free(what);
	if (st == 0)
		return 0;
	if (st > 128)
		err_set("hook %s was killed by signal %d", hook, st - 128);
	else if (st > 0)
		err_set("hook %s exited with code %d; the trust change is made, run the hook "
			"again by hand or re-run trustapply once it is fixed",
			hook, st);
	return -1;
}

int deb_hooks_run(const char *root, const struct buf *lines)
{
	char **hooks;
	size_t n;
	int rc = 0;
	struct buf failed = BUF_INIT;
	deb_hooks_list(root, &hooks, &n);
	char *cwd = root_resolve_host(root, DEB_ETCCERTS);
	for (size_t i = 0; i < n; i++) {
		if (run_one(hooks[i], cwd ? cwd : "/", lines) < 0) {
			buf_printf(&failed, "%s%s", failed.len ? "; " : "", err_msg());
			rc = -1;
		}
		free(hooks[i]);
	}
	free(hooks);
	free(cwd);
	if (rc < 0)
		err_set("%s", failed.ptr);
	buf_dispose(&failed);
	return rc;
}
