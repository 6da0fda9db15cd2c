/*
 * Confinement to --root. Checking a path and then using it again as a string
 * leaves a window: a directory swapped for a link in between sends the write
 * (or the read) anywhere. Every file trustform opens, creates, renames, links
 * or unlinks beneath the root goes through here instead, relative to a
 * descriptor of the root opened once: openat2(2) with RESOLVE_IN_ROOT (an
 * absolute link starts again at the root, ".." stops at it: the chroot rules
 * root_resolve already reads by), or, where the kernel lacks openat2, a walk
 * of one component at a time with O_NOFOLLOW that resolves each link by the
 * same rules. Paths outside the root (the configuration, temp directories)
 * are opened as they are.
 */
#ifndef TF_ROOTJAIL_H
#define TF_ROOTJAIL_H

#include <stdbool.h>
#include <sys/types.h>

/* The root of this run ("" or "/" for the real root). -1 with err set when it
 * cannot be opened as a directory. */
int jail_set_root(const char *root);
void jail_reset(void);
/* For a child that has closed every descriptor it did not need: forget the
 * root's (never closing a number that may be reused), then jail_set_root. */
void jail_forget(void);

/* Is host_path beneath the jail's root (then it is opened confined)? */
bool jail_covers(const char *host_path);

/* open(2) for a host path: confined when it lies beneath the root. The last
 * component is not followed when flags hold O_NOFOLLOW. -1 with errno set
 * (ELOOP/EXDEV when a link would lead out, never followed). */
int jail_open(const char *host_path, int flags, mode_t mode);

/* The directory holding host_path, opened confined (O_DIRECTORY), and the
 * last component in *base (points into host_path). -1 with errno set. */
int jail_open_parent(const char *host_path, const char **base);

#endif
