/*
 * A certificate directory (/etc/ssl/certs and its kind) as a virtual listing:
 * what is there now, changed in memory while a new state is computed. Names
 * are looked up through a hash map, and link targets that lead out of the
 * directory are resolved once, chroot-style under --root, with their
 * directories cached (thousands of links lead into the same few directories).
 * The virtual listing is the truth for the directory's own names.
 */
#include "stores/system/certsdir.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void dircache_dispose(struct dircache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->keys[i]);
		free(c->resolved[i]);
	}
	free(c->keys);
	free(c->resolved);
	strmap_dispose(&c->map);
	memset(c, 0, sizeof(*c));
}

/* Collapse the leading "../" of a link target that climbs out of the
 * directory: safe lexically, because dir_inroot is resolved and has no links.
 * Returns NULL when anything else is left to interpret. */
static char *climb(const struct listing *l, const char *target)
{
	if (target[0] == '/')
		return xstrdup(target);
	size_t keep = strlen(l->dir_inroot);
	const char *t = target;
	while (!strncmp(t, "../", 3)) {
		while (keep > 0 && l->dir_inroot[keep - 1] != '/')
			keep--;
		if (keep > 0)
			keep--; /* drop the slash too */
		t += 3;
	}
	return xasprintf("%.*s/%s", (int)keep, l->dir_inroot, t);
}

/* root_resolve for a link target, with its directory looked up in the cache:
 * only the last component is examined on disk. */
static int resolve_target(const struct listing *l, const char *target, struct buf *out)
{
	char *path = climb(l, target);
	int rc = -1;
	char *slash = strrchr(path, '/');
	bool plain = !strstr(path, "/./") && !strstr(path, "/../") && !strstr(path, "//") &&
		     slash && slash[1] && strcmp(slash + 1, ".") && strcmp(slash + 1, "..");
	if (!plain || !l->dirs || slash == path) {
		rc = root_resolve(l->root, path, out);
		free(path);
		return rc;
	}
	*slash = '\0';
	struct dircache *c = l->dirs;
	size_t i = strmap_get(&c->map, path);
	if (i == STRMAP_NONE) {
		struct buf d = BUF_INIT;
		if (root_resolve(l->root, path, &d) < 0) {
			buf_dispose(&d);
			free(path);
			return -1;
		}
		ARRAY_GROW(c->keys, c->n + 1, c->alloc);
		c->resolved = xrealloc(c->resolved, c->alloc * sizeof(*c->resolved));
		c->keys[c->n] = xstrdup(path);
		c->resolved[c->n] = buf_detach(&d);
		i = c->n++;
		strmap_put(&c->map, c->keys[i], i);
	}
	const char *dir = c->resolved[i];
	char *full = xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", slash + 1);
	char *host = root_join(l->root, full);
	struct stat st;
	if (lstat(host, &st) == 0 && S_ISLNK(st.st_mode)) {
		rc = root_resolve(l->root, full, out); /* a link: follow it properly */
	} else {
		buf_reset(out);
		buf_puts(out, full);
		rc = 0;
	}
	free(host);
	free(full);
	free(path);
	return rc;
}

static void ent_forget_target(struct ent *e)
{
	free(e->target);
	free(e->ext_path);
	e->target = e->ext_path = NULL;
	e->ext_done = e->ext_ok = e->ext_isreg = false;
	e->info = NULL;
}

void listing_dispose(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++) {
		ent_forget_target(&l->e[i]);
		free(l->e[i].name);
	}
	free(l->e);
	free(l->dir_inroot);
	strmap_dispose(&l->by_name);
	memset(l, 0, sizeof(*l));
}

struct ent *listing_find(const struct listing *l, const char *name)
{
	size_t i = strmap_get(&l->by_name, name);
	return i == STRMAP_NONE ? NULL : &l->e[i];
}

void listing_remove(struct listing *l, struct ent *e)
{
	e->removed = true;
	strmap_put(&l->by_name, e->name, STRMAP_NONE);
}

struct ent *listing_put(struct listing *l, const char *name)
{
	struct ent *e = listing_find(l, name);
	if (e) {
		ent_forget_target(e);
		return e;
	}
	ARRAY_GROW(l->e, l->n + 1, l->alloc);
	e = &l->e[l->n];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	strmap_put(&l->by_name, e->name, l->n);
	l->n++;
	return e;
}

/* Resolve (once) a link target that leads out of the directory. */
void ent_resolve_ext(const struct listing *l, struct ent *e)
{
	if (e->ext_done)
		return;
	e->ext_done = true;
	struct buf r = BUF_INIT;
	if (resolve_target(l, e->target, &r) == 0) {
		e->ext_ok = true;
		e->ext_path = buf_detach(&r);
		char *host = root_join(l->root, e->ext_path);
		struct stat st;
		e->ext_isreg = stat(host, &st) == 0 && S_ISREG(st.st_mode);
		free(host);
	}
	buf_dispose(&r);
}

int read_listing(const char *root, const char *dir_inroot, struct listing *l)
{
	struct buf r = BUF_INIT;
	memset(l, 0, sizeof(*l));
	l->root = root;
	if (root_resolve(root, dir_inroot, &r) < 0)
		return -1;
	l->dir_inroot = buf_detach(&r);
	char *host = root_join(root, l->dir_inroot);
	DIR *d = jail_opendir(host);
	if (!d) {
		int e = errno;
		if (e != ENOENT)
			err_set_errno(e, "%s: cannot list", l->dir_inroot);
		free(host);
		return e == ENOENT ? 0 : -1;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    is_temp_name(de->d_name))
			continue; /* a killed run's temp file: not part of the store */
		char *p = xasprintf("%s/%s", host, de->d_name);
		struct stat st;
		if (lstat(p, &st) == 0) {
			struct ent *e = listing_put(l, de->d_name);
			if (S_ISLNK(st.st_mode)) {
				char t[PATH_MAX];
				ssize_t n = readlink(p, t, sizeof(t) - 1);
				e->type = ENT_LINK;
				e->target = xstrndup(t, n > 0 ? (size_t)n : 0);
			} else {
				e->type = S_ISREG(st.st_mode)	? ENT_FILE
					  : S_ISDIR(st.st_mode) ? ENT_DIR
								: ENT_OTHER;
			}
		}
		free(p);
	}
	closedir(d);
	free(host);
	return 0;
}

bool vresolve(const struct listing *l, const char *name, struct vres *out)
{
	const char *cur = name;
	memset(out, 0, sizeof(*out));
	for (int depth = 0; depth < 40; depth++) {
		struct ent *e = listing_find(l, cur);
		if (!e || e->type != ENT_LINK) {
			/* The virtual listing is the truth for the directory itself: a
			 * name it does not hold is missing, whatever is on disk now. */
			out->ent = e;
			out->in_dir = true;
			out->path = xasprintf("%s/%s", l->dir_inroot, cur);
			return true;
		}
		if (!strchr(e->target, '/')) {
			cur = e->target;
			continue;
		}
		ent_resolve_ext(l, e);
		if (!e->ext_ok)
			return false;
		const char *r = e->ext_path, *slash = strrchr(r, '/');
		size_t dirlen = (size_t)(slash - r);
		if (dirlen == strlen(l->dir_inroot) && !strncmp(r, l->dir_inroot, dirlen)) {
			cur = slash + 1; /* back into the directory */
			continue;
		}
		out->path = xstrdup(r);
		out->ext_isreg = e->ext_isreg;
		return true;
	}
	return false;
}

bool is_regular_file_virtual(const struct listing *l, const char *name)
{
	struct vres v;
	if (!vresolve(l, name, &v))
		return false;
	bool ok;
	if (v.in_dir)
		ok = v.ent && (v.ent->type == ENT_FILE || v.ent->info);
	else
		ok = v.ext_isreg;
	free(v.path);
	return ok;
}

char *resolve_path(const struct listing *l, const char *name)
{
	struct vres v;
	return vresolve(l, name, &v) ? v.path : NULL;
}
