/*
 * /etc/ca-certificates/update.d, run as update-ca-certificates runs them:
 * the names run-parts --test would list (regular executable files named
 * [A-Za-z0-9_-]+), in byte order, each with the "+/etc/ssl/certs/X.pem" and
 * "-..." lines on standard input and /etc/ssl/certs as working directory.
 */
#include "stores/system/debian.h"
#include "util/err.h"
#include "util/proc.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int deb_hooks_list(const char *root, char ***names, size_t *n)
{
	char *dir = root_resolve_host(root, DEB_HOOKSDIR);
	size_t alloc = 0;
	*names = NULL;
	*n = 0;
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d) {
		free(dir);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!runparts_name(de->d_name))
			continue;
		char *p = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) {
			ARRAY_GROW(*names, *n + 1, alloc);
			(*names)[(*n)++] = p;
		} else {
			free(p);
		}
	}
	closedir(d);
	free(dir);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), strp_cmp);
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
