/*
 * Reading the login environment's files for the shell-env store: see
 * shell_env_scan.h.
 */
#include "stores/files/shell_env_scan.h"

#include "stores/files/envwrite.h"
#include "util/buf.h"
#include "util/dirlist.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void scan_add(struct scan *sc, const char *name, size_t nlen, const char *value,
		     const char *file, size_t line, enum src_kind kind, bool after)
{
	if (sc->n == sc->alloc) {
		sc->alloc = sc->alloc ? 2 * sc->alloc : 16;
		sc->a = xrealloc(sc->a, sc->alloc * sizeof(*sc->a));
	}
	struct assign *a = &sc->a[sc->n++];
	a->name = xstrndup(name, nlen);
	a->value = value ? xstrdup(value) : NULL;
	a->src = xasprintf("%s:%zu", file, line);
	a->kind = kind;
	a->after = after;
}

void scan_dispose(struct scan *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		free(sc->a[i].name);
		free(sc->a[i].value);
		free(sc->a[i].src);
	}
	free(sc->a);
	free(sc->bad);
	memset(sc, 0, sizeof(*sc));
}

static size_t name_len(const char *s)
{
	size_t n = 0;
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return n;
}

/* The value as the shell or pam_env would see a simple word: outer quotes off. */
static char *unquote(const char *v)
{
	size_t len = strcspn(v, "\n");
	while (len && isspace((unsigned char)v[len - 1]))
		len--;
	if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
		return xstrndup(v + 1, len - 2);
	size_t word = strcspn(v, " \t;#");
	return xstrndup(v, word < len ? word : len);
}

/* One file's assignments: shell syntax (export/unset) or KEY=value lines. */
void scan_file(struct scan *sc, const char *host, const char *shown, enum src_kind kind, bool after)
{
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, host) < 0) {
		buf_dispose(&b);
		return;
	}
	buf_putc(&b, '\0');
	size_t line = 0;
	for (char *p = b.ptr; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		line++;
		while (isspace((unsigned char)*p))
			p++;
		if (kind == SRC_PROFILE && !strncmp(p, "unset ", 6)) {
			for (char *w = p + 6; *w;) {
				while (*w == ' ' || *w == '\t')
					w++;
				size_t n = name_len(w);
				if (!n)
					break;
				scan_add(sc, w, n, NULL, shown, line, kind, after);
				w += n;
			}
		} else {
			if (kind != SRC_ENVD && !strncmp(p, "export ", 7))
				p += 7;
			while (*p == ' ' || *p == '\t')
				p++;
			size_t n = name_len(p);
			if (n && p[n] == '=') {
				char *v = unquote(p + n + 1);
				scan_add(sc, p, n, v, shown, line, kind, after);
				free(v);
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	buf_dispose(&b);
}

struct scan_filter {
	const char *suffix, *ours;
	enum src_kind kind;
	struct scan *sc;
	const char *dir;
};

static bool scan_keep(const char *host, const char *name, void *arg)
{
	(void)host;
	const struct scan_filter *f = arg;
	size_t l = strlen(name), sl = strlen(f->suffix);
	if (name[0] == '.' || l <= sl || strcmp(name + l - sl, f->suffix) || !strcmp(name, f->ours))
		return false;
	if (f->kind != SRC_PROFILE && !envw_text_ok(name)) {
		/* systemd reads it; its name would reach trustform's files */
		if (!f->sc->bad) {
			f->sc->bad = xasprintf("%s/%s", f->dir, name);
			for (char *c = f->sc->bad; *c; c++)
				if ((unsigned char)*c < 0x20 || *c == 0x7f)
					*c = '?';
		}
		return false;
	}
	/* Debian's /etc/profile sources only what run-parts --list --regex
	 * '^[a-zA-Z0-9_][a-zA-Z0-9._-]*\.sh$' lists */
	return f->kind != SRC_PROFILE ||
	       (name[0] != '-' &&
		strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			     "0123456789._-") == l);
}

/* One file of a merged directory listing: the first directory of the list
 * that has the name wins, as systemd's generators mask lower directories. */
struct dfile {
	char *name;
	const char *dir;
};

static int dfile_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dfile *)a)->name, ((const struct dfile *)b)->name);
}

/* The files of dirs (most important first) merged by name, read in name
 * order; each file resolved inside root, so a link such as Debian's
 * /usr/lib/environment.d/99-environment.conf -> /etc/environment is read as
 * the system reads it, never out of the root. */
static void scan_dirs(struct scan *sc, const char *root, const char *const *dirs,
		      const char *suffix, const char *ours, enum src_kind kind)
{
	struct scan_filter f = {suffix, ours, kind, sc, NULL};
	struct dfile *all = NULL;
	size_t n = 0, alloc = 0;
	for (size_t d = 0; dirs[d]; d++) {
		char *host = root_resolve_host(root, dirs[d]);
		f.dir = dirs[d];
		char **names = NULL;
		size_t nn = 0;
		if (!host || dirlist(host, scan_keep, &f, &names, &nn) < 0)
			err_clear(); /* nothing seen there: nothing set there */
		for (size_t i = 0; i < nn; i++) {
			bool masked = false;
			for (size_t j = 0; j < n && !masked; j++)
				masked = !strcmp(all[j].name, names[i]);
			if (masked) {
				free(names[i]);
				continue;
			}
			ARRAY_GROW(all, n + 1, alloc);
			all[n++] = (struct dfile){names[i], dirs[d]};
		}
		free(names);
		free(host);
	}
	if (n > 1)
		qsort(all, n, sizeof(*all), dfile_cmp);
	for (size_t i = 0; i < n; i++) {
		char *shown = xasprintf("%s/%s", all[i].dir, all[i].name);
		char *h = root_resolve_host(root, shown);
		if (h)
			scan_file(sc, h, shown, kind, strcmp(all[i].name, ours) > 0);
		else
			err_clear();
		free(h);
		free(shown);
		free(all[i].name);
	}
	free(all);
}

void scan_all(struct scan *sc, const char *root)
{
	memset(sc, 0, sizeof(*sc));
	char *h = root_resolve_host(root, ETC_ENV);
	if (h)
		scan_file(sc, h, ETC_ENV, SRC_ETC_ENV, false);
	else
		err_clear();
	free(h);
	/* systemd-environment-d-generator's system directories, most important
	 * first; the user's own ~/.config/environment.d is not the system's */
	static const char *const envd_dirs[] = {ENVD_DIR, "/run/environment.d",
						"/usr/local/lib/environment.d",
						"/usr/lib/environment.d", NULL};
	static const char *const profile_dirs[] = {PROFILE_DIR, NULL};
	scan_dirs(sc, root, envd_dirs, ".conf", ENVD_OURS, SRC_ENVD);
	scan_dirs(sc, root, profile_dirs, ".sh", PROFILE_OURS, SRC_PROFILE);
}
