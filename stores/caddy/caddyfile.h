/*
 * The Caddyfile, read the way Caddy reads it (caddyconfig/caddyfile: lexer.go
 * and parse.go), with every token's byte span kept so that an edit changes
 * only the bytes it must: comments, blank lines and layout stay as they are.
 *
 * caddyfile_lex.c tokenizes (quotes "…" and `…` with Caddy's escapes, heredocs,
 * # comments, escaped newlines, Unicode spaces); caddyfile_doc.c follows
 * `import` (snippets and files, under --root) and finds the global options
 * block; caddyfile_edit.c sets `pki { ca <id> { intermediate_lifetime … } }`
 * and lints.
 */
#ifndef TF_CADDYFILE_H
#define TF_CADDYFILE_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

struct cf_token {
	size_t start, end; /* byte span in the source, quotes included */
	int line;	   /* line of the first byte, 1-based */
	char *text;	   /* the value as Caddy reads it */
	char quote;	   /* 0, '"', '`', or '<' for a heredoc */
	bool nl_before;	   /* first token of its line, as Caddy counts lines */
};

struct cf_tokens {
	struct cf_token *items;
	size_t n, alloc;
};

/* Tokenize src; -1 with err set ("<name>:<line>: …") when Caddy could not
 * read it either (unterminated quote, bad heredoc). */
int cf_tokenize(struct cf_tokens *out, const char *name, const char *src, size_t len);
void cf_tokens_dispose(struct cf_tokens *t);
/* An unquoted token with this text: a keyword or a brace. */
bool cf_is(const struct cf_token *t, const char *text);

/* One file of the document. */
struct cf_file {
	char *path; /* in-root path */
	struct buf src;
	struct cf_tokens toks;
};

struct cf_snippet {
	char *name;
	size_t file;	    /* index into files */
	size_t open, close; /* token indexes of its braces */
};

/* The main Caddyfile and everything it imports (files[0] is the main one). */
struct cf_doc {
	const char *root; /* --root, "" for / */
	struct cf_file *files;
	size_t nfiles, files_alloc;
	struct cf_snippet *snippets;
	size_t nsnippets, snippets_alloc;
	char **skipped; /* imports that could not be followed (placeholders) */
	size_t nskipped, skipped_alloc;
};

/* Load the main file path (in-root) from its bytes and follow its imports
 * (read under root); -1 with err set when a file cannot be read or parsed,
 * braces do not balance, or an import names a file that does not exist
 * (Caddy refuses all of these too). */
int cf_doc_load_buffer(struct cf_doc *d, const char *root, const char *path, const char *src,
		       size_t len);
void cf_doc_dispose(struct cf_doc *d);

/* The brace matching the `{` at toks[open]; n when there is none. */
size_t cf_match(const struct cf_tokens *t, size_t open);
/* Tokens an `import` at toks[at] of file f brings in: a snippet's range, or
 * whole files. Callback per range; returns the callback's first non-zero. */
int cf_import_each(const struct cf_doc *d, size_t f, size_t at,
		   int (*fn)(const struct cf_doc *d, size_t file, size_t from, size_t to,
			     void *arg),
		   void *arg);

/* What the planner needs about intermediate_lifetime of CA ca. */
struct cf_lifetime {
	char *have; /* the value Caddy uses now, or NULL */
	int have_line;
	struct buf out; /* the main Caddyfile with want set (equal when in place) */
};

/* Compute the edit; -1 with err set when trustform cannot make it safely
 * (the option comes from an import, a value is malformed). */
int cf_set_lifetime(struct cf_lifetime *r, const struct cf_doc *d, const char *ca,
		    const char *want);
void cf_lifetime_dispose(struct cf_lifetime *r);

/* "file:line" of every tls_insecure_skip_verify in the document. */
void cf_lint_insecure(const struct cf_doc *d, char ***where, size_t *n);

#endif
