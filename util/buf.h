/*
 * A growable byte buffer whose pointer is never NULL (git's strbuf): an empty
 * buffer points at a shared "" so callers can always treat ptr as a C string.
 */
#ifndef TF_BUF_H
#define TF_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *ptr;
	size_t len;
	size_t cap;
};

extern char buf__empty[1];
#define BUF_INIT                                                                                   \
	{                                                                                          \
		buf__empty, 0, 0                                                                   \
	}

void buf_init(struct buf *b);
void buf_dispose(struct buf *b);
void buf_reset(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_truncate(struct buf *b, size_t len);
/* Hand the string to the caller (who frees it) and leave b empty. */
char *buf_detach(struct buf *b);
bool buf_equal(const struct buf *b, const void *data, size_t len);

/*
 * The one reader of files from outside. Opens through the root jail (no link
 * followed that rootjail.h's rule refuses), without waiting (a FIFO never
 * blocks), requires a regular file and caps the size, then reads it whole.
 * Returns 0, or -1 with errno set and the buffer unchanged: EMEDIUMTYPE for
 * "not a regular file", EFBIG for "too large", EISDIR, or open/read's errno.
 * Say why with buf_strerror(errno) (err_set_errno does).
 */
#define BUF_READ_MAX ((size_t)16 << 20)
int buf_read_file(struct buf *b, const char *path);
/* The same with another limit (0: none). */
int buf_read_file_max(struct buf *b, const char *path, size_t max);
/* buf_read_file for a file that must not be a link itself (its last component
 * is opened with O_NOFOLLOW: a link fails with ELOOP). */
int buf_read_file_nofollow(struct buf *b, const char *path);
/* buf_read_file (nofollow: buf_read_file_nofollow) that also gives the stat
 * of the descriptor it read, so owner and mode are those of the bytes read. */
struct stat;
int buf_read_file_stat(struct buf *b, const char *path, bool nofollow, struct stat *st);
/* The checks alone: a blocking read-only descriptor on a regular file of at
 * most max bytes (0: any size), its stat in *st; or -1 with errno as above. */
int buf_open_regular(const char *path, size_t max, struct stat *st);
/* strerror, or for a file buf_read_file refused, why ("is a FIFO, not a
 * regular file", "is larger than 16 MiB"). */
const char *buf_strerror(int errnum);

#endif
