/* Confinement to --root and the rule for links; see rootjail.h. */
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_LINK_HOPS 40

static int root_fd = -1; /* -1: not opened yet */
static char *root_path;	 /* without trailing slash; "" for the real root */
static size_t root_len;
static int host_fd = -1;      /* "/", for absolute paths outside --root */
static int have_openat2 = -1; /* unknown, 0, 1 */
static _Thread_local char refusal[1024];
static _Thread_local uid_t also_trusted = (uid_t)-1;

uid_t jail_trust_owner(uid_t uid)
{
	uid_t prev = also_trusted;
	also_trusted = uid;
	return prev;
}

int jail_set_root(const char *root)
{
	jail_reset();
	if (!root || !strcmp(root, "/"))
		root = "";
	int fd = open(*root ? root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	root_fd = fd;
	root_path = xstrdup(root);
	root_len = strlen(root_path);
	while (root_len > 0 && root_path[root_len - 1] == '/')
		root_path[--root_len] = '\0';
	return 0;
}

void jail_forget(void)
{
	root_fd = -1; /* closed already, by whoever closed everything */
	host_fd = -1;
	free(root_path);
	root_path = NULL;
	root_len = 0;
}

void jail_reset(void)
{
	if (root_fd >= 0)
		close(root_fd);
	if (host_fd >= 0)
		close(host_fd);
	root_fd = host_fd = -1;
	free(root_path);
	root_path = NULL;
	root_len = 0;
}

/* Paths are confined from the first use on, also before (or without) a run
 * that names its root: the real root then. */
static bool jail_ready(void)
{
	if (root_fd < 0)
		jail_set_root("");
	return root_fd >= 0;
}

/* The real root, for paths outside --root (a configuration beside the tree):
 * not confined, but under the same rule for links. */
static int host_root(void)
{
	if (root_len == 0)
		return root_fd;
	if (host_fd < 0)
		host_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return host_fd;
}

const char *path_shown(const char *path)
{
	if (!path || path[0] != '/' || !root_len || strncmp(path, root_path, root_len))
		return path;
	if (path[root_len] == '\0')
		return "/";
	return path[root_len] == '/' ? path + root_len : path;
}

bool jail_covers(const char *host_path)
{
	return host_path[0] == '/' && jail_ready() && !strncmp(host_path, root_path, root_len) &&
	       (host_path[root_len] == '/' || host_path[root_len] == '\0');
}

bool jail_link_trusted(const struct stat *dir, const struct stat *link)
{
	uid_t me = geteuid();
	if (dir->st_uid != 0 && dir->st_uid != me && dir->st_uid != also_trusted)
		return false;
	if (!(dir->st_mode & (S_IWGRP | S_IWOTH)))
		return true;
	/* sticky (/tmp): others may add entries but not replace ours */
	return (dir->st_mode & S_ISVTX) && link &&
	       (link->st_uid == 0 || link->st_uid == me || link->st_uid == dir->st_uid);
}

const char *jail_refuse(const char *host_link, const char *target, const struct stat *dir)
{
	char who[64];
	uid_t me = geteuid();
	if (dir->st_uid != 0 && dir->st_uid != me && dir->st_uid != also_trusted)
		snprintf(who, sizeof(who), "uid %u", (unsigned)dir->st_uid);
	else if (dir->st_mode & S_IWOTH)
		snprintf(who, sizeof(who), "every user");
	else
		snprintf(who, sizeof(who), "group %u", (unsigned)dir->st_gid);
	snprintf(refusal, sizeof(refusal),
		 "%s is a symbolic link (to %s) in a directory that %s can write (owner uid "
		 "%u, mode %04o); trustform never follows a link there, for reads or writes: "
		 "replace the link with a regular file (or a real directory), or make its "
		 "directory owned by root and writable by root alone",
		 path_shown(host_link), target, who, (unsigned)dir->st_uid,
		 (unsigned)(dir->st_mode & 07777));
	return refusal;
}

const char *jail_refusal(void)
{
	return refusal[0] ? refusal : NULL;
}

static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/* The directories walked so far, for "..", and their in-root path, for
 * messages. */
struct walk {
	int stack[PATH_MAX / 2];
	size_t depth;
	char at[PATH_MAX]; /* in-root path of stack[depth - 1] ("" for the root) */
	size_t len;
};

static void walk_up(struct walk *w, bool to_root)
{
	while (w->depth > 1) {
		close(w->stack[--w->depth]);
		char *slash = strrchr(w->at, '/');
		w->len = slash ? (size_t)(slash - w->at) : 0;
		w->at[w->len] = '\0';
		if (!to_root)
			break;
	}
}

/* May the link comp in the directory we hold be followed? Sets the refusal
 * when not. */
static bool walk_may_follow(struct walk *w, const char *prefix, const char *comp,
			    const struct stat *link, const char *target)
{
	struct stat dst;
	if (fstat(w->stack[w->depth - 1], &dst) < 0)
		return false;
	if (jail_link_trusted(&dst, link))
		return true;
	char *host = xasprintf("%s%s/%s", prefix, w->at, comp);
	jail_refuse(host, target, &dst);
	free(host);
	return false;
}

/*
 * One component at a time, each opened with O_NOFOLLOW beneath the previous
 * one; a link is followed (by the chroot rules: absolute from the root again,
 * ".." never above it) only when walk_may_follow allows it. A link that
 * appears while we walk is seen as one (O_NOFOLLOW fails with ELOOP, or
 * O_DIRECTORY with ENOTDIR): never followed by the kernel.
 */
static int walk_open(int base, const char *prefix, const char *rel, int flags, mode_t mode)
{
	char *rest = xasprintf("%s", rel);
	int hops = 0;
	struct walk w = {.depth = 0, .len = 0};
	w.at[0] = '\0';
	w.stack[w.depth++] = dup(base);
	int result = -1, saved = 0;
	int dflags = flags & ~(O_CREAT | O_EXCL);
	char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) { /* the path names a directory we hold */
			result = openat(w.stack[w.depth - 1], ".", dflags, mode);
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
		if (!strcmp(comp, ".") || !strcmp(comp, "..")) {
			if (comp[1] == '.')
				walk_up(&w, false);
			if (last) {
				result = openat(w.stack[w.depth - 1], ".", dflags);
				saved = errno;
				break;
			}
			continue;
		}
		struct stat st;
		int dir = w.stack[w.depth - 1];
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
			if (!walk_may_follow(&w, prefix, comp, &st, target)) {
				saved = ELOOP;
				break;
			}
			char *next = xasprintf("%s%s", target, p);
			free(rest);
			rest = next;
			p = rest;
			if (target[0] == '/')
				walk_up(&w, true);
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
		if (w.depth >= sizeof(w.stack) / sizeof(*w.stack)) {
			close(fd);
			saved = ENAMETOOLONG;
			break;
		}
		w.stack[w.depth++] = fd;
		if (w.len + 1 + n < sizeof(w.at)) { /* for messages only */
			w.at[w.len++] = '/';
			memcpy(w.at + w.len, comp, n + 1);
			w.len += n;
		}
	}
	while (w.depth)
		close(w.stack[--w.depth]);
	free(rest);
	errno = saved;
	return result;
}

int jail_open(const char *host_path, int flags, mode_t mode)
{
	refusal[0] = '\0';
	bool covered = jail_covers(host_path); /* opens the root on first use */
	int base = root_fd;
	const char *prefix = root_path;
	size_t skip = root_len;
	if (!covered) {
		base = host_path[0] == '/' ? host_root() : -1;
		if (base < 0) /* relative: as the invoker named it */
			return open(host_path, flags | O_CLOEXEC, mode);
		prefix = "";
		skip = 0;
	}
	const char *rel = host_path + skip;
	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	if (have_openat2 != 0) {
		/* no link anywhere on the path: the common case, one call */
		struct open_how how = {
		    .flags = (unsigned long long)(flags | O_CLOEXEC),
		    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		long fd = sys_openat2(base, rel, &how);
		if (fd < 0 && errno == EAGAIN) /* a rename raced the lookup: once more */
			fd = sys_openat2(base, rel, &how);
		if (fd >= 0 || (errno != ENOSYS && errno != ELOOP)) {
			have_openat2 = 1;
			return (int)fd;
		}
		if (errno == ENOSYS)
			have_openat2 = 0;
	}
	return walk_open(base, prefix, rel, flags | O_CLOEXEC, mode);
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

DIR *jail_opendir(const char *host_path)
{
	int fd = jail_open(host_path, O_RDONLY | O_DIRECTORY, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return d;
}
