/*
 * Confinement to --root, and the one rule for links. Checking a path and then
 * using it again as a string leaves a window: a directory swapped for a link
 * in between sends the write (or the read) anywhere. Every file trustform
 * opens, creates, renames, links or unlinks by an absolute path goes through
 * here instead, relative to a descriptor of the root opened once (the real
 * "/" when there is no --root): an absolute link starts again at the root,
 * ".." stops at it (the chroot rules root_resolve reads by).
 *
 * The rule: a link is followed only when its directory could not have been
 * changed by another user (jail_link_trusted: owned by root, or by the user
 * trustform runs as, and writable by no one else; in a sticky directory, only
 * a link that root made). trustform runs as root and writes into directories
 * that other users own (an app's venv, Caddy's data directory): a link there
 * is theirs, and is never followed, for reads and writes alike.
 *
 * How: openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS first (the usual
 * case: no link at all on the path); when that meets a link, a walk of one
 * component at a time from the root's descriptor, each opened with O_NOFOLLOW
 * beneath the previous one, that checks the directory holding each link
 * (fstat of the descriptor it holds) before reading the link. The file is
 * opened relative to the last directory's descriptor, so nothing is resolved
 * twice. Relative paths (a configuration named on the command line) are
 * opened as they are.
 */
#ifndef TF_ROOTJAIL_H
#define TF_ROOTJAIL_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The root of this run ("" or "/" for the real root). -1 with errno set when
 * it cannot be opened as a directory (this module sits below err.h: the
 * caller says so). */
int jail_set_root(const char *root);
void jail_reset(void);
/* For a child that has closed every descriptor it did not need: forget the
 * root's (never closing a number that may be reused), then jail_set_root. */
void jail_forget(void);

/*
 * How a message names a file (README, Development): by its in-root path,
 * "/etc/ssl/certs/x.pem", never by its path on this machine
 * ("/tmp/img/etc/ssl/certs/x.pem"); the root is named once, in the header of
 * the run's output. path_shown gives that for a host path beneath the run's
 * root (a pointer into path, or "/" for the root itself), and path itself for
 * any other (a configuration beside the tree, an in-root path already).
 */
const char *path_shown(const char *path);

/* Is host_path beneath the jail's root (then it is opened confined)? */
bool jail_covers(const char *host_path);

/* open(2) for a host path: confined when it lies beneath the root, and no
 * link followed against the rule above. The last component is not followed
 * when flags hold O_NOFOLLOW. -1 with errno set (ELOOP for a link refused:
 * jail_refusal() then says which and what to do). */
int jail_open(const char *host_path, int flags, mode_t mode);

/* opendir(3) through jail_open: the listing of the directory the rule
 * reaches, never one a link swapped in since. NULL with errno set. */
typedef struct __dirstream DIR;
DIR *jail_opendir(const char *host_path);

/* The directory holding host_path, opened confined (O_DIRECTORY), and the
 * last component in *base (points into host_path). -1 with errno set. */
int jail_open_parent(const char *host_path, const char **base);

/* May a link in the directory dir be followed? link is the link's own
 * lstat (for a sticky directory), or NULL. */
bool jail_link_trusted(const struct stat *dir, const struct stat *link);
/* Acting for one user in their own files (NSS databases in a home, whose
 * writes a child running as that user makes): their directories count as
 * trusted too, as they would for a process of theirs; the caller confines
 * the result to the home itself. (uid_t)-1 ends it. Returns the previous
 * one, to restore. */
uid_t jail_trust_owner(uid_t uid);
/* Record (and return) why the link host_link (-> target) in a directory dir
 * is not followed: the message names the link, its target, who can write the
 * directory, and the fix. */
const char *jail_refuse(const char *host_link, const char *target, const struct stat *dir);
/* The message of the last refusal of this thread, or NULL when the last
 * jail_open refused nothing. */
const char *jail_refusal(void);

#endif
