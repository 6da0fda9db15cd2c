/*
 * /etc/ssl/certs as `update-ca-certificates --fresh` leaves it for the current
 * sources: one "<name>.pem" link per source file, the OpenSSL subject-hash
 * links of `openssl rehash`, and ca-certificates.crt, the concatenation of the
 * sources (each ending in a newline). Computed in memory, compared with what
 * is there, and written link by link and file by file, each atomically.
 *
 * Two deliberate differences, both in the README:
 *   - under --root, new links are relative, so they resolve both inside the
 *     image and from the host; on the real root they are absolute as Debian's;
 *   - rehash sees the new ca-certificates.crt, not the old one (this only
 *     matters when a bundle holds exactly one certificate, where Debian's own
 *     --fresh runs are not idempotent).
 */
#include "stores/debian.h"
#include "stores/rehash.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum ent_type { ENT_FILE, ENT_LINK, ENT_DIR, ENT_OTHER };

struct ent {
	char *name;
	enum ent_type type;
	char *target;		/* links */
	const struct buf *content;	/* known content (sources, new bundle), or NULL */
	bool removed;
};

struct listing {
	struct ent *e;
	size_t n, alloc;
	char *etc_inroot;	/* resolved in-root path of /etc/ssl/certs */
	const char *root;
};

static void listing_dispose(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->e[i].name);
		free(l->e[i].target);
	}
	free(l->e);
	free(l->etc_inroot);
	memset(l, 0, sizeof(*l));
}

static struct ent *listing_find(const struct listing *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->e[i].removed && !strcmp(l->e[i].name, name))
			return &l->e[i];
	return NULL;
}

static struct ent *listing_put(struct listing *l, const char *name)
{
	struct ent *e = listing_find(l, name);
	if (e) {
		free(e->target);
		e->target = NULL;
		e->content = NULL;
		return e;
	}
	ARRAY_GROW(l->e, l->n + 1, l->alloc);
	e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	return e;
}

static int read_listing(const char *root, struct listing *l)
{
	struct buf r = BUF_INIT;
	memset(l, 0, sizeof(*l));
	l->root = root;
	if (root_resolve(root, DEB_ETCCERTS, &r) < 0)
		return -1;
	l->etc_inroot = buf_detach(&r);
	char *host = root_join(root, l->etc_inroot);
	DIR *d = opendir(host);
	if (!d) {
		int e = errno;
		if (e != ENOENT)
			err_set_errno(e, "%s: cannot list", host);
		free(host);
		return e == ENOENT ? 0 : -1;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
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
				e->type = S_ISREG(st.st_mode) ? ENT_FILE
					: S_ISDIR(st.st_mode) ? ENT_DIR : ENT_OTHER;
			}
		}
		free(p);
	}
	closedir(d);
	free(host);
	return 0;
}

/* Follow a name of the (virtual) directory to what it designates: either a
 * non-link entry of the directory, or an in-root path outside it. */
struct vres {
	const struct ent *ent;	/* final entry inside the directory, or NULL */
	bool in_dir;		/* the target is (or would be) an entry of the directory */
	char *path;		/* in-root path of the final target */
};

static bool vresolve(const struct listing *l, const char *name, struct vres *out)
{
	char *cur = xstrdup(name);
	memset(out, 0, sizeof(*out));
	for (int depth = 0; depth < 40; depth++) {
		const struct ent *e = listing_find(l, cur);
		if (!e || e->type != ENT_LINK) {
			/* The virtual listing is the truth for the directory itself: a
			 * name it does not hold is missing, whatever is on disk now. */
			out->ent = e;
			out->in_dir = true;
			out->path = xasprintf("%s/%s", l->etc_inroot, cur);
			free(cur);
			return true;
		}
		const char *t = e->target;
		if (!strchr(t, '/')) {
			free(cur);
			cur = xstrdup(t);
			continue;
		}
		char *joined = t[0] == '/' ? xstrdup(t) : xasprintf("%s/%s", l->etc_inroot, t);
		struct buf r = BUF_INIT;
		int rc = root_resolve(l->root, joined, &r);
		free(joined);
		free(cur);
		cur = NULL;
		if (rc < 0) {
			buf_dispose(&r);
			return false;
		}
		const char *slash = strrchr(r.ptr, '/');
		size_t dirlen = (size_t)(slash - r.ptr);
		if (dirlen == strlen(l->etc_inroot) && !strncmp(r.ptr, l->etc_inroot, dirlen)) {
			cur = xstrdup(slash + 1);	/* back into the directory */
			buf_dispose(&r);
			continue;
		}
		out->path = buf_detach(&r);
		return true;
	}
	free(cur);
	return false;
}

static bool is_regular_file_virtual(const struct listing *l, const char *name)
{
	struct vres v;
	if (!vresolve(l, name, &v))
		return false;
	bool ok;
	if (v.in_dir) {
		ok = v.ent && (v.ent->type == ENT_FILE || v.ent->content);
	} else {
		char *host = root_join(l->root, v.path);
		struct stat st;
		ok = stat(host, &st) == 0 && S_ISREG(st.st_mode);
		free(host);
	}
	free(v.path);
	return ok;
}

static char *resolve_path(const struct listing *l, const char *name)
{
	struct vres v;
	return vresolve(l, name, &v) ? v.path : NULL;
}

static bool points_into_sources(const struct listing *l, const struct ent *e)
{
	if (e->type != ENT_LINK)
		return false;
	if (!strncmp(e->target, DEB_CERTSDIR, strlen(DEB_CERTSDIR)) ||
	    !strncmp(e->target, DEB_LOCALDIR, strlen(DEB_LOCALDIR)))
		return true;	/* update-ca-certificates' own string test */
	char *p = resolve_path(l, e->name);
	bool in = p && (path_is_under(p, DEB_CERTSDIR) || path_is_under(p, DEB_LOCALDIR));
	free(p);
	return in;
}

struct read_ctx {
	const struct listing *l;
};

static int read_virtual(void *arg, const char *name, struct buf *content)
{
	const struct listing *l = ((struct read_ctx *)arg)->l;
	const struct ent *e = listing_find(l, name);
	if (e && e->content) {
		buf_add(content, e->content->ptr, e->content->len);
		return 0;
	}
	struct vres v;
	if (!vresolve(l, name, &v))
		return -1;
	if (v.ent && v.ent->content) {
		buf_add(content, v.ent->content->ptr, v.ent->content->len);
		free(v.path);
		return 0;
	}
	if (v.in_dir && !v.ent) {
		free(v.path);
		return -1;
	}
	char *host = root_join(l->root, v.path);
	int rc = buf_read_file(content, host);
	free(host);
	free(v.path);
	return rc;
}

static char *link_target_for(const struct listing *l, const char *inroot)
{
	if (!l->root || !*l->root)
		return xstrdup(inroot);
	return relative_link(l->etc_inroot, inroot);
}

static void build_bundle(const struct deb_state *st, struct buf *bundle)
{
	for (size_t i = 0; i < st->nbundle; i++) {
		const struct buf *b = &st->bundle[i]->bytes;
		buf_add(bundle, b->ptr, b->len);
		if (b->len && b->ptr[b->len - 1] != '\n')
			buf_putc(bundle, '\n');	/* sed -e '$a\' */
	}
}

/* The directory as --fresh leaves it: copy of actual, then the fresh steps. */
static void compute_desired(const struct deb_state *st, const struct listing *actual,
			    const struct buf *bundle, struct listing *want)
{
	memset(want, 0, sizeof(*want));
	want->root = actual->root;
	want->etc_inroot = xstrdup(actual->etc_inroot);
	for (size_t i = 0; i < actual->n; i++) {
		struct ent *e = listing_put(want, actual->e[i].name);
		e->type = actual->e[i].type;
		e->target = actual->e[i].target ? xstrdup(actual->e[i].target) : NULL;
	}
	/* --fresh: drop links into the source trees, then links that lead nowhere. */
	for (size_t i = 0; i < want->n; i++)
		if (points_into_sources(actual, &want->e[i]))
			want->e[i].removed = true;
	for (size_t i = 0; i < want->n; i++)
		if (!want->e[i].removed && want->e[i].type == ENT_LINK &&
		    !is_regular_file_virtual(want, want->e[i].name))
			want->e[i].removed = true;
	/* add(): one link per source, later ones win the name. */
	for (size_t i = 0; i < st->nbundle; i++) {
		const struct deb_src *s = st->bundle[i];
		struct ent *e = listing_find(want, s->pem_name);
		if (e && e->type == ENT_DIR)
			continue;
		e = listing_put(want, s->pem_name);
		e->type = ENT_LINK;
		e->target = link_target_for(want, s->inroot);
		e->content = &s->bytes;
	}
	struct ent *b = listing_put(want, DEB_BUNDLE);
	b->type = ENT_FILE;
	b->content = bundle;

	/* openssl rehash over the result. */
	struct rh_entry *rh = xcalloc(want->n ? want->n : 1, sizeof(*rh));
	size_t nrh = 0;
	for (size_t i = 0; i < want->n; i++) {
		if (want->e[i].removed)
			continue;
		rh[nrh].name = want->e[i].name;
		rh[nrh].is_link = want->e[i].type == ENT_LINK;
		rh[nrh].target = want->e[i].target;
		nrh++;
	}
	struct rh_link *links;
	size_t nlinks;
	struct read_ctx rc = { want };
	rehash_compute(rh, nrh, read_virtual, &rc, &links, &nlinks);
	free(rh);
	for (size_t i = 0; i < want->n; i++)
		if (want->e[i].type == ENT_LINK && rehash_is_hash_name(want->e[i].name))
			want->e[i].removed = true;
	for (size_t i = 0; i < nlinks; i++) {
		struct ent *e = listing_put(want, links[i].name);
		e->removed = false;
		e->type = ENT_LINK;
		e->target = xstrdup(links[i].target);
	}
	rehash_links_free(links, nlinks);
}

static bool same_link(const struct listing *a, const struct ent *x, const struct listing *b,
		      const struct ent *y)
{
	if (!x || !y || x->type != ENT_LINK || y->type != ENT_LINK)
		return false;
	if (!strcmp(x->target, y->target))
		return true;
	if (rehash_is_hash_name(x->name))
		return false;
	char *p = resolve_path(a, x->name), *q = resolve_path(b, y->name);
	bool same = p && q && !strcmp(p, q);
	free(p);
	free(q);
	return same;
}

struct etc_work {
	struct listing actual, want;
	struct buf bundle, old_bundle;
	bool bundle_exists;
};

static int work_load(const struct deb_state *st, struct etc_work *w)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->bundle);
	buf_init(&w->old_bundle);
	if (read_listing(st->root, &w->actual) < 0)
		return -1;
	if (!w->actual.etc_inroot)
		return -1;
	build_bundle(st, &w->bundle);
	char *bpath = xasprintf("%s/%s", w->actual.etc_inroot, DEB_BUNDLE);
	char *host = root_join(st->root, bpath);
	w->bundle_exists = buf_read_file(&w->old_bundle, host) == 0;
	free(host);
	free(bpath);
	compute_desired(st, &w->actual, &w->bundle, &w->want);
	return 0;
}

static void work_dispose(struct etc_work *w)
{
	listing_dispose(&w->actual);
	listing_dispose(&w->want);
	buf_dispose(&w->bundle);
	buf_dispose(&w->old_bundle);
}

/* With no sources at all update-ca-certificates writes no bundle; neither do we. */
static bool bundle_needs_write(const struct deb_state *st, const struct etc_work *w)
{
	if (!w->bundle_exists)
		return st->nbundle > 0;
	return !buf_equal(&w->old_bundle, w->bundle.ptr, w->bundle.len);
}

int deb_etc_check(const struct deb_state *st, struct deb_etc_diff *diff)
{
	struct etc_work w;
	memset(diff, 0, sizeof(*diff));
	if (work_load(st, &w) < 0) {
		work_dispose(&w);
		return -1;
	}
	diff->bundle_differs = bundle_needs_write(st, &w);
	for (size_t i = 0; i < w.want.n; i++) {
		const struct ent *y = &w.want.e[i];
		if (y->removed || y->type != ENT_LINK)
			continue;
		const struct ent *x = listing_find(&w.actual, y->name);
		if (same_link(&w.actual, x, &w.want, y))
			continue;
		if (rehash_is_hash_name(y->name))
			diff->hash_changes++;
		else if (x)
			diff->link_change++;
		else
			diff->link_add++;
	}
	for (size_t i = 0; i < w.actual.n; i++) {
		const struct ent *x = &w.actual.e[i];
		if (x->type != ENT_LINK)
			continue;
		const struct ent *y = listing_find(&w.want, x->name);
		if (y && y->type == ENT_LINK)
			continue;
		if (rehash_is_hash_name(x->name))
			diff->hash_changes++;
		else
			diff->link_remove++;
	}
	work_dispose(&w);
	return 0;
}

static void hook_line(struct buf *lines, const char *root, const char *etc, char sign,
		      const char *name)
{
	buf_printf(lines, "%c%s%s/%s\n", sign, root ? root : "", etc, name);
}

int deb_etc_apply(const struct deb_state *st, struct buf *hook_lines,
		  int (*before_change)(const struct buf *lines, void *arg), void *arg)
{
	struct etc_work w;
	int rc = -1;
	if (work_load(st, &w) < 0)
		goto out;
	char *etc_host = root_join(st->root, w.want.etc_inroot);
	if (mkdir_p(etc_host, 0755) < 0) {
		free(etc_host);
		goto out;
	}
	cleanup_stale_temps(etc_host);

	/* Hook lines first, as update-ca-certificates collects them: additions in
	 * bundle order, then removals. */
	for (size_t i = 0; i < st->nbundle; i++) {
		const char *name = st->bundle[i]->pem_name;
		bool later = false;	/* a later source of the same name owns the link */
		for (size_t j = i + 1; j < st->nbundle && !later; j++)
			later = !strcmp(st->bundle[j]->pem_name, name);
		const struct ent *y = listing_find(&w.want, name);
		const struct ent *x = listing_find(&w.actual, name);
		if (!later && y && y->type == ENT_LINK && !same_link(&w.actual, x, &w.want, y))
			hook_line(hook_lines, st->root, w.want.etc_inroot, '+', name);
	}
	for (size_t i = 0; i < w.actual.n; i++) {
		const struct ent *x = &w.actual.e[i];
		const struct ent *y = listing_find(&w.want, x->name);
		if (points_into_sources(&w.actual, x) && !rehash_is_hash_name(x->name) &&
		    (!y || y->type != ENT_LINK))
			hook_line(hook_lines, st->root, w.want.etc_inroot, '-', x->name);
	}

	if (before_change && before_change(hook_lines, arg) < 0)
		goto out_host;

	/* New and changed links: pem links, then hash links. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < w.want.n; i++) {
			const struct ent *y = &w.want.e[i];
			if (y->removed || y->type != ENT_LINK ||
			    rehash_is_hash_name(y->name) != (pass == 1))
				continue;
			const struct ent *x = listing_find(&w.actual, y->name);
			if (same_link(&w.actual, x, &w.want, y))
				continue;
			char *path = xasprintf("%s/%s", etc_host, y->name);
			int r = atomic_symlink(y->target, path);
			free(path);
			if (r < 0)
				goto out_host;
		}
	}
	/* Links that must go: stale hash links first, then the rest. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < w.actual.n; i++) {
			const struct ent *x = &w.actual.e[i];
			if (x->type != ENT_LINK || rehash_is_hash_name(x->name) != (pass == 0))
				continue;
			const struct ent *y = listing_find(&w.want, x->name);
			if (y && y->type == ENT_LINK)
				continue;
			char *path = xasprintf("%s/%s", etc_host, x->name);
			int r = durable_unlink(path);
			free(path);
			if (r < 0)
				goto out_host;
		}
	}
	if (bundle_needs_write(st, &w)) {
		char *path = xasprintf("%s/%s", etc_host, DEB_BUNDLE);
		int r = atomic_write(path, w.bundle.ptr, w.bundle.len, 0644);
		free(path);
		if (r < 0)
			goto out_host;
	}
	rc = 0;
out_host:
	free(etc_host);
out:
	work_dispose(&w);
	return rc;
}
