/*
 * The sources of Debian's system trust, read as update-ca-certificates reads
 * them: /etc/ca-certificates.conf selecting files under
 * /usr/share/ca-certificates (in the order of the file), then every *.crt
 * under /usr/local/share/ca-certificates (find -L, sorted bytewise). Files
 * trustform writes live in its own subdirectory there, named
 * <name>-<sha256[:12]>.crt, so new content never hides behind an old name.
 */
#include "stores/system/debian.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *deb_pem_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".crt") == 0)
		n -= 4;
	char *out = xmalloc(n + 5);
	for (size_t i = 0; i < n; i++) {
		char c = base[i];
		out[i] = (c == ' ' || c == ',') ? '_' : (c == '(' || c == ')') ? '=' : c;
	}
	memcpy(out + n, ".pem", 5);
	return out;
}

static void src_dispose(struct deb_src *s)
{
	free(s->inroot);
	free(s->rel);
	free(s->norm);
	free(s->pem_name);
	buf_dispose(&s->bytes);
	cert_list_dispose(&s->certs);
}

void deb_state_dispose(struct deb_state *st)
{
	for (size_t i = 0; i < st->nconf; i++) {
		free(st->conf[i].raw);
		free(st->conf[i].name);
		free(st->conf[i].norm);
	}
	free(st->conf);
	for (size_t i = 0; i < st->ndistro; i++)
		src_dispose(&st->distro[i]);
	free(st->distro);
	for (size_t i = 0; i < st->nlocal; i++)
		src_dispose(&st->local[i]);
	free(st->local);
	free(st->bundle);
	strmap_dispose(&st->distro_by_norm);
	strmap_dispose(&st->local_by_inroot);
	strmap_dispose(&st->conf_state);
	buf_dispose(&st->conf_raw);
	memset(st, 0, sizeof(*st));
}

/* --- ca-certificates.conf --------------------------------------------------- */

static char *trim(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

static void parse_conf(struct deb_state *st)
{
	const char *p = st->conf_raw.ptr, *end = p + st->conf_raw.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		ARRAY_GROW(st->conf, st->nconf + 1, st->conf_alloc);
		struct deb_conf_line *l = &st->conf[st->nconf++];
		l->raw = xstrndup(p, n);
		if (n == 0 || p[0] == '#') {
			l->kind = CONF_OTHER;
			l->name = xstrdup("");
		} else if (p[0] == '!') {
			l->kind = CONF_DESELECT;
			l->name = trim(p + 1, n - 1);
		} else {
			l->kind = CONF_SELECT;
			l->name = trim(p, n);
		}
		l->norm = path_normalize(l->name);
		p += n + (nl ? 1 : 0);
	}
}

/* --- walking a tree as find -L does ------------------------------------------ */

struct walk {
	const char *root;
	struct deb_found *files;
	size_t n, alloc;
	dev_t devs[64];
	ino_t inos[64];
	int depth;
	/* every directory walked, anywhere: a tree of links that fans out
	 * (d_i/{x,y} -> d_{i+1}) is walked once per directory, not once per path
	 * (find -L would list 2^depth paths; the same files, again) */
	struct dirid {
		dev_t dev;
		ino_t ino;
	} * seen;
	size_t nseen, seen_alloc;
};

/* inroot_dir is where find would be; host_dir is that directory resolved. */
static void walk_dir(struct walk *w, const char *inroot_dir, const char *host_dir,
		     const char *rel_prefix)
{
	DIR *d = jail_opendir(host_dir);
	struct stat dst;
	if (!d || fstat(dirfd(d), &dst) < 0 || w->depth >= 64)
		goto out;
	for (int i = 0; i < w->depth; i++)
		if (w->devs[i] == dst.st_dev && w->inos[i] == dst.st_ino)
			goto out; /* a directory loop: find -L reports it and goes on */
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i].dev == dst.st_dev && w->seen[i].ino == dst.st_ino)
			goto out; /* walked already, through another path */
	ARRAY_GROW(w->seen, w->nseen + 1, w->seen_alloc);
	w->seen[w->nseen++] = (struct dirid){dst.st_dev, dst.st_ino};
	w->devs[w->depth] = dst.st_dev;
	w->inos[w->depth] = dst.st_ino;
	w->depth++;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		char *host;
		if (S_ISLNK(st.st_mode)) {
			/* -L: follow it, the way the root itself would */
			char *child = xasprintf("%s/%s", inroot_dir, de->d_name);
			host = root_resolve_host(w->root, child);
			free(child);
			if (!host || stat(host, &st) < 0) {
				free(host);
				continue;
			}
		} else {
			host = xasprintf("%s/%s", host_dir, de->d_name);
		}
		char *rel =
		    *rel_prefix ? xasprintf("%s/%s", rel_prefix, de->d_name) : xstrdup(de->d_name);
		size_t n = strlen(de->d_name);
		if (S_ISDIR(st.st_mode)) {
			char *child = xasprintf("%s/%s", inroot_dir, de->d_name);
			walk_dir(w, child, host, rel);
			free(child);
		} else if (S_ISREG(st.st_mode) && n >= 4 && !strcmp(de->d_name + n - 4, ".crt")) {
			ARRAY_GROW(w->files, w->n + 1, w->alloc);
			w->files[w->n].rel = rel;
			w->files[w->n].host = host;
			w->files[w->n].st = st;
			w->n++;
			continue;
		}
		free(rel);
		free(host);
	}
	w->depth--;
out:
	if (d)
		closedir(d);
}

static int found_cmp(const void *a, const void *b)
{
	return strcmp(((const struct deb_found *)a)->rel, ((const struct deb_found *)b)->rel);
}

void deb_tree_find(const char *root, const char *dir, struct deb_found **files, size_t *n)
{
	struct walk w = {.root = root};
	char *host = root_resolve_host(root, dir);
	if (host)
		walk_dir(&w, dir, host, "");
	free(host);
	if (w.n > 1)
		qsort(w.files, w.n, sizeof(*w.files), found_cmp);
	free(w.seen);
	*files = w.files;
	*n = w.n;
}

void deb_found_free(struct deb_found *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(files[i].rel);
		free(files[i].host);
	}
	free(files);
}

static void src_init(struct deb_src *s, const char *dir, const char *rel, bool local)
{
	memset(s, 0, sizeof(*s));
	s->rel = xstrdup(rel);
	s->norm = path_normalize(rel);
	s->inroot = xasprintf("%s/%s", dir, rel);
	s->pem_name = deb_pem_name(s->inroot);
	s->local = local;
}

static int src_read(struct deb_src *s, const char *host)
{
	if (!host || buf_read_file(&s->bytes, host) < 0)
		return -1;
	s->parsed_ok =
	    cert_list_parse(&s->certs, s->bytes.ptr, s->bytes.len) == 0 && s->certs.n > 0;
	return 0;
}

static int load_src(struct deb_src *s, const char *root, const char *dir, const char *rel,
		    bool local)
{
	src_init(s, dir, rel, local);
	char *host = root_resolve_host(root, s->inroot);
	int rc = src_read(s, host);
	free(host);
	return rc;
}

static void load_tree(struct deb_state *st, const char *dir, bool local, struct deb_src **arr,
		      size_t *n, size_t *alloc)
{
	struct deb_found *files;
	size_t nfiles;
	deb_tree_find(st->root, dir, &files, &nfiles);
	for (size_t i = 0; i < nfiles; i++) {
		ARRAY_GROW(*arr, *n + 1, *alloc);
		src_init(&(*arr)[*n], dir, files[i].rel, local);
		if (src_read(&(*arr)[*n], files[i].host) == 0)
			(*n)++;
		else
			src_dispose(&(*arr)[*n]);
	}
	deb_found_free(files, nfiles);
}

const struct deb_src *deb_find_distro(const struct deb_state *st, const char *rel)
{
	char *norm = path_normalize(rel);
	size_t i = strmap_get(&st->distro_by_norm, norm);
	free(norm);
	return i == STRMAP_NONE ? NULL : &st->distro[i];
}

enum trust_state deb_conf_state(const struct deb_state *st, const struct deb_src *src)
{
	size_t v = strmap_get(&st->conf_state, src->norm);
	return v == STRMAP_NONE ? TS_INERT : (enum trust_state)v;
}

static void index_distro(struct deb_state *st)
{
	strmap_dispose(&st->distro_by_norm);
	for (size_t i = 0; i < st->ndistro; i++)
		strmap_put(&st->distro_by_norm, st->distro[i].norm, i);
}

/* A selected line wins over a `!` line for the same file, as in
 * update-ca-certificates (remove() runs first, then add()). */
static void index_conf(struct deb_state *st)
{
	for (size_t i = 0; i < st->nconf; i++) {
		const struct deb_conf_line *l = &st->conf[i];
		if (l->kind == CONF_SELECT)
			strmap_put(&st->conf_state, l->norm, TS_TRUSTED);
		else if (l->kind == CONF_DESELECT &&
			 strmap_get(&st->conf_state, l->norm) != TS_TRUSTED)
			strmap_put(&st->conf_state, l->norm, TS_DISTRUSTED);
	}
}

int deb_state_load(struct deb_state *st, const char *root)
{
	memset(st, 0, sizeof(*st));
	st->root = root;
	char *conf = root_resolve_host(root, DEB_CONF);
	if ((!conf || buf_read_file(&st->conf_raw, conf) < 0) && errno != ENOENT) {
		err_set_errno(errno, "%s: cannot read", conf ? conf : DEB_CONF);
		free(conf);
		return -1;
	}
	free(conf);
	parse_conf(st);
	index_conf(st);
	load_tree(st, DEB_CERTSDIR, false, &st->distro, &st->ndistro, &st->distro_alloc);
	load_tree(st, DEB_LOCALDIR, true, &st->local, &st->nlocal, &st->local_alloc);
	index_distro(st);
	for (size_t i = 0; i < st->nlocal; i++) /* local does not grow from here on */
		if (strmap_get(&st->local_by_inroot, st->local[i].inroot) == STRMAP_NONE)
			strmap_put(&st->local_by_inroot, st->local[i].inroot, i);

	/* Bundle order: selected conf lines that are files, then local files. A
	 * selected line naming a file outside the *.crt scan is still added. The
	 * order is kept as indexes while the distro array may still grow (the
	 * map's keys are the sources' own strings, which do not move). */
	size_t *order = xcalloc(st->nconf + 1, sizeof(*order)), norder = 0;
	for (size_t i = 0; i < st->nconf; i++) {
		if (st->conf[i].kind != CONF_SELECT)
			continue;
		size_t at = strmap_get(&st->distro_by_norm, st->conf[i].norm);
		if (at == STRMAP_NONE) {
			struct deb_src extra;
			if (load_src(&extra, root, DEB_CERTSDIR, st->conf[i].name, false) < 0) {
				src_dispose(&extra);
				continue; /* "W: ... not found, but listed" */
			}
			ARRAY_GROW(st->distro, st->ndistro + 1, st->distro_alloc);
			at = st->ndistro;
			st->distro[st->ndistro++] = extra;
			strmap_put(&st->distro_by_norm, st->distro[at].norm, at);
		}
		order[norder++] = at;
	}
	for (size_t i = 0; i < norder; i++) {
		ARRAY_GROW(st->bundle, st->nbundle + 1, st->bundle_alloc);
		st->bundle[st->nbundle++] = &st->distro[order[i]];
	}
	free(order);
	for (size_t i = 0; i < st->nlocal; i++) {
		ARRAY_GROW(st->bundle, st->nbundle + 1, st->bundle_alloc);
		st->bundle[st->nbundle++] = &st->local[i];
	}
	return 0;
}

/* --- the sources as an apply leaves them ---------------------------------- */

static void conf_replace(struct deb_state *st, const struct buf *bytes)
{
	strmap_dispose(&st->conf_state);
	for (size_t i = 0; i < st->nconf; i++) {
		free(st->conf[i].raw);
		free(st->conf[i].name);
		free(st->conf[i].norm);
	}
	st->nconf = 0;
	buf_truncate(&st->conf_raw, 0);
	buf_add(&st->conf_raw, bytes->ptr, bytes->len);
	parse_conf(st);
	index_conf(st);
}

/* A local source the apply writes (want), or removes (NULL): the old one of
 * that path goes, the new one joins at the end (sorted afterwards). */
static void local_replace(struct deb_state *st, const char *inroot, const struct buf *want)
{
	size_t i = strmap_get(&st->local_by_inroot, inroot);
	if (i != STRMAP_NONE) {
		strmap_del(&st->local_by_inroot, inroot);
		src_dispose(&st->local[i]);
		st->local[i].inroot = NULL; /* a hole, dropped below */
	}
	if (!want)
		return;
	ARRAY_GROW(st->local, st->nlocal + 1, st->local_alloc);
	struct deb_src *s = &st->local[st->nlocal++];
	src_init(s, DEB_LOCALDIR, inroot + strlen(DEB_LOCALDIR) + 1, true);
	buf_add(&s->bytes, want->ptr, want->len);
	s->parsed_ok =
	    cert_list_parse(&s->certs, s->bytes.ptr, s->bytes.len) == 0 && s->certs.n > 0;
	strmap_put(&st->local_by_inroot, s->inroot, st->nlocal - 1);
}

static int src_rel_cmp(const void *a, const void *b)
{
	return strcmp(((const struct deb_src *)a)->rel, ((const struct deb_src *)b)->rel);
}

void deb_state_update(struct deb_state *st, const struct store_files *fs)
{
	static const char local[] = DEB_LOCALDIR "/";
	for (size_t i = 0; i < fs->n; i++) {
		const struct store_file *f = &fs->f[i];
		if (!f->write && !f->remove)
			continue;
		if (!strcmp(f->shown, DEB_CONF))
			conf_replace(st, f->remove ? &(struct buf)BUF_INIT : &f->want);
		else if (!strncmp(f->shown, local, sizeof(local) - 1))
			local_replace(st, f->shown, f->write ? &f->want : NULL);
	}
	size_t k = 0;
	for (size_t i = 0; i < st->nlocal; i++)
		if (st->local[i].inroot)
			st->local[k++] = st->local[i];
	st->nlocal = k;
	if (k > 1)
		qsort(st->local, k, sizeof(*st->local), src_rel_cmp);
	strmap_dispose(&st->local_by_inroot);
	for (size_t i = 0; i < st->nlocal; i++)
		if (strmap_get(&st->local_by_inroot, st->local[i].inroot) == STRMAP_NONE)
			strmap_put(&st->local_by_inroot, st->local[i].inroot, i);
	/* Bundle order, as deb_state_load makes it: selected conf lines that
	 * name a source, then the local files. An apply only ever deselects, so
	 * every selected line's source is loaded already. */
	st->nbundle = 0;
	for (size_t i = 0; i < st->nconf; i++) {
		size_t at = st->conf[i].kind == CONF_SELECT
				? strmap_get(&st->distro_by_norm, st->conf[i].norm)
				: STRMAP_NONE;
		if (at == STRMAP_NONE)
			continue;
		ARRAY_GROW(st->bundle, st->nbundle + 1, st->bundle_alloc);
		st->bundle[st->nbundle++] = &st->distro[at];
	}
	for (size_t i = 0; i < st->nlocal; i++) {
		ARRAY_GROW(st->bundle, st->nbundle + 1, st->bundle_alloc);
		st->bundle[st->nbundle++] = &st->local[i];
	}
}
