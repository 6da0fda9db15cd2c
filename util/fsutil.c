/* Durable, atomic file-system changes; see fsutil.h. */
#include "util/fsutil.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootfs.h"
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
			static const struct { const char *name; int err; } names[] = {
				{ "ENOSPC", ENOSPC }, { "EROFS", EROFS }, { "EIO", EIO },
				{ "EDQUOT", EDQUOT },
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

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

bool is_temp_name(const char *name)
{
	return strstr(name, TEMP_MARK) != NULL;
}

/* Make "<dir>/.<base>.tf-tmp-XXXXXX": hidden, and without the .crt/.pem suffix
 * that update-ca-certificates, openssl rehash or a reader of the directory
 * would pick up. */
static char *temp_template(const char *path)
{
	char *dir = dir_of(path);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char *t = xasprintf("%s/.%.*s" TEMP_MARK "XXXXXX", dir, 64, base);
	free(dir);
	return t;
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
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			err_set_errno(errno, "%s: cannot create directory", p);
			rc = -1;
			break;
		}
		*s = saved;
		if (saved == '\0')
			break;
	}
	if (rc == 0 && !is_dir(path)) {
		err_set("%s: exists and is not a directory", path);
		rc = -1;
	}
	free(p);
	return rc;
}

void cleanup_stale_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && is_temp_name(de->d_name)) {
			char *p = xasprintf("%s/%s", dir, de->d_name);
			unlink(p);
			free(p);
		}
	}
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
	return op;
}

int fs_txn_write(struct fs_txn *t, const char *path, const void *data, size_t len, mode_t mode,
		 struct file_owner owner)
{
	char *tmp = temp_template(path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		err_set_errno(errno, "%s: cannot create a temporary file beside it", path);
		free(tmp);
		return -1;
	}
	if (injected_failure() < 0 || write_all(fd, data, len) < 0 ||
	    ((owner.uid != (uid_t)-1 || owner.gid != (gid_t)-1) &&
	     fchown(fd, owner.uid, owner.gid) < 0) ||
	    fchmod(fd, mode) < 0) {
		err_set_errno(errno, "%s: cannot write (its temporary file %s)", path, tmp);
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	close(fd);
	struct fs_txn_op *op = txn_push(t);
	op->kind = TXN_RENAME;
	op->tmp = tmp;
	op->path = xstrdup(path);
	op->is_file = true;
	return 0;
}

int fs_txn_symlink(struct fs_txn *t, const char *target, const char *path)
{
	char *tmp = NULL;
	for (int attempt = 0;; attempt++) {
		free(tmp);
		tmp = temp_template(path);
		char *x = tmp + strlen(tmp) - 6;
		unsigned long r = (unsigned long)random() ^ ((unsigned long)getpid() << 8);
		for (int i = 0; i < 6; i++, r /= 36)
			x[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[r % 36];
		if (injected_failure() == 0 && symlink(target, tmp) == 0)
			break;
		if (errno != EEXIST || attempt > 100) {
			err_set_errno(errno, "%s: cannot create symlink (as %s)", path, tmp);
			free(tmp);
			return -1;
		}
	}
	struct fs_txn_op *op = txn_push(t);
	op->kind = TXN_RENAME;
	op->tmp = tmp;
	op->path = xstrdup(path);
	return 0;
}

void fs_txn_unlink(struct fs_txn *t, const char *path)
{
	struct fs_txn_op *op = txn_push(t);
	op->kind = TXN_UNLINK;
	op->path = xstrdup(path);
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
		int fd = open(t->ops[i].tmp, O_RDONLY | O_CLOEXEC);
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
			err_set_errno(errno, "%s: cannot sync", t->ops[i].tmp);
		if (fd >= 0)
			close(fd);
	}
	free(synced);
	return rc;
}

int fs_txn_commit(struct fs_txn *t)
{
	if (txn_flush_data(t) < 0)
		return -1;
	char **dirs = NULL;
	size_t ndirs = 0, dirs_alloc = 0;
	int rc = 0;
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		struct fs_txn_op *op = &t->ops[i];
		if (op->kind == TXN_RENAME) {
			if (injected_failure() < 0 || rename(op->tmp, op->path) < 0) {
				err_set_errno(errno, "%s: cannot rename into place", op->path);
				rc = -1;
				break;
			}
			free(op->tmp);
			op->tmp = NULL;
		} else if ((injected_failure() < 0 || unlink(op->path) < 0) && errno != ENOENT) {
			err_set_errno(errno, "%s: cannot remove", op->path);
			rc = -1;
			break;
		}
		char *dir = dir_of(op->path);
		bool known = false;
		for (size_t j = 0; j < ndirs && !known; j++)
			known = !strcmp(dirs[j], dir);
		if (known) {
			free(dir);
		} else {
			ARRAY_GROW(dirs, ndirs + 1, dirs_alloc);
			dirs[ndirs++] = dir;
		}
		fault_point();
	}
	for (size_t i = 0; i < ndirs; i++) {
		int fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if ((fd < 0 || fsync(fd) < 0) && rc == 0) {
			err_set_errno(errno, "%s: cannot sync directory", dirs[i]);
			rc = -1;
		}
		if (fd >= 0)
			close(fd);
		free(dirs[i]);
	}
	free(dirs);
	return rc;
}

void fs_txn_dispose(struct fs_txn *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->ops[i].tmp) {
			unlink(t->ops[i].tmp);
			free(t->ops[i].tmp);
		}
		free(t->ops[i].path);
	}
	free(t->ops);
	fs_txn_init(t);
}

char *own_dir_in_root(const char *root, const char *dir)
{
	struct buf real = BUF_INIT;
	char *norm = path_normalize(dir);
	char *host = NULL;
	if (root_resolve(root, norm, &real) < 0)
		goto out;
	if (strcmp(real.ptr, norm) != 0) {
		err_set("%s%s is a symlink, or lies under one (it leads to %s); trustform "
			"writes only into a real directory there: replace the link with a "
			"directory", root ? root : "", norm, real.ptr);
		goto out;
	}
	host = root_join(root, norm);
	if (mkdir_p(host, 0755) < 0) {
		free(host);
		host = NULL;
		goto out;
	}
	cleanup_stale_temps(host);
out:
	free(norm);
	buf_dispose(&real);
	return host;
}
