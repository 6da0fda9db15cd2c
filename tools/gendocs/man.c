/* trust.yaml(5): the `type` paragraph, each type's keys, and FILES EACH
 * STORE WRITES. */
#include "tools/gendocs/gendocs.h"

#include <stdbool.h>
#include <string.h>

struct count {
	struct buf *b;
	size_t n, total;
};

static void count_type(const struct store_type *t, void *arg)
{
	struct count *c = arg;
	c->total += !t->section;
}

static void put_roff_word(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '-')
			buf_puts(b, "\\-");
		else
			buf_putc(b, *s);
	}
}

static void type_item(const struct store_type *t, void *arg)
{
	struct count *c = arg;
	if (t->section)
		return;
	c->n++;
	if (c->n == c->total)
		buf_puts(c->b, "or\n");
	buf_puts(c->b, ".BR ");
	put_roff_word(c->b, t->name);
	buf_puts(c->b, c->n == c->total ? " .\n" : " ,\n");
}

void gen_man_types(struct buf *b)
{
	struct count c = {b, 0, 0};
	each_type(count_type, &c);
	buf_puts(b, ".TP\n.B type\n");
	each_type(type_item, &c);
	buf_puts(b, "Each is described below.\n");
}

/* A text as a line of its own, with its period. */
static void put_sentence(struct buf *b, const char *text)
{
	put_roff(b, text);
	buf_puts(b, ".\n");
}

static void put_list(struct buf *b, const char *lead, const char *const *c)
{
	buf_puts(b, lead);
	for (size_t i = 0; c[i]; i++) {
		buf_puts(b, i ? (c[i + 1] ? ", " : " and ") : " ");
		buf_puts(b, "\\fB");
		put_roff_word(b, c[i]);
		buf_puts(b, "\\fR");
	}
	buf_puts(b, ".\n");
}

static void put_option(struct buf *b, const struct store_option *o)
{
	buf_puts(b, ".TP\n.B ");
	put_roff_word(b, o->name);
	buf_puts(b, "\n");
	if (o->help)
		put_sentence(b, o->help);
	if (o->required)
		buf_puts(b, "Required.\n");
	if (o->kind == OPT_BOOL)
		buf_puts(b, "True or false.\n");
	else if (o->kind == OPT_PATH)
		buf_puts(b, "An absolute path, under\n.B \\-\\-root\nwhen given.\n");
	if (o->choices)
		put_list(b, o->kind == OPT_LIST ? "A list of" : "One of", o->choices);
	else if (o->kind == OPT_LIST)
		buf_puts(b, "A list.\n");
	if (o->kind == OPT_LIST && (o->flags & OPTF_NONEMPTY))
		buf_puts(b, "Not empty.\n");
	if (o->def) {
		buf_puts(b, "Default\n.BR ");
		put_roff_word(b, o->def);
		buf_puts(b, " .\n");
	}
}

static void type_keys(const struct store_type *t, void *arg)
{
	struct buf *b = arg;
	if (t->section)
		buf_printf(b, ".SS %s\n", t->section);
	else {
		buf_puts(b, ".SS \"stores.<name> of type ");
		put_roff_word(b, t->name);
		buf_puts(b, "\"\n");
	}
	if (t->summary)
		put_sentence(b, t->summary);
	EACH_OPTION(o, t)
	put_option(b, o);
}

void gen_man_keys(struct buf *b)
{
	each_type(type_keys, b);
}

static void type_files(const struct store_type *t, void *arg)
{
	struct buf *b = arg;
	for (const struct store_files_doc *f = t->files; f && f->text; f++) {
		buf_puts(b, ".TP\n.B ");
		put_roff_word(b, t->name);
		if (f->when) {
			buf_puts(b, " (");
			put_roff_word(b, f->when);
			buf_puts(b, ")");
		}
		buf_puts(b, "\n");
		put_sentence(b, f->text);
	}
}

void gen_man_files(struct buf *b)
{
	each_type(type_files, b);
}
