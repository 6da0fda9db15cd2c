/*
 * The text the shell-env and systemd-env stores write into files that a
 * shell (/etc/profile.d/trustform.sh), systemd's environment-d generator
 * (/etc/environment.d/90-trustform.conf) or systemd itself (a unit drop-in)
 * parse. Whatever the input, the output is only comments and the expected
 * assignments: names are shell/systemd names, values are refused unless they
 * use characters that need no quoting in any of the three syntaxes, and what
 * is only shown (a foreign value, a file name) goes into a comment with every
 * byte that could end it or escape its line end replaced by '?'.
 */
#ifndef TF_STORES_FILES_ENVWRITE_H
#define TF_STORES_FILES_ENVWRITE_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* The characters a written value may use: no quote, space, '$', '%', '\\'. */
#define ENVW_VALUE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+@"

/* A variable the file sets (name from envvars.c, value a path or a flag). */
struct envw_set {
	const char *name, *value;
};

/* A foreign setting that is undone: name=value from src, with why; safe is
 * the value environment.d gets instead (NULL: only unsetting undoes it, which
 * environment.d cannot do); in_profile: it came from a profile.d script. */
struct envw_undo {
	const char *name, *value, *why, *src, *safe;
	bool in_profile;
};

/* [A-Za-z_][A-Za-z0-9_]* */
bool envw_name_ok(const char *name);
/* Non-empty and only ENVW_VALUE_CHARS. */
bool envw_value_ok(const char *value);
/* No control character (C0, DEL): a name that can be shown on one line. */
bool envw_text_ok(const char *s);
/* A copy of s (NULL: "") for a message that cannot end a line: every byte
 * that is not printable becomes '?'. Caller frees. */
char *envw_printable(const char *s);
/* One comment line: "# " and the text, every byte outside printable ASCII
 * and every backslash replaced by '?'. */
void envw_comment(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* profile.d's trustform.sh and environment.d's 90-trustform.conf. Fails,
 * naming the variable, when a name or value cannot be written; an undo whose
 * name is not a variable name is left out. */
int envw_render_shell(struct buf *sh, struct buf *conf, const char *store,
		      const struct envw_set *set, size_t nset, const struct envw_undo *undo,
		      size_t nundo);
/* A unit drop-in: [Service], Environment= and UnsetEnvironment=. */
int envw_render_dropin(struct buf *out, const char *store, const struct envw_set *set, size_t nset,
		       const struct envw_undo *undo, size_t nundo);

#endif
