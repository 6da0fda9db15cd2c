/* Doc text into JSON, roff and Markdown; and the walk over the types. */
#include "stores/store.h"
#include "tools/gendocs/gendocs.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void each_type(void (*fn)(const struct store_type *t, void *arg), void *arg)
{
	for (size_t i = 0; store_types[i]; i++)
		fn(store_types[i], arg);
}

void put_json_string(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

/* A literal is a path (italic in a man page) when it names one: a '/' or a
 * '<placeholder>', and no space. */
static bool is_path(const char *s, size_t n)
{
	bool slash = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ')
			return false;
		slash |= s[i] == '/' || s[i] == '<';
	}
	return slash;
}

void put_roff(struct buf *b, const char *s)
{
	if (*s == '.' || *s == '\'')
		buf_puts(b, "\\&");
	bool in = false;
	for (; *s; s++) {
		if (*s == '`') {
			const char *end = in ? NULL : strchr(s + 1, '`');
			if (!in)
				buf_puts(b, end && is_path(s + 1, (size_t)(end - s - 1)) ? "\\fI"
											 : "\\fB");
			else
				buf_puts(b, "\\fR");
			in = !in;
		} else if (*s == '-')
			buf_puts(b, "\\-");
		else if (*s == '\\')
			buf_puts(b, "\\e");
		else
			buf_putc(b, *s);
	}
	if (in)
		buf_puts(b, "\\fR");
}

void put_md(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			buf_puts(b, "\\|");
		else
			buf_putc(b, *s);
	}
}
