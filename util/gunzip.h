/*
 * A gzip file (zlib), bounded: the compressed file goes through the bounded
 * reader (buf_read_file_max) and what it inflates to is capped, so that a
 * small file cannot expand into memory without end (a "zip bomb").
 */
#ifndef TF_GUNZIP_H
#define TF_GUNZIP_H

#include "util/buf.h"

#include <stddef.h>

/* Inflate the gzip data (one or more members) into out, at most max_out
 * bytes. 0, or -1 with err set ("not gzip data", "inflates to more than N
 * bytes", zlib's message). */
int gunzip_mem(struct buf *out, const void *data, size_t len, size_t max_out);
/* The same for a file of at most max_in bytes. */
int gunzip_file(struct buf *out, const char *path, size_t max_in, size_t max_out);

#endif
