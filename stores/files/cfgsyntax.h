/*
 * The configuration files of pip, npm and git as their tools read them, cut
 * into logical lines that cover every byte of the file, so that a file is
 * rendered again byte for byte with only trustform's block changed:
 *
 *   # trustform:begin <store>
 *   cert = /etc/trustform/bundles/<store>.pem
 *   # trustform:end <store>
 *
 * Three syntaxes: pip.conf (Python's configparser: `[section]`, `key = value`
 * or `key: value`, keys lower-cased, indented continuation lines, no inline
 * comments), npmrc (npm's ini: `key=value`, `[section]`, quoted values, `;`
 * and `#` comments, also after a value) and git-config (`[section]`,
 * `[section "subsection"]`, `[section.subsection]`, a key on the header's
 * line, quotes, escapes, inline comments, backslash-newline continuation).
 * Each entry has the canonical name its tool gives the setting: pip
 * "global.cert", npm "cafile" (in a section: "<section>.cafile"), git
 * "http.sslcainfo", "http.<url>.sslcainfo".
 */
#ifndef TF_STORES_FILES_CFGSYNTAX_H
#define TF_STORES_FILES_CFGSYNTAX_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

enum cfg_syntax { CFG_PIP, CFG_NPMRC, CFG_GIT };

enum cfg_kind { CE_BLANK, CE_COMMENT, CE_SECTION, CE_KEY, CE_OTHER };

/* One logical line: whole physical lines, newline included. */
struct cfg_entry {
	size_t start, end;
	size_t line; /* 1-based, of its first line */
	enum cfg_kind kind;
	char *section; /* the section in effect after it, canonical ("" for none) */
	char *name;    /* a setting (a key, or a git header with a key on its line):
			* "<section>.<key>" canonical, or the key alone in no section */
	char *value;   /* as the tool reads it; NULL for git's `key` alone (true) */
	int mark;      /* 1: `# trustform:begin <mark_store>`, 2: its end */
	char *mark_store;
};

struct cfg_doc {
	enum cfg_syntax syn;
	const char *data; /* not owned */
	size_t len;
	struct cfg_entry *e;
	size_t n, alloc;
};

/* Cut data (len bytes, not owned, must outlive d) into entries. Never fails:
 * what a tool would not parse is CE_OTHER. */
void cfg_parse(struct cfg_doc *d, enum cfg_syntax syn, const char *data, size_t len);
void cfg_doc_dispose(struct cfg_doc *d);

/* The entries [*b, *e] of the store's block (begin and end marker). 1 found,
 * 0 none, -1 damaged (a begin without its end, a second block, an end
 * alone): *b is then the entry to name. */
int cfg_block(const struct cfg_doc *d, const char *store, size_t *b, size_t *e);

/* Where trustform's setting goes. */
enum cfg_place {
	PLACE_IN_SECTION, /* under the file's own header of the section (pip: a
			   * second [global] or a second key there is an error) */
	PLACE_TOP,	  /* before the first section header (npmrc) */
	PLACE_APPEND,	  /* at the end, under a header of its own (git) */
};

struct cfg_want {
	const char *store;   /* the marker's name */
	const char *section; /* canonical section of the setting ("" for none) */
	const char *header;  /* the header line that opens it, or NULL (top level) */
	const char *keyline; /* the setting's line, without newline */
	enum cfg_place place;
};

/* The file with trustform's block made to want (present: set), or removed
 * (set false); every other byte is kept (a newline is added before a block
 * appended to a file that does not end in one). -1 when the block is
 * damaged (cfg_block). */
int cfg_render(struct buf *out, const struct cfg_doc *d, const struct cfg_want *want, bool set);

/* For messages: a copy of s with every byte outside printable ASCII '?'. */
char *cfg_printable(const char *s);

#endif
