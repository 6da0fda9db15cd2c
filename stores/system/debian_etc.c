/*
 * /etc/ssl/certs as `update-ca-certificates --fresh` leaves it for the current
 * sources: one "<name>.pem" link per source file, the OpenSSL subject-hash
 * links of `openssl rehash`, and ca-certificates.crt, the concatenation of the
 * sources (each ending in a newline). Computed in memory from the sources as
 * the apply leaves them, compared with what is there, and handed to the
 * engine as the store's derived entries (written in the apply's one
 * transaction, link by link and file by file, each compared-and-swapped).
 *
 * Links are written as the tree's own tool writes them, also under --root:
 * "<name>.pem" leads to the source's absolute path as seen inside the tree
 * (the text update-ca-certificates compares with readlink), hash links to
 * "<name>.pem". A name link is the same only when its text is the same: any
 * other text, even one leading to the same file, makes the tree's tool
 * rewrite it and tell its hooks.
 *
 * One deliberate difference, in the README: rehash sees the new
 * ca-certificates.crt, not the old one (this only matters when a bundle holds
 * exactly one certificate, where Debian's own --fresh runs are not idempotent).
 */
#include "stores/system/certsdir.h"
#include "stores/system/debian.h"
#include "stores/system/rehash.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool points_into_sources(const struct listing *l, const struct ent *e)
{
	if (e->type != ENT_LINK)
		return false;
	if (!strncmp(e->target, DEB_CERTSDIR, strlen(DEB_CERTSDIR)) ||
	    !strncmp(e->target, DEB_LOCALDIR, strlen(DEB_LOCALDIR)))
		return true; /* update-ca-certificates' own string test */
	char *p = resolve_path(l, e->name);
	bool in = p && (path_is_under(p, DEB_CERTSDIR) || path_is_under(p, DEB_LOCALDIR));
	free(p);
	return in;
}

struct info_ctx {
	const struct listing *l;
};

/* What rehash makes of an entry: known for the new bundle and for trustform's
 * links to sources (from their parsed certificates), read from disk otherwise. */
static void entry_info(void *arg, const char *name, struct rh_info *out)
{
	const struct listing *l = ((struct info_ctx *)arg)->l;
	const struct ent *e = listing_find(l, name);
	memset(out, 0, sizeof(*out));
	out->kind = RH_SKIP;
	if (e && e->info) {
		*out = *e->info;
		return;
	}
	struct vres v;
	if (!vresolve(l, name, &v))
		return;
	struct buf content = BUF_INIT;
	if (v.ent && v.ent->info) {
		*out = *v.ent->info;
	} else if (!(v.in_dir && !v.ent)) {
		char *host = root_join(l->root, v.path);
		if (buf_read_file(&content, host) == 0)
			rehash_info_from_bytes(content.ptr, content.len, out);
		free(host);
	}
	buf_dispose(&content);
	free(v.path);
}

/* A source as rehash sees it: a plain one-certificate PEM file is known from
 * its parse; anything else is judged from its bytes as rehash would. */
static void src_info(const struct deb_src *s, struct rh_info *out)
{
	if (s->parsed_ok && s->certs.pem && s->certs.n == 1 && !s->certs.other_blocks) {
		const struct cert *c = s->certs.items[0];
		memset(out, 0, sizeof(*out));
		out->kind = RH_CERT;
		out->hash = c->subject_hash;
		memcpy(out->sha1, c->sha1, sizeof(out->sha1));
		return;
	}
	rehash_info_from_bytes(s->bytes.ptr, s->bytes.len, out);
}

static void build_bundle(const struct deb_state *st, struct buf *bundle)
{
	for (size_t i = 0; i < st->nbundle; i++) {
		const struct buf *b = &st->bundle[i]->bytes;
		buf_add(bundle, b->ptr, b->len);
		if (b->len && b->ptr[b->len - 1] != '\n')
			buf_putc(bundle, '\n'); /* sed -e '$a\' */
	}
}

/* What rehash makes of the new bundle, without building a big one: any two
 * certificate blocks make it skip the file. */
static void bundle_info(const struct deb_state *st, struct rh_info *out)
{
	static const char mark[] = "-----BEGIN CERTIFICATE-----";
	size_t blocks = 0;
	for (size_t i = 0; i < st->nbundle && blocks < 2; i++) {
		const struct buf *b = &st->bundle[i]->bytes;
		for (const char *p = b->ptr;
		     blocks < 2 &&
		     (p = memmem(p, b->len - (size_t)(p - b->ptr), mark, sizeof(mark) - 1));
		     p += sizeof(mark) - 1)
			blocks++;
	}
	if (blocks >= 2) {
		memset(out, 0, sizeof(*out));
		out->kind = RH_SKIP;
		return;
	}
	struct buf small = BUF_INIT;
	build_bundle(st, &small);
	rehash_info_from_bytes(small.ptr, small.len, out);
	buf_dispose(&small);
}

/* Whether the file at host holds exactly the bundle of the sources: read in
 * chunks and compared piece by piece, never held whole. *known: the file was
 * missing, or *sb is the stat of the descriptor read (the identity the engine
 * compares-and-swaps the bundle against, reconcile/apply_files.c). */
static bool bundle_matches(const struct deb_state *st, const char *host, bool *exists,
			   struct stat *sb, bool *known)
{
	int fd = buf_open_regular(host, 0, sb);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	*exists = f != NULL || (fd < 0 && errno != ENOENT);
	*known = f != NULL || (fd < 0 && errno == ENOENT);
	if (!f) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	char chunk[65536];
	bool same = true;
	for (size_t i = 0; i < st->nbundle && same; i++) {
		const struct buf *b = &st->bundle[i]->bytes;
		size_t off = 0;
		while (same && off < b->len) {
			size_t want = b->len - off < sizeof(chunk) ? b->len - off : sizeof(chunk);
			same =
			    fread(chunk, 1, want, f) == want && !memcmp(chunk, b->ptr + off, want);
			off += want;
		}
		if (same && b->len && b->ptr[b->len - 1] != '\n')
			same = fgetc(f) == '\n';
	}
	if (same)
		same = fgetc(f) == EOF;
	fclose(f);
	return same;
}

/* The directory as --fresh leaves it: copy of actual, then the fresh steps. */
static void compute_desired(const struct deb_state *st, const struct listing *actual,
			    const struct rh_info *bundle, const struct rh_info *srcs,
			    struct listing *want, struct dircache *dirs)
{
	memset(want, 0, sizeof(*want));
	want->root = actual->root;
	want->dir_inroot = xstrdup(actual->dir_inroot);
	want->dirs = dirs;
	for (size_t i = 0; i < actual->n; i++) {
		const struct ent *a = &actual->e[i];
		struct ent *e = listing_put(want, a->name);
		e->type = a->type;
		e->target = a->target ? xstrdup(a->target) : NULL;
		if (a->target && strchr(a->target, '/')) {
			ent_resolve_ext(actual, (struct ent *)a); /* resolve once, share */
			e->ext_done = true;
			e->ext_ok = a->ext_ok;
			e->ext_isreg = a->ext_isreg;
			e->ext_path = a->ext_path ? xstrdup(a->ext_path) : NULL;
		}
	}
	/* --fresh: drop links into the source trees, then links that lead nowhere. */
	for (size_t i = 0; i < want->n; i++)
		if (points_into_sources(actual, &want->e[i]))
			listing_remove(want, &want->e[i]);
	for (size_t i = 0; i < want->n; i++)
		if (!want->e[i].removed && want->e[i].type == ENT_LINK &&
		    !is_regular_file_virtual(want, want->e[i].name))
			listing_remove(want, &want->e[i]);
	/* add(): one link per source, later ones win the name. */
	for (size_t i = 0; i < st->nbundle; i++) {
		const struct deb_src *s = st->bundle[i];
		struct ent *e = listing_find(want, s->pem_name);
		if (e && e->type == ENT_DIR)
			continue;
		e = listing_put(want, s->pem_name);
		e->type = ENT_LINK;
		e->target = xstrdup(s->inroot); /* add(): ln -sf "$CERT" */
		e->info = &srcs[i];
	}
	struct ent *b = listing_put(want, DEB_BUNDLE);
	b->type = ENT_FILE;
	b->info = bundle;

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
	struct info_ctx ic = {want};
	rehash_compute(rh, nrh, entry_info, &ic, &links, &nlinks);
	free(rh);
	for (size_t i = 0; i < want->n; i++)
		if (!want->e[i].removed && want->e[i].type == ENT_LINK &&
		    rehash_is_hash_name(want->e[i].name))
			listing_remove(want, &want->e[i]);
	for (size_t i = 0; i < nlinks; i++) {
		const struct ent *d = listing_find(want, links[i].name);
		if (d && d->type == ENT_DIR)
			continue; /* as for <name>.pem: a directory there is not ours */
		struct ent *e = listing_put(want, links[i].name);
		e->type = ENT_LINK;
		e->target = xstrdup(links[i].target);
	}
	rehash_links_free(links, nlinks);
}

/* update-ca-certificates: [ "$(readlink "$PEM")" != "$CERT" ] rewrites it. */
static bool same_link(const struct ent *x, const struct ent *y)
{
	return x && y && x->type == ENT_LINK && y->type == ENT_LINK &&
	       !strcmp(x->target, y->target);
}

struct etc_work {
	struct dircache dirs;
	struct listing actual, want;
	struct rh_info bundle_info;
	struct rh_info *src_info; /* per source, in bundle order */
	bool bundle_exists, bundle_same;
	bool bundle_known; /* bundle_st: the stat of the bundle read, or it is missing */
	struct stat bundle_st;
};

static int work_load(const struct deb_state *st, struct etc_work *w)
{
	memset(w, 0, sizeof(*w));
	if (read_listing(st->root, DEB_ETCCERTS, &w->actual) < 0)
		return -1;
	w->actual.dirs = &w->dirs;
	char *bpath = xasprintf("%s/%s", w->actual.dir_inroot, DEB_BUNDLE);
	char *host = root_join(st->root, bpath);
	w->bundle_same =
	    bundle_matches(st, host, &w->bundle_exists, &w->bundle_st, &w->bundle_known);
	free(host);
	free(bpath);
	bundle_info(st, &w->bundle_info);
	w->src_info = xcalloc(st->nbundle ? st->nbundle : 1, sizeof(*w->src_info));
	for (size_t i = 0; i < st->nbundle; i++)
		src_info(st->bundle[i], &w->src_info[i]);
	compute_desired(st, &w->actual, &w->bundle_info, w->src_info, &w->want, &w->dirs);
	return 0;
}

static void work_dispose(struct etc_work *w)
{
	listing_dispose(&w->actual);
	listing_dispose(&w->want);
	dircache_dispose(&w->dirs);
	free(w->src_info);
}

/* With no sources at all update-ca-certificates writes no bundle; neither do we. */
static bool bundle_needs_write(const struct deb_state *st, const struct etc_work *w)
{
	if (!w->bundle_exists)
		return st->nbundle > 0;
	return !w->bundle_same;
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
		if (same_link(x, y))
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

/* Add one /etc/ssl/certs link to fs: made to lead to target, or removed. */
static void derive_link(struct store_files *fs, const char *etc_host, const char *dir_inroot,
			const char *name, const char *target)
{
	char *host = xasprintf("%s/%s", etc_host, name);
	char *shown = xasprintf("%s/%s", dir_inroot, name);
	struct store_file *f = store_files_add_link(fs, host, shown);
	if (target)
		store_file_set_link(f, target);
	else
		store_file_remove(f);
	free(host);
	free(shown);
}

int deb_etc_derive(const struct deb_state *st, struct store_files *fs, struct buf *hook_lines)
{
	struct etc_work w;
	int rc = -1;
	char *etc_pre = root_resolve_host(st->root, DEB_ETCCERTS);
	if (etc_pre)
		cleanup_stale_temps(etc_pre);
	free(etc_pre);
	if (work_load(st, &w) < 0)
		goto out;
	char *etc_host = root_join(st->root, w.want.dir_inroot);

	/* Hook lines first, as update-ca-certificates collects them: additions in
	 * bundle order, then removals. */
	struct strmap last; /* pem name -> the last source of that name, which owns the link */
	strmap_init(&last);
	for (size_t i = 0; i < st->nbundle; i++)
		strmap_put(&last, st->bundle[i]->pem_name, i);
	for (size_t i = 0; i < st->nbundle; i++) {
		const char *name = st->bundle[i]->pem_name;
		bool later = strmap_get(&last, name) != i;
		const struct ent *y = listing_find(&w.want, name);
		const struct ent *x = listing_find(&w.actual, name);
		if (!later && y && y->type == ENT_LINK && !same_link(x, y))
			hook_line(hook_lines, st->root, w.want.dir_inroot, '+', name);
	}
	strmap_dispose(&last);
	for (size_t i = 0; i < w.actual.n; i++) {
		const struct ent *x = &w.actual.e[i];
		const struct ent *y = listing_find(&w.want, x->name);
		if (points_into_sources(&w.actual, x) && !rehash_is_hash_name(x->name) &&
		    (!y || y->type != ENT_LINK))
			hook_line(hook_lines, st->root, w.want.dir_inroot, '-', x->name);
	}

	/* In the order they are written: new and changed links (pem links, then
	 * hash links), then the links that must go (stale hash links first),
	 * then the bundle. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < w.want.n; i++) {
			const struct ent *y = &w.want.e[i];
			if (y->removed || y->type != ENT_LINK ||
			    rehash_is_hash_name(y->name) != (pass == 1))
				continue;
			if (!same_link(listing_find(&w.actual, y->name), y))
				derive_link(fs, etc_host, w.want.dir_inroot, y->name, y->target);
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < w.actual.n; i++) {
			const struct ent *x = &w.actual.e[i];
			if (x->type != ENT_LINK || rehash_is_hash_name(x->name) != (pass == 0))
				continue;
			const struct ent *y = listing_find(&w.want, x->name);
			if (!y || y->type != ENT_LINK)
				derive_link(fs, etc_host, w.want.dir_inroot, x->name, NULL);
		}
	}
	if (bundle_needs_write(st, &w)) {
		struct buf bundle = BUF_INIT;
		build_bundle(st, &bundle);
		char *path = xasprintf("%s/%s", etc_host, DEB_BUNDLE);
		char *shown = xasprintf("%s/%s", w.want.dir_inroot, DEB_BUNDLE);
		struct store_file *f = store_files_add(fs, path, shown);
		f->derived = true;
		if (w.bundle_known) { /* the identity of what was read, not a later stat */
			f->loaded = true;
			f->exists = w.bundle_exists;
			f->st = w.bundle_st;
		}
		store_file_set(f, bundle.ptr, bundle.len);
		free(path);
		free(shown);
		buf_dispose(&bundle);
	}
	free(etc_host);
	rc = 0;
out:
	work_dispose(&w);
	return rc;
}
