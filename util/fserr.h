/*
 * Errors of writes that say what to do: when a filesystem is full (ENOSPC,
 * EDQUOT) or read-only (EROFS), the message names the file meant, the
 * filesystem's mount point (from /proc/self/mountinfo) and the remedy.
 */
#ifndef TF_FSERR_H
#define TF_FSERR_H

#include <stdbool.h>

/* The mount point of the filesystem holding path (or its nearest existing
 * parent), or NULL. Caller frees. */
char *fs_mount_point(const char *path);

/* Like err_set_errno(errnum, "<path>: <what>"), but for a full or read-only
 * filesystem the message says which filesystem and what to do. unchanged:
 * the write was refused before anything was renamed into place, so the
 * directory of path is as it was. */
void fs_err_write(int errnum, const char *path, const char *what, bool unchanged);

#endif
