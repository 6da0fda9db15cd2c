/*
 * gendocs: the parts of the docs that the store registry says (issue 19).
 * It walks store_types and store_sections (stores/registry.c), and the
 * commands' option tables (cli/commands.c) for bash completion, and rewrites,
 * in each file, the lines between "BEGIN generated: <region>" and
 * "END generated: <region>"; everything else stays hand-written.
 */
#ifndef TF_GENDOCS_H
#define TF_GENDOCS_H

#include "stores/store.h"
#include "util/buf.h"

/* Call fn for each documented type: store_types, then caddy if it is not
 * among them yet (text.c). A type with a section (caddy) is documented as its
 * top-level section, not as a type of a stores: entry. */
void each_type(void (*fn)(const struct store_type *t, void *arg), void *arg);
/* The options of t, in order (NULL-name terminated). */
#define EACH_OPTION(o, t) for (const struct store_option *o = (t)->options; o && o->name; o++)

/* Doc text (`x` marks a literal) into each target's syntax. */
void put_json_string(struct buf *b, const char *s);
void put_roff(struct buf *b, const char *s);
void put_md(struct buf *b, const char *s);

/* The regions of each file, appended to b. */
void gen_schema_types(struct buf *b);
void gen_man_types(struct buf *b);
void gen_man_keys(struct buf *b);
void gen_man_files(struct buf *b);
void gen_readme_table(struct buf *b);
void gen_readme_envvars(struct buf *b);
void gen_readme_families(struct buf *b);
void gen_completion_sections(struct buf *b);
void gen_completion_options(struct buf *b);
void gen_man_synopsis(struct buf *b);
void gen_man_command_options(struct buf *b);
void gen_man_options(struct buf *b);

#endif
