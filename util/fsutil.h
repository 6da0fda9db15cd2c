/*
 * Durable file-system changes. Every change trustform makes to a store goes
 * through here: a new file is built completely in a temp file in the target
 * directory, fsynced, renamed over the old one and the directory fsynced
 * (p11-kit's p11_save_write_and_finish). A run killed at any point leaves each
 * file old or new, never partial.
 *
 * For crash tests, TRUSTFORM_TEST_CRASH_AFTER_WRITES=N kills the process with
 * SIGKILL right after its N-th durable change; it exists only to prove the above.
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
#define FILE_OWNER_DEFAULT ((struct file_owner){ (uid_t)-1, (gid_t)-1 })

int atomic_write(const char *path, const void *data, size_t len, mode_t mode);
int atomic_write_owned(const char *path, const void *data, size_t len, mode_t mode,
		       struct file_owner owner);
/* Create or replace the symlink path -> target atomically. */
int atomic_symlink(const char *target, const char *path);
/* Remove a file or symlink and fsync its directory; a missing file is success. */
int durable_unlink(const char *path);
/* mkdir -p; every created directory gets mode. */
int mkdir_p(const char *path, mode_t mode);
int fsync_dir_of(const char *path);

/* Remove leftover temp files of killed runs in dir (names this module makes). */
void cleanup_stale_temps(const char *dir);
bool is_temp_name(const char *name);

/* Count one durable change; kills the process when the test switch says so. */
void fault_point(void);

bool path_exists(const char *path);
bool is_dir(const char *path);

#endif
