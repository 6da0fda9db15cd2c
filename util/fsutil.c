/* Durable, atomic file-system changes; see fsutil.h. */
#include "util/fsutil.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fserr.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	op->fd = -1;
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
		char *tmp = xasprintf(".%.*s" FS_TEMP_MARK "XXXXXX", 64, base);
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

/* Keep what op's temp file (or link) is: its descriptor, while few are held. */
static void txn_pin(struct fs_txn *t, struct fs_txn_op *op, int fd, const struct stat *st)
{
	op->dev = st->st_dev;
	op->ino = st->st_ino;
	op->ctim = st->st_ctim;
	if (t->npinned < FS_TXN_PINNED) {
		op->fd = fd;
		t->npinned++;
	} else {
		close(fd);
	}
}

static bool txn_same(const struct fs_txn_op *op, const struct stat *st)
{
	return st->st_dev == op->dev && st->st_ino == op->ino &&
	       st->st_ctim.tv_sec == op->ctim.tv_sec && st->st_ctim.tv_nsec == op->ctim.tv_nsec &&
	       (op->is_file ? S_ISREG(st->st_mode) : S_ISLNK(st->st_mode));
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
	if (fs_injected_failure() < 0)
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
	if (fs_injected_failure() < 0 || write_all(a.fd, data, len) < 0 ||
	    ((owner.uid != (uid_t)-1 || owner.gid != (gid_t)-1) &&
	     fchown(a.fd, owner.uid, owner.gid) < 0) ||
	    fchmod(a.fd, mode) < 0) {
		fs_err_write(errno, path, "cannot write its new content", true);
		close(a.fd);
		unlinkat(dirfd, tmp, 0);
		free(tmp);
		return -1;
	}
	struct stat st;
	if (fstat(a.fd, &st) < 0) {
		fs_err_write(errno, path, "cannot write its new content", true);
		close(a.fd);
		unlinkat(dirfd, tmp, 0);
		free(tmp);
		return -1;
	}
	struct fs_txn_op *op = txn_push(t);
	op->kind = TXN_RENAME;
	op->tmp = tmp;
	op->path = xstrdup(path);
	op->base = op->path + (base - path);
	op->dirfd = dirfd;
	op->is_file = true;
	txn_pin(t, op, a.fd, &st);
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
	/* held by an O_PATH descriptor: the link itself, checked to be ours */
	int fd = openat(dirfd, tmp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char got[PATH_MAX];
	ssize_t n = fd < 0 || fstat(fd, &st) < 0 ? -1 : readlinkat(fd, "", got, sizeof(got));
	if (n < 0 || !S_ISLNK(st.st_mode) || (size_t)n != strlen(target) ||
	    memcmp(got, target, (size_t)n)) {
		if (n >= 0)
			errno = EBUSY;
		fs_err_write(errno, path, "cannot create symlink beside it", true);
		if (fd >= 0)
			close(fd);
		unlinkat(dirfd, tmp, 0);
		free(tmp);
		return -1;
	}
	struct fs_txn_op *op = txn_push(t);
	txn_pin(t, op, fd, &st);
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

static void txn_swapped(const struct fs_txn_op *op)
{
	err_set("%s: its temporary file %s was removed or replaced by another process "
		"before it was renamed into place; nothing was changed; find what else "
		"writes in that directory and run again",
		path_shown(op->path), op->tmp);
}

/* Every temp name is still what this transaction made there (no rename yet). */
static int txn_verify_temps(const struct fs_txn *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct fs_txn_op *op = &t->ops[i];
		struct stat st;
		if (op->kind != TXN_RENAME || op->dirfd < 0 || !op->tmp)
			continue;
		if (fstatat(op->dirfd, op->tmp, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !txn_same(op, &st)) {
			txn_swapped(op);
			return -1;
		}
	}
	return 0;
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
		/* the descriptor made it with, or (not held) the name opened again
		 * without blocking on a FIFO put in its place */
		int fd = t->ops[i].fd >= 0 ? t->ops[i].fd
					   : openat(t->ops[i].dirfd, t->ops[i].tmp,
						    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			rc = -1;
			if (errno == ENOENT || errno == ELOOP || errno == ENXIO) {
				txn_swapped(&t->ops[i]);
				rc = -2;
			}
		} else if (!txn_same(&t->ops[i], &st)) {
			txn_swapped(&t->ops[i]);
			rc = -2;
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
		if (rc == -1)
			fs_err_write(errno, t->ops[i].path, "cannot make its new content durable",
				     true);
		if (fd >= 0 && fd != t->ops[i].fd)
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
	if (txn_flush_data(t) < 0 || txn_verify_temps(t) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		struct fs_txn_op *op = &t->ops[i];
		if (op->dirfd < 0)
			continue;
		if (op->kind == TXN_RENAME) {
			if (fs_injected_failure() < 0 ||
			    renameat(op->dirfd, op->tmp, op->dirfd, op->base) < 0) {
				fs_err_write(errno, op->path, "cannot rename into place", i == 0);
				rc = -1;
				break;
			}
			free(op->tmp);
			op->tmp = NULL;
		} else if ((fs_injected_failure() < 0 || unlinkat(op->dirfd, op->base, 0) < 0) &&
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
		if (t->ops[i].fd >= 0)
			close(t->ops[i].fd);
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
