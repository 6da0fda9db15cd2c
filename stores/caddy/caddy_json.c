/*
 * Caddy's JSON config (`caddy.json:`): apps.pki.certificate_authorities.<id>
 * .intermediate_lifetime, set by splicing bytes so that the rest of the file
 * keeps its layout (a re-serialised file would make a reviewer read every
 * line). jansson parses and checks the document (duplicate keys refused: Go
 * would silently take the last); a small scanner over the checked text finds
 * the byte spans to change.
 */
#include "stores/caddy/caddy_json.h"
#include "stores/caddy/caddy.h"
#include "stores/caddy/caddy_int.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct scan {
	const char *s;
	size_t n, pos;
};

static void ws(struct scan *sc)
{
	while (sc->pos < sc->n && strchr(" \t\r\n", sc->s[sc->pos]))
		sc->pos++;
}

/* Skip one value of the (already validated) document. */
static void skip_value(struct scan *sc)
{
	ws(sc);
	char c = sc->s[sc->pos];
	if (c == '"') {
		for (sc->pos++; sc->pos < sc->n && sc->s[sc->pos] != '"'; sc->pos++)
			if (sc->s[sc->pos] == '\\')
				sc->pos++;
		sc->pos++;
	} else if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';
		sc->pos++;
		ws(sc);
		while (sc->pos < sc->n && sc->s[sc->pos] != close) {
			if (c == '{') {
				skip_value(sc); /* key */
				ws(sc);
				sc->pos++; /* : */
			}
			skip_value(sc);
			ws(sc);
			if (sc->s[sc->pos] == ',')
				sc->pos++;
			ws(sc);
		}
		sc->pos++;
	} else {
		while (sc->pos < sc->n && !strchr(",}] \t\r\n", sc->s[sc->pos]))
			sc->pos++;
	}
}

/* The string at pos equals key (escapes decoded; non-ASCII never matches). */
static bool key_is(const struct scan *sc, size_t pos, const char *key)
{
	size_t i = pos + 1;
	for (; i < sc->n && sc->s[i] != '"'; key++) {
		char c = sc->s[i++];
		if (c == '\\') {
			char e = sc->s[i++];
			if (e == 'u') {
				unsigned v = 0;
				if (sscanf(sc->s + i, "%4x", &v) != 1 || v > 0x7f)
					return false;
				c = (char)v;
				i += 4;
			} else {
				const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
				const char *at = strchr(from, e);
				c = at ? to[at - from] : e;
			}
		}
		if (!*key || *key != c)
			return false;
	}
	return !*key;
}

struct member_spans {
	bool found;
	size_t val_start, val_end; /* of the member's value */
	size_t close;		   /* the object's closing brace */
	size_t last_end;	   /* end of the last member's value, 0 if none */
	char sep[32];		   /* whitespace before the first member */
};

static void find_member(struct scan *sc, size_t open, const char *key, struct member_spans *m)
{
	memset(m, 0, sizeof(*m));
	sc->pos = open + 1;
	size_t before = sc->pos;
	ws(sc);
	size_t wsn = sc->pos - before;
	memcpy(m->sep, sc->s + before, wsn < sizeof(m->sep) ? wsn : sizeof(m->sep) - 1);
	while (sc->s[sc->pos] != '}') {
		size_t k = sc->pos;
		skip_value(sc);
		ws(sc);
		sc->pos++; /* : */
		ws(sc);
		size_t vs = sc->pos;
		skip_value(sc);
		if (key_is(sc, k, key)) {
			m->found = true;
			m->val_start = vs;
			m->val_end = sc->pos;
		}
		m->last_end = sc->pos;
		ws(sc);
		if (sc->s[sc->pos] == ',')
			sc->pos++;
		ws(sc);
	}
	m->close = sc->pos;
}

static const char *const lifetime_path[] = {"apps", "pki", "certificate_authorities", NULL,
					    "intermediate_lifetime"};
#define PATH_LEN 5

/* The new members from path[from] on, in the file's style (compact if the
 * object it goes into is). */
static void nested(struct buf *out, const char *const *path, size_t from, const char *want,
		   bool compact)
{
	const char *colon = compact ? ":" : ": ";
	for (size_t i = from; i < PATH_LEN; i++)
		buf_printf(out, "\"%s\"%s%s", path[i], colon, i + 1 < PATH_LEN ? "{" : "");
	buf_printf(out, "\"%s\"", want);
	for (size_t i = from; i + 1 < PATH_LEN; i++)
		buf_putc(out, '}');
}

int cj_set_lifetime(struct cj_lifetime *r, const char *name, const char *src, size_t len,
		    const char *ca, const char *want)
{
	json_error_t jerr;
	memset(r, 0, sizeof(*r));
	/* jansson stops at a raw NUL as if the text ended there (and may accept
	 * what precedes it), while Caddy refuses the byte: refuse it first. */
	const char *nul = memchr(src, '\0', len);
	if (nul) {
		int line = 1, col = 1;
		for (const char *p = src; p < nul; p++, col++)
			if (*p == '\n') {
				line++;
				col = 0;
			}
		err_set("%s:%d:%d: a NUL byte; Caddy cannot load it either: remove it", name, line,
			col);
		return -1;
	}
	json_t *doc = json_loadb(src, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		err_set("%s:%d:%d: %s; Caddy cannot load it either: fix the JSON", name, jerr.line,
			jerr.column, jerr.text);
		return -1;
	}
	const char *path[PATH_LEN];
	memcpy(path, lifetime_path, sizeof(path));
	path[3] = ca;
	int rc = -1;
	json_t *node = doc;
	for (size_t i = 0; i < PATH_LEN - 1 && node; i++) {
		if (!json_is_object(node)) {
			err_set("%s: %s%s is not an object; Caddy cannot load it either", name,
				i ? "the value of " : "the document", i ? path[i - 1] : "");
			goto out;
		}
		node = json_object_get(node, path[i]);
	}
	if (node && !json_is_object(node)) {
		err_set("%s: apps.pki.certificate_authorities.%s is not an object", name, ca);
		goto out;
	}
	json_t *have = node ? json_object_get(node, "intermediate_lifetime") : NULL;
	if (json_is_string(have)) {
		r->have = xstrdup(json_string_value(have));
	} else if (json_is_integer(have)) {
		r->have = xasprintf("%lld", (long long)json_integer_value(have));
		r->have_is_ns = true;
	} else if (have) {
		err_set("%s: apps.pki.certificate_authorities.%s.intermediate_lifetime must be a "
			"duration string or nanoseconds",
			name, ca);
		goto out;
	}

	struct scan sc = {src, len, 0};
	ws(&sc);
	size_t open = sc.pos;
	struct member_spans m;
	for (size_t i = 0; i < PATH_LEN; i++) {
		find_member(&sc, open, path[i], &m);
		if (m.found && i + 1 < PATH_LEN) {
			sc.pos = m.val_start;
			open = m.val_start;
			continue;
		}
		struct buf text = BUF_INIT;
		size_t at, cut = 0;
		if (m.found) {
			at = m.val_start;
			cut = m.val_end - m.val_start;
			buf_printf(&text, "\"%s\"", want);
		} else if (m.last_end) {
			at = m.last_end;
			buf_printf(&text, ",%s", *m.sep ? m.sep : "");
			nested(&text, path, i, want, !*m.sep);
		} else {
			at = open + 1;
			nested(&text, path, i, want, true);
		}
		buf_add(&r->out, src, at);
		buf_add(&r->out, text.ptr, text.len);
		buf_add(&r->out, src + at + cut, len - at - cut);
		buf_dispose(&text);
		break;
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

void cj_lifetime_dispose(struct cj_lifetime *r)
{
	free(r->have);
	buf_dispose(&r->out);
	memset(r, 0, sizeof(*r));
}

static void lint_walk(json_t *v, struct buf *path, char ***where, size_t *n, size_t *alloc)
{
	size_t len = path->len;
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach(v, k, c)
		{
			buf_printf(path, "%s%s", len ? "." : "", k);
			if (!strcmp(k, "insecure_skip_verify") && json_is_true(c)) {
				ARRAY_GROW(*where, *n + 1, *alloc);
				(*where)[(*n)++] = xstrdup(path->ptr);
			}
			lint_walk(c, path, where, n, alloc);
			buf_truncate(path, len);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c)
		{
			buf_printf(path, "[%zu]", i);
			lint_walk(c, path, where, n, alloc);
			buf_truncate(path, len);
		}
	}
}

void cj_lint_insecure(const char *src, size_t len, char ***where, size_t *n)
{
	size_t alloc = 0;
	struct buf path = BUF_INIT;
	*where = NULL;
	*n = 0;
	json_t *doc = json_loadb(src, len, 0, NULL);
	if (doc)
		lint_walk(doc, &path, where, n, &alloc);
	json_decref(doc);
	buf_dispose(&path);
}
