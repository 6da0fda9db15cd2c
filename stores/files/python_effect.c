/*
 * The key of the truststore check's result (stores/effectcache.h): what
 * decides what the venv's python prints when it runs the check.
 *   - who runs it (the venv owner), the check's own text, the root;
 *   - the interpreter: the venv's bin/python resolved as the run sees it, by
 *     identity (device, inode, size, mtime, ctime), libpython and OpenSSL's
 *     libraries beside it, its stdlib's site.py, ssl.py, sitecustomize.py and
 *     extension modules;
 *   - what site processing runs: pyvenv.cfg, every .pth, sitecustomize.py and
 *     usercustomize.py of the venv's site-packages and of the system's
 *     (--system-site-packages), the files of truststore and certifi there;
 *   - what truststore loads: the system CA files it looks for and OpenSSL's
 *     configuration, by content.
 */
#include "stores/effectcache.h"
#include "stores/files/python.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Where truststore (and OpenSSL's defaults) look for the system's CA file. */
static const char *const ca_files[] = {
    "/etc/ssl/cert.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/usr/lib/ssl/cert.pem",
    "/usr/local/ssl/cert.pem",
    "/etc/ssl/openssl.cnf",
    "/usr/lib/ssl/openssl.cnf",
    NULL,
};

/* A file named in-root, resolved as the chrooted interpreter resolves it. */
static void in_root(struct effect_key *k, const char *root, const char *path, bool content)
{
	char *host = root_resolve_host(root, path);
	if (!host) {
		k->usable = false;
		return;
	}
	if (content)
		effect_key_hash(k, host);
	else
		effect_key_stat(k, host);
	free(host);
}

static void globbed(struct effect_key *k, const char *root, const char *pattern)
{
	char *host = root_join(root, pattern);
	glob_t g;
	if (glob(host, 0, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			effect_key_stat(k, g.gl_pathv[i]);
	globfree(&g);
	free(host);
}

/* What site processing runs from a site directory, and the two packages. */
static void site_dir(struct effect_key *k, const char *host_dir)
{
	DIR *d = opendir(host_dir);
	if (!d) {
		effect_key_dir(k, host_dir); /* says whether it is missing */
		return;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		bool pth = len > 4 && !strcmp(e->d_name + len - 4, ".pth");
		if (pth || !strcmp(e->d_name, "sitecustomize.py") ||
		    !strcmp(e->d_name, "usercustomize.py") || !strcmp(e->d_name, "truststore") ||
		    !strcmp(e->d_name, "certifi")) {
			ARRAY_GROW(names, n + 1, alloc);
			names[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	/* readdir's order is the directory's: sort for a stable key */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	effect_key_text(k, "site", host_dir);
	for (size_t i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", host_dir, names[i]);
		if (!strcmp(names[i], "truststore") || !strcmp(names[i], "certifi"))
			effect_key_dir(k, p);
		else
			effect_key_hash(k, p);
		free(p);
		free(names[i]);
	}
	free(names);
}

void py_effect_key(struct effect_key *k, const char *root, const struct py_store *p,
		   const char *script, long uid)
{
	effect_key_init(k, "python-truststore", p->venv);
	char who[32];
	snprintf(who, sizeof(who), "%ld", uid);
	effect_key_text(k, "root", root);
	effect_key_text(k, "uid", who);
	effect_key_text(k, "script", script);
	/* the interpreter, as bin/python leads to it */
	char *py = xasprintf("%s/bin/python", p->venv);
	struct buf exe = BUF_INIT;
	if (root_resolve(root, py, &exe) < 0) {
		k->usable = false;
		exe.len = 0;
	}
	effect_key_text(k, "interpreter", exe.len ? exe.ptr : "?");
	in_root(k, root, py, false);
	const char *base = exe.len ? strrchr(exe.ptr, '/') : NULL;
	char *ver = base && !strncmp(base + 1, "python3.", 8) ? xstrdup(base + 1) : NULL;
	if (!ver) /* a python whose version its name does not say */
		k->usable = false;
	static const char *const libs[] = {
	    "/usr/lib/*/libpython3*.so*",     "/usr/lib/libpython3*.so*",
	    "/usr/local/lib/libpython3*.so*", "/usr/lib/*/libssl.so*",
	    "/usr/lib/*/libcrypto.so*",	      NULL};
	for (size_t i = 0; libs[i]; i++)
		globbed(k, root, libs[i]);
	if (ver) {
		static const char *const std[] = {"site.py", "ssl.py", "sitecustomize.py", NULL};
		for (size_t i = 0; std[i]; i++) {
			char *f = xasprintf("/usr/lib/%s/%s", ver, std[i]);
			in_root(k, root, f, !strcmp(std[i], "sitecustomize.py"));
			free(f);
		}
		char *dyn = xasprintf("/usr/lib/%s/lib-dynload", ver);
		char *dyn_host = root_resolve_host(root, dyn);
		if (dyn_host)
			effect_key_dir(k, dyn_host);
		free(dyn_host);
		free(dyn);
		char *local = xasprintf("/usr/local/lib/%s/dist-packages", ver);
		char *local_host = root_resolve_host(root, local);
		if (local_host)
			site_dir(k, local_host);
		free(local_host);
		free(local);
	}
	char *dist = root_resolve_host(root, "/usr/lib/python3/dist-packages");
	if (dist)
		site_dir(k, dist);
	free(dist);
	/* the venv: its configuration and site-packages (where the .pth is) */
	char *cfg = xasprintf("%s/pyvenv.cfg", p->venv_host);
	effect_key_hash(k, cfg);
	free(cfg);
	char *site = xstrdup(p->file_host);
	char *slash = strrchr(site, '/');
	if (slash)
		*slash = 0;
	site_dir(k, site);
	free(site);
	for (size_t i = 0; ca_files[i]; i++)
		in_root(k, root, ca_files[i], true);
	free(ver);
	free(py);
	buf_dispose(&exe);
}
