/*
 * The Debian system store's read-cache key: what deb_read depends on, by stat
 * identity, so that a plan with nothing to do reads no certificate, parses
 * nothing and hashes nothing (the floor of a tool with a stat-keyed cache:
 * lstat every source, read every link, stat the bundle).
 *
 *   - ca-certificates.conf by content (a few KB; its selected lines that name
 *     a file outside the *.crt scan are added by stat);
 *   - every *.crt of /usr/share/ca-certificates and
 *     /usr/local/share/ca-certificates, found as the read finds them (find
 *     -L), by its path, where it leads and its stat;
 *   - every entry of /etc/ssl/certs: a link by its text (and, when the text
 *     leads to no source of the scan, the stat of what it leads to), a file
 *     (the bundle) by stat;
 *   - the hooks' journal and, under --root, the hooks the read notes.
 *
 * A file changed within the timestamp granularity of the key is keyed by its
 * content too (store_state_key_stat, racy-git's rule).
 */
#include "stores/storeopt.h"
#include "stores/system/debian.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hex.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool deb_hooks_enabled(const struct store_inst *s)
{
	return conf_store_bool(s->conf, "run_hooks", !*s->ctx->root);
}

static void key_str(struct buf *key, const char *what, const char *s)
{
	buf_printf(key, "%s %zu:%s\n", what, strlen(s ? s : ""), s ? s : "");
}

/* The in-root paths of the sources found (the map borrows them from paths). */
struct srcset {
	struct strmap map;
	char **paths;
	size_t n, alloc;
};

static void srcset_add(struct srcset *set, char *inroot)
{
	ARRAY_GROW(set->paths, set->n + 1, set->alloc);
	set->paths[set->n++] = inroot;
	strmap_put(&set->map, inroot, 1);
}

static bool srcset_has(const struct srcset *set, const char *inroot)
{
	return strmap_get(&set->map, inroot) != STRMAP_NONE;
}

static void srcset_dispose(struct srcset *set)
{
	strmap_dispose(&set->map);
	for (size_t i = 0; i < set->n; i++)
		free(set->paths[i]);
	free(set->paths);
}

/* Both source trees, each file by its path below the tree and its stat. */
static int key_trees(struct store_inst *s, struct buf *key, struct srcset *sources)
{
	static const char *const dirs[] = {DEB_CERTSDIR, DEB_LOCALDIR};
	for (size_t d = 0; d < 2; d++) {
		struct deb_found *f;
		size_t n;
		deb_tree_find(s->ctx->root, dirs[d], &f, &n);
		key_str(key, "tree", dirs[d]);
		int rc = 0;
		for (size_t i = 0; i < n && rc == 0; i++) {
			key_str(key, "src", f[i].rel);
			rc = store_state_key_stat(s, key, f[i].host, &f[i].st);
			srcset_add(sources, xasprintf("%s/%s", dirs[d], f[i].rel));
		}
		deb_found_free(f, n);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static char *trim(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return xstrndup(p, n);
}

/* The conf by content; a selected file the scan did not find, by stat. */
static int key_conf(struct store_inst *s, struct buf *key, const struct srcset *sources)
{
	const char *root = s->ctx->root;
	char *host = root_resolve_host(root, DEB_CONF);
	struct buf conf = BUF_INIT;
	key_str(key, "conf", host);
	if (!host || buf_read_file(&conf, host) < 0) {
		free(host);
		buf_dispose(&conf);
		if (errno != ENOENT)
			return -1;
		buf_puts(key, "conf missing\n");
		return 0;
	}
	free(host);
	char hex[FP_HEX_LEN + 1];
	sha256_hex(hex, conf.ptr, conf.len);
	buf_printf(key, "conf %zu %s\n", conf.len, hex);
	int rc = 0;
	for (const char *p = conf.ptr, *end = p + conf.len; p && p < end && rc == 0;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && *p != '#' && *p != '!') {
			char *name = trim(p, n);
			char *inroot = xasprintf("%s/%s", DEB_CERTSDIR, name);
			char *norm = path_normalize(inroot);
			if (!srcset_has(sources, norm)) {
				char *h = root_resolve_host(root, inroot);
				key_str(key, "extra", name);
				rc = h ? store_state_key_stat(s, key, h, NULL) : 0;
				if (!h)
					buf_puts(key, "unresolved\n");
				free(h);
			}
			free(norm);
			free(inroot);
			free(name);
		}
		p = nl ? nl + 1 : end;
	}
	buf_dispose(&conf);
	return rc;
}

/* A link of /etc/ssl/certs: its text, and what it leads to unless that is a
 * source already in the key or an entry of the directory itself. */
static int key_link(struct store_inst *s, struct buf *key, int dfd, const char *name,
		    const struct srcset *sources)
{
	char target[4096];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	key_str(key, "link", name);
	key_str(key, "to", target);
	if (!strchr(target, '/'))
		return 0; /* a hash link to X.pem: an entry listed here */
	char *abs = target[0] == '/' ? xstrdup(target) : xasprintf(DEB_ETCCERTS "/%s", target);
	char *norm = path_normalize(abs);
	int rc = 0;
	if (!strcmp(norm, abs) && srcset_has(sources, norm)) {
		/* the text names a source the key has by stat */
	} else {
		char *h = root_resolve_host(s->ctx->root, norm);
		rc = h ? store_state_key_stat(s, key, h, NULL) : 0;
		if (!h)
			buf_puts(key, "unresolved\n");
		free(h);
	}
	free(norm);
	free(abs);
	return rc;
}

static int key_etc(struct store_inst *s, struct buf *key, const struct srcset *sources)
{
	char *host = root_resolve_host(s->ctx->root, DEB_ETCCERTS);
	key_str(key, "etc", host);
	DIR *d = host ? opendir(host) : NULL;
	if (!d) {
		int e = errno;
		free(host);
		if (e != ENOENT && e != ENOTDIR)
			return -1;
		buf_puts(key, "etc missing\n");
		return 0;
	}
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		unsigned char type = e->d_type;
		struct stat st;
		if (type == DT_UNKNOWN || type == DT_REG) {
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				rc = -1;
				break;
			}
			type = S_ISLNK(st.st_mode)   ? DT_LNK
			       : S_ISREG(st.st_mode) ? DT_REG
			       : S_ISDIR(st.st_mode) ? DT_DIR
						     : DT_UNKNOWN;
		}
		if (type == DT_LNK) {
			rc = key_link(s, key, dirfd(d), e->d_name, sources);
		} else if (type == DT_REG) {
			key_str(key, "file", e->d_name);
			char *p = xasprintf("%s/%s", host, e->d_name);
			rc = store_state_key_stat(s, key, p, &st);
			free(p);
		} else {
			key_str(key, type == DT_DIR ? "dir" : "other", e->d_name);
		}
	}
	closedir(d);
	free(host);
	return rc;
}

int deb_state_key(struct store_inst *s, struct buf *key)
{
	const char *root = s->ctx->root;
	struct srcset sources = {0};
	int rc = key_trees(s, key, &sources);
	if (rc == 0)
		rc = key_conf(s, key, &sources);
	if (rc == 0)
		rc = key_etc(s, key, &sources);
	srcset_dispose(&sources);
	if (rc < 0)
		return -1;
	bool hooks = deb_hooks_enabled(s);
	if (hooks) {
		char *journal = root_join(root, DEB_JOURNAL);
		buf_printf(key, "journal %d\n", path_exists(journal));
		free(journal);
	} else if (*root) {
		char **names;
		size_t n;
		deb_hooks_list(root, &names, &n);
		for (size_t i = 0; i < n; i++) {
			key_str(key, "hook", names[i]);
			free(names[i]);
		}
		free(names);
	}
	return 0;
}
