/* The host's Python 3 by its file names; see pyhost.h. */
#include "stores/pyhost.h"
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
