/* Writing environment files a shell or systemd parses; see envwrite.h. */
#include "stores/files/envwrite.h"

#include "util/err.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

bool envw_name_ok(const char *n)
{
	if (!n || !((n[0] >= 'A' && n[0] <= 'Z') || (n[0] >= 'a' && n[0] <= 'z') || n[0] == '_'))
		return false;
	return strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
	       strlen(n);
}

bool envw_value_ok(const char *v)
{
	return v && *v && strspn(v, ENVW_VALUE_CHARS) == strlen(v);
}

char *envw_printable(const char *s)
{
	char *d = xstrdup(s ? s : "");
	for (char *c = d; *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
	return d;
}

bool envw_text_ok(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

void envw_comment(struct buf *b, const char *fmt, ...)
{
	struct buf t = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&t, fmt, ap);
	va_end(ap);
	buf_puts(b, "# ");
	/* a newline would end the comment; systemd before v254 continues a
	 * comment that ends in a backslash onto the next line */
	for (size_t i = 0; i < t.len; i++) {
		unsigned char c = (unsigned char)t.ptr[i];
		buf_putc(b, c < 0x20 || c >= 0x7f || c == '\\' ? '?' : (char)c);
	}
	buf_putc(b, '\n');
	buf_dispose(&t);
}

static int check_set(const char *store, const struct envw_set *set, size_t nset)
{
	for (size_t i = 0; i < nset; i++) {
		if (!envw_name_ok(set[i].name)) {
			struct buf c = BUF_INIT;
			envw_comment(&c, "%s", set[i].name ? set[i].name : "");
			buf_truncate(&c, c.len - 1);
			err_set("store \"%s\": \"%s\" is not a variable name; list variables "
				"trustform knows in env",
				store, c.ptr + 2);
			buf_dispose(&c);
			return -1;
		}
		if (!envw_value_ok(set[i].value)) {
			struct buf c = BUF_INIT;
			envw_comment(&c, "%s", set[i].value ? set[i].value : "");
			buf_truncate(&c, c.len - 1);
			err_set("store \"%s\": the value \"%s\" of %s would need quoting in a "
				"shell or systemd file; use only letters, digits and /._-+@ in "
				"the bundle path",
				store, c.ptr + 2, set[i].name);
			buf_dispose(&c);
			return -1;
		}
	}
	return 0;
}

#define HEAD "Written by trustform for store \"%s\"; trustapply rewrites this file."

int envw_render_shell(struct buf *sh, struct buf *conf, const char *store,
		      const struct envw_set *set, size_t nset, const struct envw_undo *undo,
		      size_t nundo)
{
	if (check_set(store, set, nset) < 0)
		return -1;
	envw_comment(sh, HEAD, store);
	envw_comment(conf, HEAD, store);
	for (size_t i = 0; i < nset; i++) {
		buf_printf(sh, "export %s='%s'\n", set[i].name, set[i].value);
		buf_printf(conf, "%s=%s\n", set[i].name, set[i].value);
	}
	for (size_t i = 0; i < nundo; i++) {
		const struct envw_undo *u = &undo[i];
		if (!envw_name_ok(u->name))
			continue;
		envw_comment(sh, "insecure: %s=%s (%s, in %s)", u->name, u->value ? u->value : "",
			     u->why, u->src ? u->src : "");
		buf_printf(sh, "unset %s\n", u->name);
		if (u->safe && !u->in_profile && envw_value_ok(u->safe)) {
			envw_comment(conf, "insecure: %s=%s (%s, in %s)", u->name,
				     u->value ? u->value : "", u->why, u->src ? u->src : "");
			buf_printf(conf, "%s=%s\n", u->name, u->safe);
		}
	}
	return 0;
}

int envw_render_dropin(struct buf *out, const char *store, const struct envw_set *set, size_t nset,
		       const struct envw_undo *undo, size_t nundo)
{
	if (check_set(store, set, nset) < 0)
		return -1;
	envw_comment(out, HEAD, store);
	buf_puts(out, "[Service]\n");
	for (size_t i = 0; i < nset; i++)
		buf_printf(out, "Environment=\"%s=%s\"\n", set[i].name, set[i].value);
	for (size_t i = 0; i < nundo; i++) {
		const struct envw_undo *u = &undo[i];
		if (!envw_name_ok(u->name))
			continue;
		envw_comment(out, "insecure: %s=%s (%s, in %s)", u->name, u->value ? u->value : "",
			     u->why, u->src ? u->src : "");
		buf_printf(out, "UnsetEnvironment=%s\n", u->name);
	}
	return 0;
}
