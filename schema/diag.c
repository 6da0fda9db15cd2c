/* Diagnostics list; see diag.h. */
#include "schema/diag.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>

void diag_init(struct diag *d)
{
	d->items = NULL;
	d->n = d->alloc = d->errors = d->warnings = 0;
}

void diag_dispose(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].msg);
	}
	free(d->items);
	diag_init(d);
}

void diag_add(struct diag *d, enum diag_level level, const char *file, int line, int col,
	      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, level, file, line, col, NULL, fmt, ap);
	va_end(ap);
}

void diag_vadd(struct diag *d, enum diag_level level, const char *file, int line, int col,
	       const char *prefix, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	if (prefix)
		buf_puts(&b, prefix);
	buf_vprintf(&b, fmt, ap);
	ARRAY_GROW(d->items, d->n + 1, d->alloc);
	struct diag_item *it = &d->items[d->n++];
	it->level = level;
	it->file = xstrdup(file ? file : "");
	it->line = line;
	it->col = col;
	it->msg = buf_detach(&b);
	if (level == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
}

void diag_print(const struct diag *d, FILE *out, bool color)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->items[i];
		const char *word = it->level == DIAG_ERROR ? "error" : "warning";
		const char *on = !color			   ? ""
				 : it->level == DIAG_ERROR ? "\033[1;31m"
							   : "\033[1;33m";
		const char *off = color ? "\033[0m" : "";
		if (it->line > 0)
			fprintf(out, "%s:%d:%d: %s%s%s: %s\n", it->file, it->line, it->col, on,
				word, off, it->msg);
		else
			fprintf(out, "%s: %s%s%s: %s\n", it->file, on, word, off, it->msg);
	}
}
