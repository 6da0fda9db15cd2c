/*
 * discover: [electron]. Electron apps on Linux open the NSS database the way
 * Chromium does (its crypto/nss_util.cc: $HOME/.pki/nssdb), whatever their own
 * profile directory (~/.config/<App> holds no NSS database): the one
 * ~/.pki/nssdb serves Chromium and every Electron app of the user. A strictly
 * confined snap runs with HOME=~/snap/<app>/<revision>, so its app opens
 * ~/snap/<app>/current/.pki/nssdb: the snaps of a user are listed here.
 */
#include "stores/nss/nss_int.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t nss_snap_names(const char *root, const char *home, char ***out)
{
	char *snaps = xasprintf("%s/snap", home);
	char *host = root_resolve_host(root, snaps);
	DIR *dd = host ? opendir(host) : NULL;
	err_clear();
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; dd && (e = readdir(dd));) {
		/* snap names: lower-case letters, digits and '-'; Chromium's and
		 * Firefox's snaps are chrome's and firefox's */
		if (e->d_name[0] == '.' || e->d_name[0] == '-' ||
		    strspn(e->d_name, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
			strlen(e->d_name) ||
		    !strcmp(e->d_name, "chromium") || !strcmp(e->d_name, "firefox"))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	if (dd)
		closedir(dd);
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	free(host);
	free(snaps);
	*out = names;
	return n;
}
