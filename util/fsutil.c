/* Durable, atomic file-system changes; see fsutil.h. */
#include "util/fsutil.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fserr.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_MARK ".tf-tmp-"

static long writes_done;

void fault_point(void)
{
	static long crash_after = -1;
	if (crash_after == -1) {
		const char *s = getenv("TRUSTFORM_TEST_CRASH_AFTER_WRITES");
		crash_after = (s && *s) ? strtol(s, NULL, 10) : 0;
	}
	writes_done++;
	if (crash_after > 0 && writes_done == crash_after) {
		fflush(NULL);
		kill(getpid(), SIGKILL);
	}
}

/* TRUSTFORM_TEST_FAIL_WRITE=N:ERRNO (ENOSPC, EROFS, EIO, EDQUOT or a number):
 * the N-th write point (a file's data, a symlink, a rename or an unlink)
 * fails with that errno, as a full or read-only file system would make it. */
static int injected_failure(void)
{
	static long fail_at = -1, points;
	static int fail_errno;
	if (fail_at == -1) {
		const char *s = getenv("TRUSTFORM_TEST_FAIL_WRITE");
		char *end;
		fail_at = 0;
		if (s && *s) {
			long n = strtol(s, &end, 10);
			const char *e = *end == ':' ? end + 1 : "EIO";
			static const struct {
				const char *name;
				int err;
			} names[] = {
			    {"ENOSPC", ENOSPC},
			    {"EROFS", EROFS},
			    {"EIO", EIO},
			    {"EDQUOT", EDQUOT},
			};
			fail_errno = atoi(e);
			for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
				if (!strcmp(e, names[i].name))
					fail_errno = names[i].err;
			fail_at = fail_errno > 0 ? n : 0;
		}
	}
	if (fail_at <= 0 || ++points != fail_at)
		return 0;
	errno = fail_errno;
	return -1;
}

bool is_temp_name(const char *name)
{
	return strstr(name, TEMP_MARK) != NULL;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The single-file helpers are one-operation transactions. */
int atomic_write_owned(const char *path, const void *data, size_t len, mode_t mode,
		       struct file_owner owner)
{
	struct fs_txn t;
	fs_txn_init(&t);
	int rc = fs_txn_write(&t, path, data, len, mode, owner) < 0 ? -1 : fs_txn_commit(&t);
	fs_txn_dispose(&t);
	return rc;
}

int atomic_write(const char *path, const void *data, size_t len, mode_t mode)
{
	return atomic_write_owned(path, data, len, mode, FILE_OWNER_DEFAULT);
}

int durable_unlink(const char *path)
{
	struct fs_txn t;
	fs_txn_init(&t);
	fs_txn_unlink(&t, path);
	int rc = fs_txn_commit(&t);
	fs_txn_dispose(&t);
	return rc;
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

/* --- transactions --------------------------------------------------------- */

void fs_txn_init(struct fs_txn *t)
{
	memset(t, 0, sizeof(*t));
}

static struct fs_txn_op *txn_push(struct fs_txn *t)
{
	ARRAY_GROW(t->ops, t->n + 1, t->alloc);
	struct fs_txn_op *op = &t->ops[t->n++];
	memset(op, 0, sizeof(*op));
	op->dirfd = -1;
	return op;
}

/* The directory of path, opened (confined) once per transaction. */
static int txn_dir(struct fs_txn *t, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1]) {
		err_set("%s: not a file path", path_shown(path));
		return -1;
	}
	*base = slash + 1;
	size_t dl = slash == path ? 1 : (size_t)(slash - path);
	for (size_t i = 0; i < t->ndirs; i++)
		if (strlen(t->dirs[i].path) == dl && !strncmp(t->dirs[i].path, path, dl))
			return t->dirs[i].fd;
	const char *b2;
	int fd = jail_open_parent(path, &b2);
	if (fd < 0) {
		char *dir = xstrndup(path, dl);
		err_set_errno(errno, "%s: cannot open the directory%s", path_shown(dir),
			      errno == ELOOP || errno == EXDEV
				  ? " (a link there leads out of the root)"
				  : "");
		free(dir);
		return -1;
	}
	ARRAY_GROW(t->dirs, t->ndirs + 1, t->dirs_alloc);
	t->dirs[t->ndirs++] = (struct fs_txn_dir){xstrndup(path, dl), fd, false};
	return fd;
}

static void txn_touch(struct fs_txn *t, int fd)
{
	for (size_t i = 0; i < t->ndirs; i++)
		if (t->dirs[i].fd == fd)
			t->dirs[i].touched = true;
}

/* ".<base>.tf-tmp-XXXXXX", made with how() in dirfd: hidden, and without the
 * .crt/.pem suffix that update-ca-certificates, openssl rehash or a reader of
 * the directory would pick up. */
static char *temp_make(int dirfd, const char *base, int (*how)(int, const char *, void *),
		       void *arg)
{
	for (int attempt = 0;; attempt++) {
		char *tmp = xasprintf(".%.*s" TEMP_MARK "XXXXXX", 64, base);
		char *x = tmp + strlen(tmp) - 6;
		unsigned long r = (unsigned long)random() ^ ((unsigned long)getpid() << 8) ^
				  ((unsigned long)attempt << 20);
		for (int i = 0; i < 6; i++, r /= 36)
			x[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[r % 36];
		if (how(dirfd, tmp, arg) == 0)
			return tmp;
		int e = errno;
		free(tmp);
		if (e != EEXIST || attempt > 100) {
			errno = e;
			return NULL;
		}
	}
}

struct file_arg {
	int fd;
};

static int make_file(int dirfd, const char *name, void *arg)
{
	struct file_arg *a = arg;
	a->fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	return a->fd < 0 ? -1 : 0;
}

static int make_link(int dirfd, const char *name, void *arg)
{
	if (injected_failure() < 0)
		return -1;
	return symlinkat((const char *)arg, dirfd, name);
}

int fs_txn_write(struct fs_txn *t, const char *path, const void *data, size_t len, mode_t mode,
		 struct file_owner owner)
{
	const char *base;
	int dirfd = txn_dir(t, path, &base);
	if (dirfd < 0)
		return -1;
	struct file_arg a = {-1};
	char *tmp = temp_make(dirfd, base, make_file, &a);
	if (!tmp) {
		fs_err_write(errno, path, "cannot create a temporary file beside it", true);
		return -1;
	}
	if (injected_failure() < 0 || write_all(a.fd, data, len) < 0 ||
	    ((owner.uid != (uid_t)-1 || owner.gid != (gid_t)-1) &&
	     fchown(a.fd, owner.uid, owner.gid) < 0) ||
	    fchmod(a.fd, mode) < 0) {
		fs_err_write(errno, path, "cannot write its new content", true);
		close(a.fd);
		unlinkat(dirfd, tmp, 0);
		free(tmp);
		return -1;
	}
	close(a.fd);
	struct fs_txn_op *op = txn_push(t);
	op->kind = TXN_RENAME;
	op->tmp = tmp;
	op->path = xstrdup(path);
	op->base = op->path + (base - path);
	op->dirfd = dirfd;
	op->is_file = true;
	return 0;
}

int fs_txn_symlink(struct fs_txn *t, const char *target, const char *path)
{
	const char *base;
	int dirfd = txn_dir(t, path, &base);
	if (dirfd < 0)
		return -1;
	char *tmp = temp_make(dirfd, base, make_link, (void *)target);
	if (!tmp) {
		fs_err_write(errno, path, "cannot create symlink beside it", true);
		return -1;
	}
	struct fs_txn_op *op = txn_push(t);
	op->kind = TXN_RENAME;
	op->tmp = tmp;
	op->path = xstrdup(path);
	op->base = op->path + (base - path);
	op->dirfd = dirfd;
	return 0;
}

void fs_txn_unlink(struct fs_txn *t, const char *path)
{
	struct fs_txn_op *op = txn_push(t);
	op->kind = TXN_UNLINK;
	op->path = xstrdup(path);
	const char *base;
	op->dirfd = txn_dir(t, op->path, &base);
	op->base = op->dirfd >= 0 ? base : NULL;
	/* no directory: nothing to remove; anything else is the commit's error */
	if (op->dirfd < 0 && errno != ENOENT && errno != ENOTDIR)
		op->dir_error = xstrdup(err_msg());
}

/* Make the prepared files' data durable before any of them is renamed into
 * place: one filesystem flush for many files, fsync for a few. */
static int txn_flush_data(struct fs_txn *t)
{
	size_t files = 0;
	for (size_t i = 0; i < t->n; i++)
		files += t->ops[i].is_file;
	/* Many files: one syncfs per filesystem they are on (a batch can span
	 * /usr and /etc, which may be different ones); a few: fsync each. */
	bool many = files > 16;
	dev_t *synced = NULL;
	size_t nsynced = 0, synced_alloc = 0;
	int rc = 0;
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		if (!t->ops[i].is_file)
			continue;
		int fd = openat(t->ops[i].dirfd, t->ops[i].tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			rc = -1;
		} else if (!many) {
			rc = fsync(fd);
		} else {
			bool done = false;
			for (size_t j = 0; j < nsynced && !done; j++)
				done = synced[j] == st.st_dev;
			if (!done) {
				rc = syncfs(fd);
				ARRAY_GROW(synced, nsynced + 1, synced_alloc);
				synced[nsynced++] = st.st_dev;
			}
		}
		if (rc < 0)
			fs_err_write(errno, t->ops[i].path, "cannot make its new content durable",
				     true);
		if (fd >= 0)
			close(fd);
	}
	free(synced);
	return rc;
}

char *fs_txn_tmp_path(const struct fs_txn *t, size_t i)
{
	const struct fs_txn_op *op = i < t->n ? &t->ops[i] : NULL;
	if (!op || !op->tmp || !op->base)
		return NULL;
	return xasprintf("%.*s%s", (int)(op->base - op->path), op->path, op->tmp);
}

void fs_txn_first(struct fs_txn *t, size_t i)
{
	if (i >= t->n || i == 0)
		return;
	struct fs_txn_op op = t->ops[i];
	memmove(&t->ops[1], &t->ops[0], i * sizeof(*t->ops));
	t->ops[0] = op;
}

int fs_txn_commit(struct fs_txn *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ops[i].dir_error) {
			err_set("%s: cannot remove it: %s", path_shown(t->ops[i].path),
				t->ops[i].dir_error);
			return -1;
		}
	if (txn_flush_data(t) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		struct fs_txn_op *op = &t->ops[i];
		if (op->dirfd < 0)
			continue;
		if (op->kind == TXN_RENAME) {
			if (injected_failure() < 0 ||
			    renameat(op->dirfd, op->tmp, op->dirfd, op->base) < 0) {
				fs_err_write(errno, op->path, "cannot rename into place", i == 0);
				rc = -1;
				break;
			}
			free(op->tmp);
			op->tmp = NULL;
		} else if ((injected_failure() < 0 || unlinkat(op->dirfd, op->base, 0) < 0) &&
			   errno != ENOENT) {
			fs_err_write(errno, op->path, "cannot remove", i == 0);
			rc = -1;
			break;
		}
		txn_touch(t, op->dirfd);
		fault_point();
	}
	for (size_t i = 0; i < t->ndirs; i++) {
		if (!t->dirs[i].touched)
			continue;
		if (fsync(t->dirs[i].fd) < 0 && rc == 0) {
			err_set_errno(errno, "%s: cannot sync directory",
				      path_shown(t->dirs[i].path));
			rc = -1;
		}
	}
	return rc;
}

void fs_txn_dispose(struct fs_txn *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->ops[i].tmp) {
			if (t->ops[i].dirfd >= 0)
				unlinkat(t->ops[i].dirfd, t->ops[i].tmp, 0);
			free(t->ops[i].tmp);
		}
		free(t->ops[i].path);
		free(t->ops[i].dir_error);
	}
	free(t->ops);
	for (size_t i = 0; i < t->ndirs; i++) {
		close(t->dirs[i].fd);
		free(t->dirs[i].path);
	}
	free(t->dirs);
	fs_txn_init(t);
}
