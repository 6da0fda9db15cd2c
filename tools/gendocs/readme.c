/* README.md: the table of store types and their options. */
#include "tools/gendocs/gendocs.h"

#include <stdbool.h>

static void put_code_list(struct buf *b, const char *const *c)
{
	for (size_t i = 0; c[i]; i++)
		buf_printf(b, "%s`%s`", i ? ", " : "", c[i]);
}

static void put_option(struct buf *b, const struct store_option *o)
{
	buf_printf(b, "| | `%s` | ", o->name);
	put_md(b, o->help ? o->help : "");
	if (o->choices) {
		buf_puts(b, o->kind == OPT_LIST ? "; a list of " : "; one of ");
		put_code_list(b, o->choices);
	}
	if (o->def)
		buf_printf(b, "; default `%s`", o->def);
	if (o->required)
		buf_puts(b, " (required)");
	buf_puts(b, " |\n");
}

static void type_rows(const struct store_type *t, void *arg)
{
	struct buf *b = arg;
	if (t->section)
		buf_printf(b, "| `%s:` (top level) | | ", t->section);
	else
		buf_printf(b, "| `%s` | | ", t->name);
	put_md(b, t->summary ? t->summary : "");
	buf_puts(b, " |\n");
	EACH_OPTION(o, t)
	put_option(b, o);
}

void gen_readme_table(struct buf *b)
{
	buf_puts(b, "| type | option | meaning |\n|---|---|---|\n");
	each_type(type_rows, b);
}
