/*
 * Paths under --root. Every absolute path from the config or a store is an
 * "in-root" path; root_join makes the host path. root_resolve follows symlinks
 * as a chroot would: an absolute link target starts again at the root and ".."
 * never climbs above it, so a tree built for an image is read as the image will
 * see it, and no link can lead a read outside the root.
 */
#ifndef TF_ROOTFS_H
#define TF_ROOTFS_H

#include "util/buf.h"
#include <stdbool.h>

/* root is "" for "/" (no prefix), else a path without trailing slash. */
char *root_join(const char *root, const char *inroot_abs);
/* Resolve inroot_abs to the in-root path it designates; 0 on success (the last
 * components may not exist), -1 with err set on a link loop. */
int root_resolve(const char *root, const char *inroot_abs, struct buf *out);
/* Resolve and return the host path (joined), or NULL on a loop. */
char *root_resolve_host(const char *root, const char *inroot_abs);
/* Lexically normalise an absolute path: collapse //, ., .. (not above /). */
char *path_normalize(const char *abs);
/* True when path equals dir or lies below it (both normalised, absolute). */
bool path_is_under(const char *path, const char *dir);

/* The host path of a directory trustform writes its own files into, for the
 * in-root path dir: refused (NULL, err set) when a symlink leads there,
 * since a link could send root's writes anywhere; created when missing; temp
 * files of killed runs removed. Caller frees. */
char *own_dir_in_root(const char *root, const char *dir);

#endif
