/* The per-process last-error slot; see err.h. */
#include "util/err.h"
#include "util/buf.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <string.h>

static struct buf last = BUF_INIT;
static enum err_code code;

void err_clear(void)
{
	buf_reset(&last);
	code = TF_OK;
}

enum err_code err_code(void)
{
	return code;
}

static void modified(const char *file, const char *why)
{
	buf_reset(&last);
	buf_printf(&last, "%s changed since the plan was made", file);
	if (why && *why)
		buf_printf(&last, " (%s)", why);
	buf_puts(&last, "; run trustplan again");
	code = TF_EMODIFIED;
}

void err_modified(const char *file)
{
	modified(file, NULL);
}

void err_modified_why(const char *file, const char *fmt, ...)
{
	struct buf why = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&why, fmt, ap);
	va_end(ap);
	modified(file, why.ptr);
	buf_dispose(&why);
}

char *err_modified_text(const char *file, const char *why)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s changed since the plan was made", file);
	if (why && *why)
		buf_printf(&b, " (%s)", why);
	buf_puts(&b, "; run trustplan again");
	return buf_detach(&b);
}

const char *err_msg(void)
{
	return last.len ? last.ptr : "unknown error";
}

void err_set(const char *fmt, ...)
{
	va_list ap;
	buf_reset(&last);
	code = TF_ERROR;
	va_start(ap, fmt);
	buf_vprintf(&last, fmt, ap);
	va_end(ap);
}

void err_set_errno(int errnum, const char *fmt, ...)
{
	va_list ap;
	buf_reset(&last);
	code = TF_ERROR;
	va_start(ap, fmt);
	buf_vprintf(&last, fmt, ap);
	va_end(ap);
	buf_printf(&last, ": %s", buf_strerror(errnum));
}

void err_prefix(const char *fmt, ...)
{
	struct buf p = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&p, fmt, ap);
	va_end(ap);
	buf_puts(&p, ": ");
	buf_add(&p, last.ptr, last.len);
	buf_dispose(&last);
	last = p;
}

void err_append_openssl(void)
{
	unsigned long e;
	char tmp[256];
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, tmp, sizeof(tmp));
		buf_printf(&last, " (%s)", tmp);
	}
}

void err_append(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&last, fmt, ap);
	va_end(ap);
}
