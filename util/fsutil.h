/*
 * Durable file-system changes. Every change trustform makes to a store goes
 * through here: a new file is built completely in a temp file in the target
 * directory, fsynced, renamed over the old one and the directory fsynced
 * (p11-kit's p11_save_write_and_finish). A run killed at any point leaves each
 * file old or new, never partial.
 *
 * For crash tests, TRUSTFORM_TEST_CRASH_AFTER_WRITES=N kills the process with
 * SIGKILL right after its N-th durable change; TRUSTFORM_TEST_FAIL_WRITE=N:ENOSPC
 * (or EROFS, EIO, EDQUOT) makes the N-th write point fail with that errno. They
 * exist only to prove the above.
 */
#ifndef TF_FSUTIL_H
#define TF_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Ownership to give a newly written file; uid/gid of -1 keep the default. */
struct file_owner {
	uid_t uid;
	gid_t gid;
};
#define FILE_OWNER_DEFAULT ((struct file_owner){(uid_t)-1, (gid_t)-1})

int atomic_write(const char *path, const void *data, size_t len, mode_t mode);
int atomic_write_owned(const char *path, const void *data, size_t len, mode_t mode,
		       struct file_owner owner);
/* Remove a file or symlink and fsync its directory; a missing file is success. */
int durable_unlink(const char *path);
/* mkdir -p; every created directory gets mode. */
int mkdir_p(const char *path, mode_t mode);

/*
 * A batch of changes made durable together: every new file and link is first
 * built under a temp name beside its target; commit then makes the data
 * durable once (one flush instead of one per file), renames everything into
 * place in order, and syncs each directory once. A kill before commit leaves
 * only temp files (cleaned by the next run); a kill during commit leaves each
 * file old or new.
 */
struct fs_txn_op {
	enum { TXN_RENAME, TXN_UNLINK } kind;
	char *tmp;	  /* TXN_RENAME: the prepared temp name, in the same directory */
	char *path;	  /* the target, for messages */
	const char *base; /* its last component (points into path) */
	int dirfd;	  /* its directory, opened once, confined to --root (rootjail.h) */
	char *dir_error;  /* TXN_UNLINK: why its directory could not be opened */
	bool is_file;	  /* a regular file whose data needs flushing */
	/* TXN_RENAME: the temp file or link made, as fstat saw it (commit
	 * refuses one another process swapped), and held open (O_PATH for a
	 * link) so that its inode number cannot be reused: the first
	 * FS_TXN_PINNED ones; a transaction of more (a distribution's CA
	 * directory, root's own) only compares dev, inode and ctime. */
	int fd;
	dev_t dev;
	ino_t ino;
	struct timespec ctim;
};
#define FS_TXN_PINNED 256

/* The directories a transaction works in, each opened once: every create,
 * rename, link and unlink is made relative to them, never by path again. */
struct fs_txn_dir {
	char *path;
	int fd;
	bool touched;
};

struct fs_txn {
	struct fs_txn_op *ops;
	size_t n, alloc;
	struct fs_txn_dir *dirs;
	size_t ndirs, dirs_alloc;
	size_t npinned;
};

void fs_txn_init(struct fs_txn *t);
int fs_txn_write(struct fs_txn *t, const char *path, const void *data, size_t len, mode_t mode,
		 struct file_owner owner);
int fs_txn_symlink(struct fs_txn *t, const char *target, const char *path);
void fs_txn_unlink(struct fs_txn *t, const char *path);
/* Move op i to the front, so that commit makes it first: a journal that must
 * be in place before the changes it records. */
void fs_txn_first(struct fs_txn *t, size_t i);
/* The host path of op i's prepared temp file (to show it to a checker such as
 * `caddy validate` before commit), or NULL; caller frees. */
char *fs_txn_tmp_path(const struct fs_txn *t, size_t i);
/* Apply in order; -1 with err set at the first failure (earlier ops stay done).
 * Before anything is renamed, every temp name must still be the very file or
 * link this transaction made (dev/ino): in a directory a user owns, another
 * process may have removed it or put a FIFO there; then nothing is renamed. */
int fs_txn_commit(struct fs_txn *t);
/* Drop what was not committed (removes prepared temp files); frees t. */
void fs_txn_dispose(struct fs_txn *t);

/* Make the directory path's file goes in (mkdir -p, 0755) and remove the
 * temp files killed runs left there; -1 with err set. */
int mkdir_parent(const char *path);

/* Remove leftover temp files of killed runs in dir (names this module makes). */
void cleanup_stale_temps(const char *dir);
bool is_temp_name(const char *name);
#define FS_TEMP_MARK ".tf-tmp-"

/* Count one durable change; kills the process when the test switch says so. */
void fault_point(void);
/* -1 with errno set when TRUSTFORM_TEST_FAIL_WRITE says this write point fails. */
int fs_injected_failure(void);

bool path_exists(const char *path);
bool is_dir(const char *path);

#endif
