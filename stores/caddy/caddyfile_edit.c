/*
 * Setting `pki { ca <id> { intermediate_lifetime <d> } }` in the Caddyfile's
 * global options block, changing only the bytes that must change.
 *
 * Caddy's rules this follows: the global options block is the first block
 * that is not a snippet and has no keys (`{` first); a later option of the
 * same name replaces an earlier one, and so do `ca` blocks of the same id and
 * repeated sub-options, so the last one is the one edited; `ca` without an id
 * is "local". What would make an edit unsafe is refused instead: global
 * options from an imported file, and a pki option brought by an import.
 * New lines take the file's indentation (tabs, or its first indent of spaces)
 * and line endings.
 */
#include "stores/caddy/caddyfile.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct seg {
	size_t first, last; /* token indexes */
	bool block;
	size_t open, close;
};

/* Segments (lines at depth 0, each with its block) between braces. */
static size_t segments(const struct cf_tokens *t, size_t open, size_t close, struct seg **out)
{
	size_t n = 0, alloc = 0;
	*out = NULL;
	for (size_t i = open + 1; i < close; i++) {
		const struct cf_token *k = &t->items[i];
		if (!n || k->nl_before) {
			ARRAY_GROW(*out, n + 1, alloc);
			memset(&(*out)[n], 0, sizeof(**out));
			(*out)[n].first = i;
			n++;
		}
		struct seg *s = &(*out)[n - 1];
		s->last = i;
		if (cf_is(k, "{")) {
			size_t m = cf_match(t, i);
			if (!s->block) {
				s->block = true;
				s->open = i;
				s->close = m;
			}
			s->last = m;
			i = m;
		}
	}
	return n;
}

struct editor {
	const struct cf_doc *d;
	const struct cf_file *f;
	const char *nl; /* "\n" or "\r\n", as the file has it */
	char unit[16];	/* one level of indentation */
	const char *ca, *want;
};

static size_t line_start(const struct buf *src, size_t off)
{
	while (off && src->ptr[off - 1] != '\n')
		off--;
	return off;
}

static char *indent_at(const struct buf *src, size_t off)
{
	size_t s = line_start(src, off), e = s;
	while (e < src->len && (src->ptr[e] == ' ' || src->ptr[e] == '\t'))
		e++;
	return xstrndup(src->ptr + s, e - s);
}

static bool first_on_line(const struct buf *src, const struct cf_token *t)
{
	for (size_t i = line_start(src, t->start); i < t->start; i++)
		if (src->ptr[i] != ' ' && src->ptr[i] != '\t')
			return false;
	return true;
}

static void detect_style(struct editor *e)
{
	const struct buf *src = &e->f->src;
	e->nl = memmem(src->ptr, src->len, "\r\n", 2) ? "\r\n" : "\n";
	strcpy(e->unit, "\t");
	/* the first indented line that is not blank or a comment */
	for (size_t s = 0; s < src->len;) {
		size_t n = 0;
		while (s + n < src->len && src->ptr[s + n] == ' ')
			n++;
		if (s < src->len && src->ptr[s] == '\t')
			return;
		char c = s + n < src->len ? src->ptr[s + n] : '\n';
		if (n && c != '\n' && c != '\r' && c != '#') {
			if (n >= sizeof(e->unit))
				n = sizeof(e->unit) - 1;
			memset(e->unit, ' ', n);
			e->unit[n] = '\0';
			return;
		}
		const char *nl = memchr(src->ptr + s, '\n', src->len - s);
		if (!nl)
			return;
		s = (size_t)(nl - src->ptr) + 1;
	}
}

/* The block lines to add, from a depth: pki > ca > intermediate_lifetime. */
enum level { LVL_PKI, LVL_CA, LVL_LIFETIME };

static void block_lines(const struct editor *e, struct buf *out, const char *base, enum level from)
{
	const char *opens[] = {"pki {", NULL, NULL};
	char *ca = xasprintf("ca %s {", e->ca);
	char *life = xasprintf("intermediate_lifetime %s", e->want);
	opens[1] = ca;
	struct buf ind = BUF_INIT;
	buf_puts(&ind, base);
	for (int l = (int)from; l <= (int)LVL_LIFETIME; l++) {
		buf_printf(out, "%s%s%s", ind.ptr, l == LVL_LIFETIME ? life : opens[l], e->nl);
		buf_puts(&ind, e->unit);
	}
	for (int l = (int)LVL_CA; l >= (int)from; l--) {
		buf_truncate(&ind, strlen(base) + (size_t)(l - (int)from) * strlen(e->unit));
		buf_printf(out, "%s}%s", ind.ptr, e->nl);
	}
	buf_dispose(&ind);
	free(ca);
	free(life);
}

struct splice {
	size_t at, cut; /* replace cut bytes at offset at */
	struct buf text;
};

/* Lines for a new child block, before the closing brace of a block whose
 * segments are segs (their indentation sets the new lines'). */
static void insert_before_close(const struct editor *e, size_t close, const struct seg *segs,
				size_t nsegs, const char *owner_indent, enum level from,
				struct splice *sp)
{
	const struct buf *src = &e->f->src;
	const struct cf_token *c = &e->f->toks.items[close];
	char *inner = NULL;
	if (nsegs && first_on_line(src, &e->f->toks.items[segs[0].first]))
		inner = indent_at(src, e->f->toks.items[segs[0].first].start);
	else
		inner = xasprintf("%s%s", owner_indent, e->unit);
	if (first_on_line(src, c)) {
		sp->at = line_start(src, c->start);
		block_lines(e, &sp->text, inner, from);
	} else {
		sp->at = c->start;
		buf_puts(&sp->text, e->nl);
		block_lines(e, &sp->text, inner, from);
		buf_puts(&sp->text, owner_indent);
	}
	free(inner);
}

/* A comment can follow a quoted token with no space between (`"x"#c`); text
 * put in front of it must end in a space, or the comment would become part
 * of the new last token. */
static void keep_apart(const struct buf *src, size_t at, struct buf *text)
{
	if (at < src->len && src->ptr[at] == '#')
		buf_putc(text, ' ');
}

/* A block for an option written without one (`pki`, `ca local`). */
static void add_block_after(const struct editor *e, size_t last, const char *owner_indent,
			    enum level from, struct splice *sp)
{
	char *inner = xasprintf("%s%s", owner_indent, e->unit);
	sp->at = e->f->toks.items[last].end;
	buf_printf(&sp->text, " {%s", e->nl);
	block_lines(e, &sp->text, inner, from);
	buf_printf(&sp->text, "%s}", owner_indent);
	keep_apart(&e->f->src, sp->at, &sp->text);
	free(inner);
}

static int has_pki(const struct cf_doc *d, size_t file, size_t from, size_t to, void *arg)
{
	const struct cf_tokens *t = &d->files[file].toks;
	for (size_t i = from; i < to; i++) {
		if (cf_is(&t->items[i], "{")) {
			i = cf_match(t, i);
			continue;
		}
		if (cf_is(&t->items[i], "pki") && t->items[i].nl_before) {
			*(const char **)arg = d->files[file].path;
			return t->items[i].line;
		}
	}
	return 0;
}

/* Refuse imports inside a block whose options trustform edits. */
static int no_imports(const struct editor *e, const struct seg *segs, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		const struct cf_token *t = &e->f->toks.items[segs[i].first];
		if (cf_is(t, "import")) {
			err_set("%s:%d: the %s block imports %s; trustform does not edit options "
				"that an import may set: write them in the block itself",
				e->f->path, t->line, what,
				e->f->toks.items[segs[i].first + 1].text);
			return -1;
		}
	}
	return 0;
}

static const char *ca_id(const struct editor *e, const struct seg *s)
{
	size_t end = s->block ? s->open : s->last + 1;
	return s->first + 1 < end ? e->f->toks.items[s->first + 1].text : "local";
}

static int edit_ca(struct editor *e, const struct seg *ca, struct cf_lifetime *r, struct splice *sp)
{
	const struct cf_tokens *t = &e->f->toks;
	char *ind = indent_at(&e->f->src, t->items[ca->first].start);
	struct seg *segs = NULL;
	int rc = -1;
	if (!ca->block) {
		add_block_after(e, ca->last, ind, LVL_LIFETIME, sp);
		rc = 0;
		goto out;
	}
	size_t n = segments(t, ca->open, ca->close, &segs);
	if (no_imports(e, segs, n, "ca") < 0)
		goto out;
	const struct seg *life = NULL;
	for (size_t i = 0; i < n; i++)
		if (cf_is(&t->items[segs[i].first], "intermediate_lifetime"))
			life = &segs[i];
	if (!life) {
		insert_before_close(e, ca->close, segs, n, ind, LVL_LIFETIME, sp);
		rc = 0;
		goto out;
	}
	const struct cf_token *k = &t->items[life->first];
	size_t args = life->last - life->first;
	if (life->block || args > 1) {
		err_set("%s:%d: intermediate_lifetime takes one duration, and Caddy refuses this "
			"line; fix it by hand",
			e->f->path, k->line);
		goto out;
	}
	if (args == 0) {
		sp->at = k->end;
		buf_printf(&sp->text, " %s", e->want);
		keep_apart(&e->f->src, sp->at, &sp->text);
	} else {
		const struct cf_token *v = &t->items[life->first + 1];
		r->have = xstrdup(v->text);
		r->have_line = v->line;
		sp->at = v->start;
		sp->cut = v->end - v->start;
		buf_puts(&sp->text, e->want);
		keep_apart(&e->f->src, v->end, &sp->text);
	}
	rc = 0;
out:
	free(segs);
	free(ind);
	return rc;
}

static int edit_pki(struct editor *e, const struct seg *pki, struct cf_lifetime *r,
		    struct splice *sp)
{
	const struct cf_tokens *t = &e->f->toks;
	char *ind = indent_at(&e->f->src, t->items[pki->first].start);
	struct seg *segs = NULL;
	int rc = -1;
	if (!pki->block) {
		if (pki->last != pki->first) {
			err_set(
			    "%s:%d: pki takes no arguments, and Caddy refuses this line; fix it "
			    "by hand",
			    e->f->path, t->items[pki->first].line);
			goto out;
		}
		add_block_after(e, pki->last, ind, LVL_CA, sp);
		rc = 0;
		goto out;
	}
	size_t n = segments(t, pki->open, pki->close, &segs);
	if (no_imports(e, segs, n, "pki") < 0)
		goto out;
	const struct seg *ca = NULL;
	for (size_t i = 0; i < n; i++)
		if (cf_is(&t->items[segs[i].first], "ca") && !strcmp(ca_id(e, &segs[i]), e->ca))
			ca = &segs[i];
	if (ca)
		rc = edit_ca(e, ca, r, sp);
	else {
		insert_before_close(e, pki->close, segs, n, ind, LVL_CA, sp);
		rc = 0;
	}
out:
	free(segs);
	free(ind);
	return rc;
}

static int edit_global(struct editor *e, size_t open, size_t close, struct cf_lifetime *r,
		       struct splice *sp)
{
	const struct cf_tokens *t = &e->f->toks;
	struct seg *segs = NULL;
	size_t n = segments(t, open, close, &segs);
	const struct seg *pki = NULL;
	int rc = -1;
	for (size_t i = 0; i < n; i++) {
		const struct cf_token *k = &t->items[segs[i].first];
		const char *from = NULL;
		int line;
		if (cf_is(k, "pki"))
			pki = &segs[i];
		else if (cf_is(k, "import") &&
			 (line = cf_import_each(e->d, 0, segs[i].first, has_pki, &from)) > 0) {
			err_set("%s:%d: the global options import %s, which sets pki (%s:%d); "
				"trustform edits only %s: move the pki option into it, or set "
				"intermediate_lifetime there by hand",
				e->f->path, k->line, t->items[segs[i].first + 1].text, from, line,
				e->f->path);
			goto out;
		}
	}
	char *ind = indent_at(&e->f->src, t->items[open].start);
	if (pki)
		rc = edit_pki(e, pki, r, sp);
	else {
		insert_before_close(e, close, segs, n, ind, LVL_PKI, sp);
		rc = 0;
	}
	free(ind);
out:
	free(segs);
	return rc;
}

struct first_block {
	bool found, global;
	size_t file, open, close;
	const char *via; /* the import that brought it, if any */
	int via_line;
};

/* Caddy's first server block of a token range (snippets and imports
 * expanded); found stays false when the range holds none. */
static int find_first(const struct cf_doc *d, size_t file, size_t from, size_t to, void *arg)
{
	struct first_block *fb = arg;
	const struct cf_tokens *t = &d->files[file].toks;
	for (size_t i = from; i < to && !fb->found; i++) {
		const struct cf_token *k = &t->items[i];
		if (cf_is(k, "import") && k->nl_before) {
			cf_import_each(d, file, i, find_first, fb);
			if (fb->found && !fb->via) {
				fb->via = t->items[i + 1].text;
				fb->via_line = k->line;
			}
			while (i + 1 < to && !t->items[i + 1].nl_before)
				i++;
			continue;
		}
		if (!k->quote && k->text[0] == '(' && i + 1 < to && cf_is(&t->items[i + 1], "{")) {
			i = cf_match(t, i + 1);
			continue;
		}
		fb->found = true;
		fb->global = cf_is(k, "{");
		fb->file = file;
		fb->open = i;
		fb->close = fb->global ? cf_match(t, i) : i;
	}
	return fb->found;
}

int cf_set_lifetime(struct cf_lifetime *r, const struct cf_doc *d, const char *ca, const char *want)
{
	struct editor e = {.d = d, .f = &d->files[0], .ca = ca, .want = want};
	struct splice sp = {0, 0, BUF_INIT};
	struct first_block fb = {0};
	const struct buf *src = &e.f->src;
	int rc = -1;
	memset(r, 0, sizeof(*r));
	detect_style(&e);
	find_first(d, 0, 0, e.f->toks.n, &fb);
	if (fb.found && fb.global && fb.file != 0) {
		err_set("%s:%d: the global options block comes from import %s (%s); trustform "
			"edits only %s: set intermediate_lifetime in that file by hand, or move "
			"the block into %s",
			e.f->path, fb.via_line, fb.via, d->files[fb.file].path, e.f->path,
			e.f->path);
		goto out;
	}
	if (fb.found && fb.global) {
		if (edit_global(&e, fb.open, fb.close, r, &sp) < 0)
			goto out;
	} else if (e.f->toks.n) {
		/* no global block: a new one before the first token, comments kept above */
		sp.at = line_start(src, e.f->toks.items[0].start);
		if (!sp.at && src->len >= 3 && !memcmp(src->ptr, "\xef\xbb\xbf", 3))
			sp.at = 3;
		buf_printf(&sp.text, "{%s", e.nl);
		block_lines(&e, &sp.text, e.unit, LVL_PKI);
		buf_printf(&sp.text, "}%s%s", e.nl, e.nl);
	} else {
		sp.at = src->len;
		if (src->len && src->ptr[src->len - 1] != '\n')
			buf_puts(&sp.text, e.nl);
		buf_printf(&sp.text, "{%s", e.nl);
		block_lines(&e, &sp.text, e.unit, LVL_PKI);
		buf_printf(&sp.text, "}%s", e.nl);
	}
	buf_add(&r->out, src->ptr, sp.at);
	buf_add(&r->out, sp.text.ptr, sp.text.len);
	buf_add(&r->out, src->ptr + sp.at + sp.cut, src->len - sp.at - sp.cut);
	rc = 0;
out:
	buf_dispose(&sp.text);
	return rc;
}

void cf_lifetime_dispose(struct cf_lifetime *r)
{
	free(r->have);
	buf_dispose(&r->out);
	memset(r, 0, sizeof(*r));
}

void cf_lint_insecure(const struct cf_doc *d, char ***where, size_t *n)
{
	size_t alloc = 0;
	*where = NULL;
	*n = 0;
	for (size_t f = 0; f < d->nfiles; f++)
		for (size_t i = 0; i < d->files[f].toks.n; i++)
			if (cf_is(&d->files[f].toks.items[i], "tls_insecure_skip_verify")) {
				ARRAY_GROW(*where, *n + 1, alloc);
				(*where)[(*n)++] = xasprintf("%s:%d", d->files[f].path,
							     d->files[f].toks.items[i].line);
			}
}
