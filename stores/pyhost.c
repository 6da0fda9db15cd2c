/* The host's Python 3 by its file names; see pyhost.h. */
#include "stores/pyhost.h"
#include "util/buf.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int pyhost_minor(const char *root, char **path)
{
	char *dir = root_join(root, "/usr/bin");
	DIR *d = opendir(dir);
	int best = -1;
	if (path)
		*path = NULL;
	for (struct dirent *e; d && (e = readdir(d));) {
		const char *p = e->d_name;
		if (strncmp(p, "python3.", 8) != 0 || !p[8] ||
		    strspn(p + 8, "0123456789") != strlen(p + 8))
			continue;
		int minor = atoi(p + 8);
		char *full = xasprintf("%s/%s", dir, p);
		struct stat st;
		bool exe = stat(full, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
		free(full);
		if (exe && minor > best) {
			best = minor;
			if (path) {
				free(*path);
				*path = xasprintf("/usr/bin/%s", p);
			}
		}
	}
	if (d)
		closedir(d);
	free(dir);
	return best;
}

char *pyhost_venv_version(const char *venv_host)
{
	char *cfg = xasprintf("%s/pyvenv.cfg", venv_host);
	struct buf b = BUF_INIT;
	char *ver = NULL;
	if (buf_read_file(&b, cfg) == 0) {
		for (const char *l = b.ptr; *l && !ver;
		     l = strchrnul(l, '\n') + (*strchrnul(l, '\n') != 0)) {
			size_t n = strcspn(l, "=\n");
			if (l[n] != '=')
				continue;
			size_t k = n;
			while (k && (l[k - 1] == ' ' || l[k - 1] == '\t'))
				k--;
			if (!((k == 7 && !strncmp(l, "version", 7)) ||
			      (k == 12 && !strncmp(l, "version_info", 12))))
				continue;
			const char *v = l + n + 1;
			while (*v == ' ')
				v++;
			size_t dots = 0, m = 0;
			while (v[m] && v[m] != '\n' && (v[m] == '.' ? ++dots < 2 : 1))
				m++;
			ver = xstrndup(v, m);
		}
	}
	buf_dispose(&b);
	free(cfg);
	return ver;
}

int pyhost_venv_minor(const char *root, const char *venv, char **version)
{
	char *host = root_join(root, venv);
	char *ver = pyhost_venv_version(host);
	int minor = -1;
	free(host);
	if (ver && !strncmp(ver, "3.", 2) && ver[2] >= '0' && ver[2] <= '9')
		minor = atoi(ver + 2);
	if (version)
		*version = ver;
	else
		free(ver);
	return minor;
}
