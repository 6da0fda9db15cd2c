/*
 * A Caddyfile and what it imports. Like Caddy's parser (parse.go): braces
 * must balance; `(name) { … }` at the top level defines a snippet; `import X`
 * brings in a snippet of that name, or the files matching X (relative to the
 * importing file's directory; here under --root). Imports are followed so
 * that trustform never edits an option that an import overrides, and lints
 * what Caddy would load.
 */
#include "stores/caddy/caddyfile.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IMPORT_FILES 256

size_t cf_match(const struct cf_tokens *t, size_t open)
{
	size_t depth = 0;
	for (size_t i = open; i < t->n; i++) {
		if (cf_is(&t->items[i], "{"))
			depth++;
		else if (cf_is(&t->items[i], "}") && --depth == 0)
			return i;
	}
	return t->n;
}

/* Braces balance, as Caddy requires ("Unexpected '}'", unexpected EOF). */
static int check_braces(const struct cf_file *f)
{
	size_t depth = 0, opened[64];
	for (size_t i = 0; i < f->toks.n; i++) {
		const struct cf_token *t = &f->toks.items[i];
		if (cf_is(t, "{")) {
			if (depth < 64)
				opened[depth] = i;
			depth++;
		} else if (cf_is(t, "}")) {
			/* Caddy takes a '}' after other tokens of its line as an
			 * argument, then finds the block unclosed ("Unexpected '}'") */
			if (i > 0 && !t->nl_before && !cf_is(&f->toks.items[i - 1], "{")) {
				err_set("%s:%d: this '}' is not on a line of its own (is the line "
					"before it continued with a '\\'?); Caddy refuses it too: "
					"put the '}' on its own line",
					f->path, t->line);
				return -1;
			}
			if (!depth) {
				err_set(
				    "%s:%d: this '}' closes nothing; remove it or add the '{' it "
				    "belongs to",
				    f->path, t->line);
				return -1;
			}
			depth--;
		}
	}
	if (depth) {
		const struct cf_token *t = &f->toks.items[opened[depth > 64 ? 63 : depth - 1]];
		err_set("%s:%d: this '{' is never closed; add its '}'", f->path, t->line);
		return -1;
	}
	return 0;
}

static bool is_snippet_name(const char *s)
{
	size_t n = strlen(s);
	return n > 2 && s[0] == '(' && s[n - 1] == ')';
}

/* Snippets are top-level blocks whose only key is "(name)". */
static void find_snippets(struct cf_doc *d, size_t fi)
{
	const struct cf_tokens *t = &d->files[fi].toks;
	for (size_t i = 0; i < t->n; i++) {
		const struct cf_token *k = &t->items[i];
		if (i + 1 < t->n && k->nl_before && !k->quote && is_snippet_name(k->text) &&
		    cf_is(&t->items[i + 1], "{") && !t->items[i + 1].nl_before) {
			size_t close = cf_match(t, i + 1);
			ARRAY_GROW(d->snippets, d->nsnippets + 1, d->snippets_alloc);
			struct cf_snippet *s = &d->snippets[d->nsnippets++];
			s->name = xstrndup(k->text + 1, strlen(k->text) - 2);
			s->file = fi;
			s->open = i + 1;
			s->close = close;
			i = close;
		} else if (cf_is(k, "{")) {
			i = cf_match(t, i); /* not top level any more */
		}
	}
}

static const struct cf_snippet *snippet_find(const struct cf_doc *d, const char *name)
{
	for (size_t i = 0; i < d->nsnippets; i++)
		if (!strcmp(d->snippets[i].name, name))
			return &d->snippets[i];
	return NULL;
}

static char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s != path ? xstrndup(path, (size_t)(s - path)) : xstrdup("/");
}

/* In-root absolute pattern of an import in file f. */
static char *import_pattern(const struct cf_doc *d, size_t f, const char *arg)
{
	if (arg[0] == '/')
		return path_normalize(arg);
	char *dir = dir_of(d->files[f].path);
	char *p = xasprintf("%s/%s", dir, arg);
	char *n = path_normalize(p);
	free(dir);
	free(p);
	return n;
}

static long file_find(const struct cf_doc *d, const char *path)
{
	for (size_t i = 0; i < d->nfiles; i++)
		if (!strcmp(d->files[i].path, path))
			return (long)i;
	return -1;
}

static int add_file(struct cf_doc *d, const char *path, const char *src, size_t len)
{
	if (d->nfiles >= MAX_IMPORT_FILES) {
		err_set("%s: more than %d files imported; trustform stops there", path,
			MAX_IMPORT_FILES);
		return -1;
	}
	ARRAY_GROW(d->files, d->nfiles + 1, d->files_alloc);
	struct cf_file *f = &d->files[d->nfiles];
	memset(f, 0, sizeof(*f));
	buf_init(&f->src); /* an empty file keeps a non-NULL pointer (memmem, memcmp) */
	f->path = xstrdup(path);
	buf_add(&f->src, src, len);
	d->nfiles++;
	if (cf_tokenize(&f->toks, path, src, len) < 0 || check_braces(f) < 0)
		return -1;
	find_snippets(d, d->nfiles - 1);
	return 0;
}

/* Host paths matching an in-root pattern, sorted (filepath.Glob sorts). */
static int glob_under_root(const struct cf_doc *d, const char *pattern, char ***out, size_t *n)
{
	char *host = root_join(d->root, pattern);
	glob_t g;
	int rc = glob(host, 0, NULL, &g);
	*out = NULL;
	*n = 0;
	if (rc == 0) {
		*out = xcalloc(g.gl_pathc, sizeof(**out));
		size_t rl = strlen(d->root);
		for (size_t i = 0; i < g.gl_pathc; i++)
			(*out)[(*n)++] = xstrdup(g.gl_pathv[i] + rl);
		globfree(&g);
	}
	if (rc != 0 && rc != GLOB_NOMATCH)
		err_set("%s: the import %s cannot be listed (%s); make its directory readable",
			d->files[0].path, pattern,
			rc == GLOB_NOSPACE ? "out of memory" : "a directory could not be read");
	free(host);
	return rc == 0 || rc == GLOB_NOMATCH ? 0 : -1;
}

static int load_imports(struct cf_doc *d, size_t fi);

static int load_path(struct cf_doc *d, const char *path)
{
	if (file_find(d, path) >= 0)
		return 0; /* already loaded (Caddy refuses real cycles itself) */
	char *host = root_resolve_host(d->root, path);
	struct buf b = BUF_INIT;
	int rc = -1;
	if (!host)
		goto out;
	if (buf_read_file(&b, host) < 0) {
		err_set_errno(errno, "%s: cannot read the Caddyfile", path_shown(host));
		goto out;
	}
	if (add_file(d, path, b.ptr, b.len) < 0)
		goto out;
	rc = load_imports(d, d->nfiles - 1);
out:
	buf_dispose(&b);
	free(host);
	return rc;
}

static void skip(struct cf_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void skip(struct cf_doc *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&d->skipped, &d->nskipped, &d->skipped_alloc, fmt, ap);
	va_end(ap);
}

/* Read the files that the imports of file fi name (snippets are resolved
 * once everything is read: a snippet may be defined in a later file). */
static int load_imports(struct cf_doc *d, size_t fi)
{
	for (size_t i = 0; i < d->files[fi].toks.n; i++) {
		const struct cf_token *t = &d->files[fi].toks.items[i];
		if (!cf_is(t, "import") || !t->nl_before)
			continue;
		if (i + 1 >= d->files[fi].toks.n || d->files[fi].toks.items[i + 1].nl_before) {
			err_set("%s:%d: import needs a file or snippet name", d->files[fi].path,
				t->line);
			return -1;
		}
		const char *arg = d->files[fi].toks.items[i + 1].text;
		if (snippet_find(d, arg) || strchr(arg, '{'))
			continue;
		char *pattern = import_pattern(d, fi, arg);
		char **paths;
		size_t n;
		int rc = glob_under_root(d, pattern, &paths, &n);
		for (size_t j = 0; j < n; j++) {
			if (rc == 0 && load_path(d, paths[j]) < 0)
				rc = -1;
			free(paths[j]);
		}
		free(paths);
		free(pattern);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Every import names a snippet or files, or Caddy refuses the file too.
 * Imports built from placeholders are listed as not followed. */
static int check_imports(struct cf_doc *d)
{
	for (size_t fi = 0; fi < d->nfiles; fi++) {
		const struct cf_tokens *t = &d->files[fi].toks;
		for (size_t i = 0; i + 1 < t->n; i++) {
			if (!cf_is(&t->items[i], "import") || !t->items[i].nl_before)
				continue;
			const char *arg = t->items[i + 1].text;
			if (snippet_find(d, arg))
				continue;
			if (strchr(arg, '{')) {
				skip(d, "%s:%d: import %s", d->files[fi].path, t->items[i].line,
				     arg);
				continue;
			}
			char *pattern = import_pattern(d, fi, arg);
			char **paths;
			size_t n;
			glob_under_root(d, pattern, &paths, &n);
			for (size_t j = 0; j < n; j++)
				free(paths[j]);
			free(paths);
			bool glob = strpbrk(pattern, "*?[") != NULL;
			if (!n && !glob) {
				err_set(
				    "%s:%d: import %s: no snippet of that name, and no file %s%s; "
				    "Caddy would refuse this too",
				    d->files[fi].path, t->items[i].line, arg,
				    *d->root ? "under --root " : "", pattern);
				free(pattern);
				return -1;
			}
			free(pattern);
		}
	}
	return 0;
}

/* The import graph (files and snippets) must be acyclic and shallow: every
 * walk that expands imports (edit, lint) recurses along it. Caddy refuses a
 * cycle too ("a cycle of imports exists"). */
#define MAX_IMPORT_DEPTH 64

struct inode { /* a file's whole range, or a snippet's body */
	size_t file, from, to;
	const char *name; /* the snippet's name or the file's path, for messages */
	bool snippet;
	int line; /* of the import that brought it */
};

struct walk {
	const struct cf_doc *d;
	struct inode stack[MAX_IMPORT_DEPTH + 1];
	size_t depth;
	struct inode *done; /* nodes fully walked: a DAG is walked once per node */
	size_t ndone, done_alloc;
};

static bool node_in(const struct inode *v, size_t n, const struct inode *x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].file == x->file && v[i].from == x->from)
			return true;
	return false;
}

static int walk_node(struct walk *w);

static int walk_child(struct walk *w, struct inode child)
{
	if (node_in(w->done, w->ndone, &child))
		return 0;
	const struct inode *top = &w->stack[w->depth - 1];
	if (node_in(w->stack, w->depth, &child)) {
		struct buf b = BUF_INIT;
		size_t first = 0;
		while (w->stack[first].file != child.file || w->stack[first].from != child.from)
			first++;
		for (size_t i = first; i <= w->depth; i++) {
			const struct inode *v = i < w->depth ? &w->stack[i] : &child;
			buf_printf(&b, v->snippet ? "%s(%s)" : "%s%s", i > first ? " -> " : "",
				   v->name);
		}
		err_set("%s:%d: import cycle: %s; Caddy refuses it too: remove one of these "
			"imports",
			w->d->files[top->file].path, child.line, b.ptr);
		buf_dispose(&b);
		return -1;
	}
	if (w->depth >= MAX_IMPORT_DEPTH) {
		err_set("%s:%d: imports nest more than %d levels deep; trustform stops there: "
			"flatten them",
			w->d->files[top->file].path, child.line, MAX_IMPORT_DEPTH);
		return -1;
	}
	w->stack[w->depth++] = child;
	int rc = walk_node(w);
	w->depth--;
	if (rc == 0) {
		ARRAY_GROW(w->done, w->ndone + 1, w->done_alloc);
		w->done[w->ndone++] = child;
	}
	return rc;
}

static int walk_node(struct walk *w)
{
	const struct inode cur = w->stack[w->depth - 1];
	const struct cf_doc *d = w->d;
	const struct cf_tokens *t = &d->files[cur.file].toks;
	for (size_t i = cur.from; i < cur.to && i < t->n; i++) {
		const struct cf_token *k = &t->items[i];
		if (!cur.snippet && k->nl_before && !k->quote && k->text[0] == '(' &&
		    i + 1 < cur.to && cf_is(&t->items[i + 1], "{")) {
			i = cf_match(t, i + 1); /* a definition: walked when imported */
			continue;
		}
		if (!cf_is(k, "import") || !k->nl_before || i + 1 >= t->n ||
		    t->items[i + 1].nl_before)
			continue;
		const char *arg = t->items[i + 1].text;
		const struct cf_snippet *sn = snippet_find(d, arg);
		int rc = 0;
		if (sn) {
			rc = walk_child(w, (struct inode){.file = sn->file,
							  .from = sn->open + 1,
							  .to = sn->close,
							  .name = sn->name,
							  .line = k->line,
							  .snippet = true});
		} else if (!strchr(arg, '{')) {
			char *pattern = import_pattern(d, cur.file, arg);
			char **paths;
			size_t n;
			if (glob_under_root(d, pattern, &paths, &n) < 0)
				n = 0;
			for (size_t j = 0; j < n; j++) {
				long fi = file_find(d, paths[j]);
				if (rc == 0 && fi >= 0)
					rc = walk_child(w, (struct inode){.file = (size_t)fi,
									  .to = d->files[fi].toks.n,
									  .name = d->files[fi].path,
									  .line = k->line});
				free(paths[j]);
			}
			free(paths);
			free(pattern);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int check_cycles(const struct cf_doc *d)
{
	struct walk *w = xcalloc(1, sizeof(*w));
	w->d = d;
	w->stack[0] = (struct inode){.to = d->files[0].toks.n, .name = d->files[0].path};
	w->depth = 1;
	int rc = walk_node(w);
	free(w->done);
	free(w);
	return rc;
}

int cf_doc_load_buffer(struct cf_doc *d, const char *root, const char *path, const char *src,
		       size_t len)
{
	memset(d, 0, sizeof(*d));
	d->root = root;
	char *norm = path_normalize(path);
	int rc = add_file(d, norm, src, len);
	free(norm);
	if (rc == 0)
		rc = load_imports(d, 0);
	if (rc == 0)
		rc = check_imports(d);
	if (rc == 0)
		rc = check_cycles(d);
	return rc;
}

void cf_doc_dispose(struct cf_doc *d)
{
	for (size_t i = 0; i < d->nfiles; i++) {
		free(d->files[i].path);
		buf_dispose(&d->files[i].src);
		cf_tokens_dispose(&d->files[i].toks);
	}
	free(d->files);
	for (size_t i = 0; i < d->nsnippets; i++)
		free(d->snippets[i].name);
	free(d->snippets);
	for (size_t i = 0; i < d->nskipped; i++)
		free(d->skipped[i]);
	free(d->skipped);
	memset(d, 0, sizeof(*d));
}

int cf_import_each(const struct cf_doc *d, size_t f, size_t at,
		   int (*fn)(const struct cf_doc *d, size_t file, size_t from, size_t to,
			     void *arg),
		   void *arg)
{
	const struct cf_tokens *t = &d->files[f].toks;
	if (at + 1 >= t->n)
		return 0;
	const char *name = t->items[at + 1].text;
	const struct cf_snippet *s = snippet_find(d, name);
	if (s)
		return fn(d, s->file, s->open + 1, s->close, arg);
	if (strchr(name, '{'))
		return 0;
	char *pattern = import_pattern(d, f, name);
	int rc = 0;
	char **paths;
	size_t n;
	if (glob_under_root(d, pattern, &paths, &n) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		long fi = file_find(d, paths[i]);
		if (!rc && fi >= 0)
			rc = fn(d, (size_t)fi, 0, d->files[fi].toks.n, arg);
		free(paths[i]);
	}
	free(paths);
	free(pattern);
	return rc;
}
