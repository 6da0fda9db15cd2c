/* Confinement to --root; see rootjail.h. */
#include "util/rootjail.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_LINK_HOPS 40

static int root_fd = -1; /* -1: no jail (the real root, or not set) */
static char *root_path;	 /* without trailing slash */
static size_t root_len;
static int have_openat2 = -1; /* unknown, 0, 1 */

int jail_set_root(const char *root)
{
	jail_reset();
	if (!root || !*root || !strcmp(root, "/"))
		return 0;
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err_set_errno(errno, "--root %s: cannot open it as a directory", root);
		return -1;
	}
	root_fd = fd;
	root_path = xstrdup(root);
	root_len = strlen(root_path);
	while (root_len > 1 && root_path[root_len - 1] == '/')
		root_path[--root_len] = '\0';
	return 0;
}

void jail_forget(void)
{
	root_fd = -1; /* closed already, by whoever closed everything */
	free(root_path);
	root_path = NULL;
	root_len = 0;
}

void jail_reset(void)
{
	if (root_fd >= 0)
		close(root_fd);
	root_fd = -1;
	free(root_path);
	root_path = NULL;
	root_len = 0;
}

bool jail_covers(const char *host_path)
{
	return root_fd >= 0 && !strncmp(host_path, root_path, root_len) &&
	       (host_path[root_len] == '/' || host_path[root_len] == '\0');
}

static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/*
 * The fallback walk: each component opened with O_NOFOLLOW beneath the
 * previous one; a link is read and its target walked by the chroot rules
 * (absolute: from the root again; "..": never above the root). Links that
 * appear while we walk are seen as links (O_NOFOLLOW fails with ELOOP or
 * the O_PATH open shows S_ISLNK) and resolved, never followed by the kernel.
 */
static int walk_open(const char *rel, int flags, mode_t mode)
{
	char *rest = xasprintf("%s", rel);
	int hops = 0;
	/* the stack of directories walked so far, for ".." */
	int stack[PATH_MAX / 2];
	size_t depth = 0;
	stack[depth++] = dup(root_fd);
	int result = -1, saved = 0;
	char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) { /* the path names a directory we hold */
			result = openat(stack[depth - 1], ".", flags & ~(O_CREAT | O_EXCL), mode);
			saved = errno;
			break;
		}
		size_t n = strcspn(p, "/");
		bool last = p[n] == '\0' || p[n + strspn(p + n, "/")] == '\0';
		char comp[NAME_MAX + 1];
		if (n > NAME_MAX) {
			saved = ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		if (!strcmp(comp, ".")) {
			if (last) {
				result = openat(stack[depth - 1], ".", flags & ~(O_CREAT | O_EXCL));
				saved = errno;
				break;
			}
			continue;
		}
		if (!strcmp(comp, "..")) {
			if (depth > 1)
				close(stack[--depth]);
			if (last) {
				result = openat(stack[depth - 1], ".", flags & ~(O_CREAT | O_EXCL));
				saved = errno;
				break;
			}
			continue;
		}
		struct stat st;
		int dir = stack[depth - 1];
		bool is_link =
		    fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
		if (is_link && !(last && (flags & O_NOFOLLOW))) {
			char target[PATH_MAX];
			ssize_t len = readlinkat(dir, comp, target, sizeof(target) - 1);
			if (len < 0 || ++hops > MAX_LINK_HOPS) {
				saved = len < 0 ? errno : ELOOP;
				break;
			}
			target[len] = '\0';
			char *next = xasprintf("%s%s", target, p);
			free(rest);
			rest = next;
			p = rest;
			if (target[0] == '/')
				while (depth > 1)
					close(stack[--depth]);
			continue;
		}
		if (last) {
			result = openat(dir, comp, flags | O_NOFOLLOW, mode);
			saved = errno;
			break;
		}
		int fd = openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			saved = errno;
			break;
		}
		if (depth >= sizeof(stack) / sizeof(*stack)) {
			close(fd);
			saved = ENAMETOOLONG;
			break;
		}
		stack[depth++] = fd;
	}
	while (depth)
		close(stack[--depth]);
	free(rest);
	errno = saved;
	return result;
}

int jail_open(const char *host_path, int flags, mode_t mode)
{
	if (!jail_covers(host_path))
		return open(host_path, flags | O_CLOEXEC, mode);

	const char *rel = host_path + root_len;
	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	if (have_openat2 != 0) {
		struct open_how how = {
		    .flags = (unsigned long long)(flags | O_CLOEXEC),
		    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		long fd = sys_openat2(root_fd, rel, &how);
		if (fd >= 0 || errno != ENOSYS) {
			have_openat2 = 1;
			if (fd < 0 && errno == EAGAIN) /* a rename raced the lookup: once more */
				fd = sys_openat2(root_fd, rel, &how);
			return (int)fd;
		}
		have_openat2 = 0;
	}
	return walk_open(rel, flags | O_CLOEXEC, mode);
}

int jail_open_parent(const char *host_path, const char **base)
{
	const char *slash = strrchr(host_path, '/');
	if (!slash || !slash[1]) {
		errno = EINVAL;
		return -1;
	}
	*base = slash + 1;
	char *dir =
	    slash == host_path ? xstrdup("/") : xstrndup(host_path, (size_t)(slash - host_path));
	int fd = jail_open(dir, O_RDONLY | O_DIRECTORY, 0); /* fsync needs more than O_PATH */
	int saved = errno;
	free(dir);
	errno = saved;
	return fd;
}
