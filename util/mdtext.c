/* Markdown for text trustform did not write; see mdtext.h. */
#include "util/mdtext.h"
#include "util/buf.h"
#include "util/text.h"

#include <string.h>

static struct buf ring[16];
static unsigned next;

static struct buf *slot(void)
{
	struct buf *b = &ring[next++ % 16];
	if (!b->ptr)
		buf_init(b);
	buf_reset(b);
	return b;
}

const char *md_code(const char *s, bool in_table)
{
	const char *t = text_disp(s ? s : "");
	size_t run = 0, longest = 0;
	for (const char *c = t; *c; c++) {
		run = *c == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	struct buf *b = slot();
	for (size_t i = 0; i <= longest; i++)
		buf_putc(b, '`');
	/* a space keeps a leading or trailing backquote out of the fence */
	bool pad = t[0] == '`' || (*t && t[strlen(t) - 1] == '`') || !*t;
	if (pad)
		buf_putc(b, ' ');
	for (const char *c = t; *c; c++) {
		if (*c == '|' && in_table)
			buf_putc(b, '\\');
		buf_putc(b, *c);
	}
	if (pad)
		buf_putc(b, ' ');
	for (size_t i = 0; i <= longest; i++)
		buf_putc(b, '`');
	return b->ptr;
}

const char *md_text(const char *s)
{
	const char *t = text_disp(s ? s : "");
	struct buf *b = slot();
	for (const char *c = t; *c; c++) {
		if (*c == '<')
			buf_puts(b, "&lt;");
		else if (*c == '>')
			buf_puts(b, "&gt;");
		else if (*c == '&')
			buf_puts(b, "&amp;");
		else {
			if (strchr("\\`*_[]|~", *c))
				buf_putc(b, '\\');
			buf_putc(b, *c);
		}
	}
	return b->ptr;
}
