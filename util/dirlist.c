/* Sorted directory listings; see dirlist.h. */
#include "util/dirlist.h"
#include "util/err.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dirlist(const char *host, dirlist_keep keep, void *arg, char ***names, size_t *n)
{
	*names = NULL;
	*n = 0;
	int fd = jail_open(host, O_RDONLY | O_DIRECTORY, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		if (errno == ENOENT)
			return 1;
		err_set_errno(errno, "%s: cannot list the directory", path_shown(host));
		return -1;
	}
	size_t alloc = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (keep && !keep(host, de->d_name, arg))
			continue;
		ARRAY_GROW(*names, *n + 1, alloc);
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), name_cmp);
	return 0;
}

void dirlist_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

bool dirlist_regular(const char *host, const char *name, void *arg)
{
	(void)arg;
	char *p = xasprintf("%s/%s", host, name);
	struct stat st;
	bool reg = stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return reg;
}
