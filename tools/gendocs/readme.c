/* README.md: the table of store types and their options, the env stores'
 * variables (stores/files/envvars.c) and the system store's families. */
#include "stores/files/envvars.h"
#include "stores/system/families.h"
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

void gen_readme_envvars(struct buf *b)
{
	static const char *const kinds[] = {"path of a PEM bundle", "directory list", "flag"};
	buf_puts(b, "| variable | value | read by | replaces or adds | a change reaches them | "
		    "proven by |\n|---|---|---|---|---|---|\n");
	for (size_t i = 0; envvar_at(i); i++) {
		const struct envvar *v = envvar_at(i);
		buf_printf(b, "| `%s` | %s", v->name, kinds[v->kind]);
		if (v->flag)
			buf_printf(b, " (`%s=%s`)", v->name, v->flag);
		buf_printf(b, " | %s | %s | ", v->who,
			   v->roots == ENVVAR_REPLACES ? "replaces the client's roots"
			   : v->roots == ENVVAR_REPLACES_FILE
			       ? "replaces the system bundle file; the hashed directory "
				 "`/etc/ssl/certs` is still read"
			       : "adds to the client's roots");
		put_md(b, v->restart);
		buf_puts(b, " | ");
		put_md(b, v->proof);
		buf_puts(b, " |\n");
	}
}

/* The system store's families (stores/system/families.c): the os-release
 * IDs of each (the choices of `distro:`), and where the anchors families keep
 * their trust. */
void gen_readme_families(struct buf *b)
{
	buf_puts(b, "| family | `ID` or a word of `ID_LIKE` | anchors | blocklist | extract "
		    "command | extracted bundle |\n|---|---|---|---|---|---|\n");
	for (const struct system_family *f = system_families; f->ids; f++) {
		const struct anchors_family *a = f->backend ? NULL : &f->anchors;
		buf_printf(b, "| %s | ", system_family_backend(f)->name);
		put_code_list(b, f->ids);
		if (!a) {
			buf_puts(b, " | (ca-certificates: see above) | | | |\n");
			continue;
		}
		buf_printf(b, " | `%s/trustform-<name>-<sha256[:12]>%s` | ", a->anchors, a->suffix);
		if (a->blocklist)
			buf_printf(b, "`%s`", a->blocklist);
		else
			buf_puts(b, "none: `distrusted` removes");
		buf_puts(b, " | `");
		for (size_t i = 0; a->extract[i]; i++)
			buf_printf(b, "%s%s", i ? " " : "", a->extract[i]);
		buf_printf(b, "` | `%s` |\n", a->extracted);
	}
}
