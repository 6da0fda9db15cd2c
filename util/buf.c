/* Growable byte buffer; see buf.h. */
#include "util/buf.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char buf__empty[1];

void buf_init(struct buf *b)
{
	b->ptr = buf__empty;
	b->len = b->cap = 0;
}

void buf_dispose(struct buf *b)
{
	if (b->cap)
		free(b->ptr);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	buf_truncate(b, 0);
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len > b->len)
		return;
	b->len = len;
	if (b->cap)
		b->ptr[len] = '\0';
}

void buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : (need < 64 ? 64 : need);
	while (cap < need)
		cap *= 2;
	if (b->cap) {
		b->ptr = xrealloc(b->ptr, cap);
	} else {
		b->ptr = xmalloc(cap);
		b->ptr[0] = '\0';
	}
	b->cap = cap;
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	buf_grow(b, len);
	memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *buf_detach(struct buf *b)
{
	char *s = b->cap ? b->ptr : xstrdup("");
	buf_init(b);
	return s;
}

bool buf_equal(const struct buf *b, const void *data, size_t len)
{
	return b->len == len && (len == 0 || memcmp(b->ptr, data, len) == 0);
}

/* Why the last bounded open refused a file (per thread), for buf_strerror. */
static _Thread_local char read_why[96];

static int refuse(int fd, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(int fd, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(read_why, sizeof(read_why), fmt, ap);
	va_end(ap);
	if (fd >= 0)
		close(fd);
	errno = err;
	return -1;
}

static const char *kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	return "not a plain file";
}

static void size_text(char *out, size_t n, size_t max)
{
	if (max >= (1u << 20) && max % (1u << 20) == 0)
		snprintf(out, n, "%zu MiB", max >> 20);
	else if (max >= 1024 && max % 1024 == 0)
		snprintf(out, n, "%zu KiB", max >> 10);
	else
		snprintf(out, n, "%zu bytes", max);
}

static int open_regular(const char *path, size_t max, struct stat *st, int extra)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	int fd = jail_open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | extra, 0);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0)
		return refuse(fd, errno, "%s", strerror(errno));
	if (S_ISDIR(st->st_mode))
		return refuse(fd, EISDIR, "%s", strerror(EISDIR));
	if (!S_ISREG(st->st_mode))
		return refuse(fd, EMEDIUMTYPE, "is %s, not a regular file", kind_of(st->st_mode));
	if (max && (uint64_t)st->st_size > max) {
		char t[32];
		size_text(t, sizeof(t), max);
		return refuse(fd, EFBIG, "is larger than %s", t);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return refuse(fd, errno, "%s", strerror(errno));
	return fd;
}

int buf_open_regular(const char *path, size_t max, struct stat *st)
{
	return open_regular(path, max, st, 0);
}

const char *buf_strerror(int errnum)
{
	if ((errnum == EMEDIUMTYPE || errnum == EFBIG) && read_why[0])
		return read_why;
	if (errnum == ELOOP && jail_refusal())
		return jail_refusal();
	return strerror(errnum);
}

int buf_read_file(struct buf *b, const char *path)
{
	return buf_read_file_max(b, path, BUF_READ_MAX);
}

static int read_file(struct buf *b, const char *path, size_t max, int extra, struct stat *out);

int buf_read_file_max(struct buf *b, const char *path, size_t max)
{
	return read_file(b, path, max, 0, NULL);
}

int buf_read_file_nofollow(struct buf *b, const char *path)
{
	return read_file(b, path, BUF_READ_MAX, O_NOFOLLOW, NULL);
}

int buf_read_file_stat(struct buf *b, const char *path, bool nofollow, struct stat *st)
{
	return read_file(b, path, BUF_READ_MAX, nofollow ? O_NOFOLLOW : 0, st);
}

static int read_file(struct buf *b, const char *path, size_t max, int extra, struct stat *out)
{
	struct buf tmp = BUF_INIT;
	struct stat st;
	char probe[4096];
	int fd = open_regular(path, max, &st, extra);
	if (fd < 0)
		return -1;
	/* Size the buffer from the file: thousands of small certificates must not
	 * each reserve a large chunk. Small reads past the end detect a file that
	 * grew meanwhile (up to the limit). */
	if (st.st_size > 0)
		buf_grow(&tmp, (size_t)st.st_size);
	for (;;) {
		size_t room = tmp.cap ? tmp.cap - tmp.len - 1 : 0;
		ssize_t n =
		    room ? read(fd, tmp.ptr + tmp.len, room) : read(fd, probe, sizeof(probe));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			close(fd);
			buf_dispose(&tmp);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		if (room) {
			tmp.len += (size_t)n;
			tmp.ptr[tmp.len] = '\0';
		} else {
			buf_add(&tmp, probe, (size_t)n);
		}
		if (max && tmp.len > max) {
			char t[32];
			size_text(t, sizeof(t), max);
			buf_dispose(&tmp);
			return refuse(fd, EFBIG, "is larger than %s", t);
		}
	}
	close(fd);
	buf_dispose(b);
	*b = tmp;
	if (out)
		*out = st;
	return 0;
}
