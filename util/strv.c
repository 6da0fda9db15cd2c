/* Growable arrays of strings; see strv.h. */
#include "util/strv.h"
#include "util/buf.h"
#include "util/xalloc.h"

void strv_vpushf(char ***v, size_t *n, size_t *alloc, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	buf_vprintf(&b, fmt, ap);
	ARRAY_GROW(*v, *n + 1, *alloc);
	(*v)[(*n)++] = buf_detach(&b);
}
