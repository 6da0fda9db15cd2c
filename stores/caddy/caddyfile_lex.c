/*
 * Caddy's Caddyfile lexer (caddyconfig/caddyfile/lexer.go), byte for byte in
 * its decisions, keeping each token's span: a token ends at whitespace unless
 * it started with " or ` (then at the closing quote; inside "…" only \" is an
 * escape); # starts a comment only at the start of a token; a backslash
 * before a newline joins two lines; <<MARKER on its own starts a heredoc;
 * \r is ignored; Unicode spaces separate tokens as ASCII ones do.
 */
#include "stores/caddy/caddyfile.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of the whitespace character at p (Go's unicode.IsSpace), or 0. */
static size_t space_len(const unsigned char *p, size_t left)
{
	if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		return 1;
	if (left >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
		return 2;
	if (left >= 3 && p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80)
		return 3; /* U+1680 */
	if (left >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
	    ((p[2] >= 0x80 && p[2] <= 0x8a) || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf))
		return 3; /* U+2000–200A, U+2028, U+2029, U+202F */
	if (left >= 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f)
		return 3; /* U+205F */
	if (left >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
		return 3; /* U+3000 */
	return 0;
}

static bool marker_ok(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* lexer.finalizeHeredoc: the whitespace before the closing marker is taken
 * off every line; the marker and the last newline go. */
static int heredoc_strip(struct buf *val, size_t mlen)
{
	size_t body = val->len - mlen, last = body;
	while (last && val->ptr[last - 1] != '\n')
		last--;
	size_t pad = body - last;
	struct buf out = BUF_INIT;
	int rc = 0;
	for (size_t s = 0; s < last;) {
		const char *nl = memchr(val->ptr + s, '\n', last - s);
		size_t e = (size_t)(nl - val->ptr); /* last ends a line, so nl is found */
		size_t n = e - s;
		if (n && !(n == 1 && val->ptr[s] == '\r')) {
			if (n < pad || memcmp(val->ptr + s, val->ptr + last, pad)) {
				rc = -1;
				break;
			}
			for (size_t i = s + pad; i < e; i++)
				if (val->ptr[i] != '\r')
					buf_putc(&out, val->ptr[i]);
		}
		buf_putc(&out, '\n');
		s = e + 1;
	}
	if (out.len)
		buf_truncate(&out, out.len - 1);
	if (rc == 0) {
		buf_reset(val);
		buf_add(val, out.ptr, out.len);
	}
	buf_dispose(&out);
	return rc;
}

struct lexer {
	const char *name, *src;
	size_t len, pos;
	int line;	 /* physical line of pos */
	bool nl_pending; /* a logical newline since the last token */
};

static void emit(struct cf_tokens *out, struct lexer *lx, size_t start, int line, bool nl,
		 struct buf *val, char quote, size_t end)
{
	ARRAY_GROW(out->items, out->n + 1, out->alloc);
	struct cf_token *t = &out->items[out->n++];
	t->start = start;
	t->end = end;
	t->line = line;
	t->nl_before = nl;
	t->quote = quote;
	t->text = buf_detach(val);
	(void)lx;
}

/* One token, as lexer.next(): 1 emitted, 0 at the end, -1 on error. */
static int next_token(struct cf_tokens *out, struct lexer *lx)
{
	struct buf val = BUF_INIT;
	bool comment = false, quoted = false, bt = false, escaped = false;
	bool heredoc = false, heredoc_escaped = false;
	size_t start = 0, esc_pos = 0, mlen = 0, tend = 0;
	int tline = 0;
	bool tnl = false, started = false;
	char marker[128];

	while (lx->pos < lx->len) {
		const unsigned char *p = (const unsigned char *)lx->src + lx->pos;
		size_t sp = space_len(p, lx->len - lx->pos);
		char ch = (char)*p;
		size_t here = lx->pos;
		lx->pos += sp ? sp : 1;
		if (ch == '\n')
			lx->line++;

		if (!quoted && !bt && !heredoc && !heredoc_escaped && val.len > 1 &&
		    !strncmp(val.ptr, "<<", 2)) {
			if (ch == ' ') {
				emit(out, lx, start, tline, tnl, &val, 0, tend);
				return 1;
			}
			if (ch == '\r')
				continue;
			if (ch == '\n') {
				if (val.len == 2 || val.ptr[2] == '<' ||
				    !marker_ok(val.ptr + 2, val.len - 2) ||
				    val.len - 2 >= sizeof(marker)) {
					err_set(
					    "%s:%d: a heredoc needs a marker of letters, digits, - "
					    "and _ after exactly two '<' (<<END)",
					    lx->name, tline);
					goto fail;
				}
				mlen = val.len - 2;
				memcpy(marker, val.ptr + 2, mlen);
				buf_reset(&val);
				heredoc = true;
				continue;
			}
			buf_putc(&val, ch);
			tend = lx->pos;
			continue;
		}
		if (heredoc) {
			buf_add(&val, p, sp ? sp : 1);
			if (val.len >= mlen && !memcmp(val.ptr + val.len - mlen, marker, mlen)) {
				if (heredoc_strip(&val, mlen) < 0) {
					err_set("%s:%d: the lines of heredoc <<%.*s must start "
						"with the "
						"whitespace before its closing marker",
						lx->name, tline, (int)mlen, marker);
					goto fail;
				}
				emit(out, lx, start, tline, tnl, &val, '<', lx->pos);
				return 1;
			}
			continue;
		}
		if (!escaped && !bt && ch == '\\') {
			escaped = true;
			esc_pos = here;
			continue;
		}
		if (quoted || bt) {
			if (quoted && escaped) {
				if (ch != '"')
					buf_putc(&val, '\\');
				escaped = false;
			} else if ((quoted && ch == '"') || (bt && ch == '`')) {
				emit(out, lx, start, tline, tnl, &val, ch, lx->pos);
				return 1;
			}
			buf_add(&val, p, sp ? sp : 1);
			continue;
		}
		if (sp) {
			if (ch == '\r')
				continue;
			bool newline = false;
			if (ch == '\n') {
				if (escaped)
					escaped = false; /* a joined line */
				else
					newline = true;
				comment = false;
			}
			if (val.len) {
				emit(out, lx, start, tline, tnl, &val, 0, tend);
				lx->nl_pending |= newline;
				return 1;
			}
			lx->nl_pending |= newline;
			continue;
		}
		if (ch == '#' && !val.len)
			comment = true;
		if (comment)
			continue;
		if (!val.len && !started) {
			started = true;
			start = escaped ? esc_pos : here;
			tline = lx->line;
			tnl = lx->nl_pending;
			lx->nl_pending = false;
			if (ch == '"') {
				quoted = true;
				continue;
			}
			if (ch == '`') {
				bt = true;
				continue;
			}
		}
		if (escaped) {
			if (ch == '<')
				heredoc_escaped = true;
			else
				buf_putc(&val, '\\');
			escaped = false;
		}
		buf_putc(&val, ch);
		tend = lx->pos;
	}
	if (heredoc) {
		err_set("%s:%d: the heredoc <<%.*s is never closed by its marker", lx->name, tline,
			(int)mlen, marker);
		goto fail;
	}
	if (quoted || bt) {
		err_set("%s:%d: the %s opened here is never closed", lx->name, tline,
			quoted ? "quote (\")" : "backquote (`)");
		goto fail;
	}
	if (val.len) {
		emit(out, lx, start, tline, tnl, &val, 0, tend);
		return 1;
	}
	buf_dispose(&val);
	return 0;
fail:
	buf_dispose(&val);
	return -1;
}

int cf_tokenize(struct cf_tokens *out, const char *name, const char *src, size_t len)
{
	struct lexer lx = {.name = name, .src = src, .len = len, .line = 1, .nl_pending = true};
	memset(out, 0, sizeof(*out));
	if (len >= 3 && !memcmp(src, "\xef\xbb\xbf", 3))
		lx.pos = 3; /* a byte order mark, as Caddy discards it */
	int rc;
	while ((rc = next_token(out, &lx)) == 1)
		;
	if (rc < 0) {
		cf_tokens_dispose(out);
		return -1;
	}
	return 0;
}

void cf_tokens_dispose(struct cf_tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->items[i].text);
	free(t->items);
	memset(t, 0, sizeof(*t));
}

bool cf_is(const struct cf_token *t, const char *text)
{
	return !t->quote && !strcmp(t->text, text);
}
