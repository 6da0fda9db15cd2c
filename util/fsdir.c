/* Directories for fsutil.h: made step by step inside --root, and cleared of
 * the temp files killed runs left. */
#include "util/err.h"
#include "util/fserr.h"
#include "util/fsutil.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool is_temp_name(const char *name)
{
	return strstr(name, FS_TEMP_MARK) != NULL;
}

int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		const char *base;
		int dfd = jail_open_parent(p, &base);
		if (dfd < 0 || (mkdirat(dfd, base, mode) < 0 && errno != EEXIST)) {
			err_set_errno(errno, "%s: cannot create directory", path_shown(p));
			if (dfd >= 0)
				close(dfd);
			rc = -1;
			break;
		}
		close(dfd);
		*s = saved;
		if (saved == '\0')
			break;
	}
	if (rc == 0) {
		int fd = jail_open(path, O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0) {
			err_set_errno(errno, "%s: is not a directory trustform can write into",
				      path_shown(path));
			rc = -1;
		} else {
			close(fd);
		}
	}
	free(p);
	return rc;
}

int mkdir_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	char *dir = xstrndup(path, (size_t)(slash - path));
	int rc = mkdir_p(dir, 0755);
	if (rc == 0)
		cleanup_stale_temps(dir);
	free(dir);
	return rc;
}

void cleanup_stale_temps(const char *dir)
{
	int fd = jail_open(dir, O_RDONLY | O_DIRECTORY, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && is_temp_name(de->d_name))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

bool path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
