/* pip.conf, npmrc and git-config cut into logical lines; see cfgsyntax.h. */
#include "stores/files/cfgsyntax.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MARK_BEGIN "# trustform:begin "
#define MARK_END   "# trustform:end "

static bool is_sp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static char *lower(char *s)
{
	for (char *c = s; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return s;
}

/* pip's own normalisation of an option's name (configuration.py): lower
 * case, '_' as '-', a leading "--" dropped: `trusted_host` and `--cert` are
 * `trusted-host` and `cert`. */
static char *pip_key(char *s)
{
	for (char *c = lower(s); *c; c++)
		*c = *c == '_' ? '-' : *c;
	if (!strncmp(s, "--", 2))
		memmove(s, s + 2, strlen(s + 2) + 1);
	return s;
}

/* A copy of [p, q) without the blanks around it. */
static char *trimmed(const char *p, const char *q)
{
	while (p < q && is_sp(*p))
		p++;
	while (q > p && is_sp(q[-1]))
		q--;
	return xstrndup(p, (size_t)(q - p));
}

static struct cfg_entry *add(struct cfg_doc *d, size_t start, size_t end, size_t line,
			     enum cfg_kind kind, const char *section)
{
	if (d->n == d->alloc) {
		d->alloc = d->alloc ? 2 * d->alloc : 32;
		d->e = xrealloc(d->e, d->alloc * sizeof(*d->e));
	}
	struct cfg_entry *e = &d->e[d->n++];
	memset(e, 0, sizeof(*e));
	e->start = start;
	e->end = end;
	e->line = line;
	e->kind = kind;
	e->section = xstrdup(section);
	return e;
}

static char *join(const char *section, const char *key)
{
	return *section ? xasprintf("%s.%s", section, key) : xstrdup(key);
}

/* A comment: is it one of trustform's markers? */
static void markers(struct cfg_entry *e, const char *p, const char *q)
{
	char *t = trimmed(p, q);
	size_t nb = strlen(MARK_BEGIN), ne = strlen(MARK_END);
	if (!strncmp(t, MARK_BEGIN, nb) && t[nb] && !strpbrk(t + nb, " \t")) {
		e->mark = 1;
		e->mark_store = xstrdup(t + nb);
	} else if (!strncmp(t, MARK_END, ne) && t[ne] && !strpbrk(t + ne, " \t")) {
		e->mark = 2;
		e->mark_store = xstrdup(t + ne);
	}
	free(t);
}

/* --- pip.conf (configparser) and npmrc (ini) ------------------------------------ */

/* npm's ini: a quoted value is taken as it is; else an unescaped ; or # ends it. */
static char *npm_value(const char *p, const char *q)
{
	char *t = trimmed(p, q);
	size_t n = strlen(t);
	if (n >= 2 && (t[0] == '"' || t[0] == '\'') && t[n - 1] == t[0]) {
		char *v = xstrndup(t + 1, n - 2);
		free(t);
		return v;
	}
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\\' && (t[i + 1] == ';' || t[i + 1] == '#' || t[i + 1] == '\\'))
			buf_putc(&b, t[++i]);
		else if (t[i] == ';' || t[i] == '#')
			break;
		else
			buf_putc(&b, t[i]);
	}
	free(t);
	char *raw = buf_detach(&b);
	char *v = trimmed(raw, raw + strlen(raw));
	free(raw);
	return v;
}

static void parse_line_ini(struct cfg_doc *d, char **section, size_t s, size_t q, size_t line)
{
	const char *p = d->data + s, *end = d->data + q;
	const char *eol = end > p && end[-1] == '\n' ? end - 1 : end;
	const char *f = p;
	while (f < eol && is_sp(*f))
		f++;
	bool pip = d->syn == CFG_PIP;
	struct cfg_entry *last = d->n ? &d->e[d->n - 1] : NULL;
	if (f == eol) {
		add(d, s, q, line, CE_BLANK, *section);
		return;
	}
	if (*f == '#' || *f == ';') {
		markers(add(d, s, q, line, CE_COMMENT, *section), p, eol);
		return;
	}
	/* configparser: an indented line after a setting continues its value */
	if (pip && f > p && last && last->kind == CE_KEY && last->value) {
		char *t = trimmed(f, eol);
		char *v = xasprintf("%s\n%s", last->value, t);
		free(t);
		free(last->value);
		last->value = v;
		last->end = q;
		return;
	}
	if (*f == '[') {
		const char *close = eol;
		while (close > f && close[-1] != ']')
			close--;
		bool whole = true;
		for (const char *c = close; c < eol; c++)
			whole = whole && is_sp(*c);
		if (close > f + 1 && (pip || whole)) {
			free(*section);
			*section = xstrndup(f + 1, (size_t)(close - 1 - (f + 1)));
			add(d, s, q, line, CE_SECTION, *section);
			return;
		}
	}
	const char *sep = f;
	while (sep < eol && *sep != '=' && !(pip && *sep == ':'))
		sep++;
	if (pip && sep == eol) {
		add(d, s, q, line, CE_OTHER, *section);
		return;
	}
	char *key = trimmed(f, sep);
	if (pip)
		pip_key(key);
	struct cfg_entry *e = add(d, s, q, line, CE_KEY, *section);
	if (!pip) { /* ini unquotes keys as values */
		char *k = npm_value(key, key + strlen(key));
		free(key);
		key = k;
	}
	e->name = join(*section, key);
	e->value = sep == eol ? xstrdup("true")
		   : pip      ? trimmed(sep + 1, eol)
			      : npm_value(sep + 1, eol);
	free(key);
}

/* --- git-config ------------------------------------------------------------------- */

struct gitcur {
	const char *p, *end;
};

/* The header at c->p ('['): the canonical section, or NULL when malformed. */
static char *git_header(struct gitcur *c)
{
	const char *p = c->p + 1;
	struct buf b = BUF_INIT;
	while (p < c->end && (isalnum((unsigned char)*p) || *p == '-' || *p == '.'))
		buf_putc(&b, (char)tolower((unsigned char)*p++));
	if (!b.len)
		goto bad;
	if (p < c->end && is_sp(*p)) {
		while (p < c->end && is_sp(*p))
			p++;
		if (p >= c->end || *p++ != '"')
			goto bad;
		buf_putc(&b, '.');
		while (p < c->end && *p != '"' && *p != '\n') {
			if (*p == '\\' && p + 1 < c->end && p[1] != '\n')
				p++;
			buf_putc(&b, *p++);
		}
		if (p >= c->end || *p++ != '"')
			goto bad;
	} else if (memchr(b.ptr, '.', b.len)) {
		/* [section.subsection]: the old form, lower-cased throughout */
	}
	if (p >= c->end || *p++ != ']')
		goto bad;
	c->p = p;
	return buf_detach(&b);
bad:
	buf_dispose(&b);
	return NULL;
}

/* A value from c->p to the end of its logical line (comments cut, quotes and
 * escapes resolved, backslash-newline continued). false: malformed. */
static bool git_value(struct gitcur *c, struct buf *v)
{
	bool quoted = false;
	size_t keep = 0; /* the length without trailing blanks outside quotes */
	const char *p = c->p;
	while (p < c->end && is_sp(*p))
		p++;
	for (; p < c->end; p++) {
		char ch = *p;
		if (ch == '\n' && !quoted)
			break;
		if (ch == '\n')
			return false;
		if (!quoted && (ch == '#' || ch == ';')) {
			while (p < c->end && *p != '\n')
				p++;
			break;
		}
		if (ch == '"') {
			quoted = !quoted;
			keep = v->len;
			continue;
		}
		if (ch == '\\') {
			if (++p >= c->end)
				return false;
			ch = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'b' ? '\b' : *p;
			if (*p == '\n')
				continue; /* continuation */
			if (!strchr("ntb\"\\", *p))
				return false;
			buf_putc(v, ch);
			keep = v->len;
			continue;
		}
		buf_putc(v, ch);
		if (quoted || !is_sp(ch))
			keep = v->len;
	}
	if (quoted)
		return false;
	buf_truncate(v, keep);
	c->p = p;
	return true;
}

static void parse_git(struct cfg_doc *d)
{
	char *section = xstrdup("");
	size_t at = 0, line = 1;
	while (at < d->len) {
		struct gitcur c = {d->data + at, d->data + d->len};
		const char *f = c.p;
		while (f < c.end && is_sp(*f))
			f++;
		enum cfg_kind kind = CE_OTHER;
		char *key = NULL, *val = NULL;
		bool has_val = false;
		c.p = f;
		if (f == c.end || *f == '\n') {
			kind = CE_BLANK;
		} else if (*f == '#' || *f == ';') {
			kind = CE_COMMENT;
		} else if (*f == '[') {
			char *sec = git_header(&c);
			if (sec) {
				free(section);
				section = sec;
				kind = CE_SECTION;
				while (c.p < c.end && is_sp(*c.p))
					c.p++;
				f = c.p;
			}
		}
		if ((kind == CE_OTHER || kind == CE_SECTION) && *section && f < c.end &&
		    isalpha((unsigned char)*f)) {
			const char *k = f;
			while (f < c.end && (isalnum((unsigned char)*f) || *f == '-'))
				f++;
			key = lower(xstrndup(k, (size_t)(f - k)));
			c.p = f;
			while (c.p < c.end && is_sp(*c.p))
				c.p++;
			struct buf v = BUF_INIT;
			if (c.p < c.end && *c.p == '=') {
				c.p++;
				has_val = git_value(&c, &v);
				if (!has_val) {
					free(key);
					key = NULL;
					kind = CE_OTHER;
				}
			} else if (c.p < c.end && *c.p != '\n' && *c.p != '#' && *c.p != ';') {
				free(key);
				key = NULL;
				kind = CE_OTHER;
			}
			val = has_val ? buf_detach(&v) : NULL;
			buf_dispose(&v);
			if (key && kind == CE_OTHER)
				kind = CE_KEY;
		}
		/* the logical line ends at the newline where the parse stopped */
		const char *nl = memchr(c.p, '\n', (size_t)(c.end - c.p));
		size_t end = nl ? (size_t)(nl + 1 - d->data) : d->len;
		struct cfg_entry *e = add(d, at, end, line, kind, section);
		if (key) {
			e->name = join(section, key);
			e->value = val;
			val = NULL;
		}
		if (kind == CE_COMMENT)
			markers(e, d->data + at, d->data + end - (nl != NULL));
		for (size_t i = at; i < end; i++)
			line += d->data[i] == '\n';
		at = end;
		free(key);
		free(val);
	}
	free(section);
}

/* --- the document ------------------------------------------------------------------ */

void cfg_parse(struct cfg_doc *d, enum cfg_syntax syn, const char *data, size_t len)
{
	memset(d, 0, sizeof(*d));
	d->syn = syn;
	d->data = data;
	d->len = len;
	if (syn == CFG_GIT) {
		parse_git(d);
		return;
	}
	char *section = xstrdup("");
	size_t at = 0, line = 1;
	while (at < len) {
		const char *nl = memchr(data + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl + 1 - data) : len;
		parse_line_ini(d, &section, at, end, line++);
		at = end;
	}
	free(section);
}

void cfg_doc_dispose(struct cfg_doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->e[i].section);
		free(d->e[i].name);
		free(d->e[i].value);
		free(d->e[i].mark_store);
	}
	free(d->e);
	memset(d, 0, sizeof(*d));
}

int cfg_block(const struct cfg_doc *d, const char *store, size_t *b, size_t *e)
{
	int found = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct cfg_entry *x = &d->e[i];
		if (!x->mark || strcmp(x->mark_store, store))
			continue;
		if (x->mark == 2 || found) {
			*b = i;
			return -1;
		}
		size_t j = i + 1;
		while (j < d->n && !(d->e[j].mark && !strcmp(d->e[j].mark_store, store)))
			j++;
		if (j == d->n || d->e[j].mark != 2) {
			*b = i;
			return -1;
		}
		*b = i;
		*e = j;
		found = 1;
		i = j;
	}
	return found;
}

static void put_block(struct buf *out, const struct cfg_want *w, bool header)
{
	buf_printf(out, MARK_BEGIN "%s\n", w->store);
	if (header && w->header)
		buf_printf(out, "%s\n", w->header);
	buf_printf(out, "%s\n" MARK_END "%s\n", w->keyline, w->store);
}

/* Bytes [from, to) of d, with a newline added when they are the whole rest
 * of a file that does not end in one and a block follows. */
static void put_bytes(struct buf *out, const struct cfg_doc *d, size_t from, size_t to, bool nl)
{
	buf_add(out, d->data + from, to - from);
	if (nl && to > from && d->data[to - 1] != '\n')
		buf_putc(out, '\n');
	/* git: a line ending in a backslash would continue into the block */
	if (nl && d->syn == CFG_GIT && out->len >= 2 && out->ptr[out->len - 2] == '\\')
		buf_putc(out, '\n');
}

/* A header of the section outside [skip_b, skip_e]: its index, or d->n. */
static size_t find_header(const struct cfg_doc *d, const char *section, size_t skip_b,
			  size_t skip_e, bool any)
{
	for (size_t i = 0; i < d->n; i++)
		if ((i < skip_b || i > skip_e) && d->e[i].kind == CE_SECTION &&
		    (any || !strcmp(d->e[i].section, section)))
			return i;
	return d->n;
}

int cfg_render(struct buf *out, const struct cfg_doc *d, const struct cfg_want *w, bool set)
{
	size_t b = 0, e = 0;
	int has = cfg_block(d, w->store, &b, &e);
	if (has < 0)
		return -1;
	if (has) {
		const char *at = b ? d->e[b - 1].section : "";
		bool had_header = false;
		for (size_t i = b + 1; i < e; i++)
			had_header = had_header || d->e[i].kind == CE_SECTION;
		bool own_header = w->header && (w->place == PLACE_APPEND ||
						find_header(d, w->section, b, e, false) == d->n);
		/* a block keeps its form while it may: rendering is then stable */
		bool header = own_header && (had_header || strcmp(at, w->section));
		if (!set || header || !strcmp(at, w->section)) {
			put_bytes(out, d, 0, d->e[b].start, false);
			if (set)
				put_block(out, w, header);
			put_bytes(out, d, d->e[e].end, d->len, false);
			return 0;
		}
	} else {
		b = e = d->n; /* nothing to skip */
		if (!set) {
			buf_add(out, d->data, d->len);
			return 0;
		}
	}
	/* (re)insert: the bytes without the old block, and the block where it goes */
	struct buf rest = BUF_INIT;
	struct cfg_doc r;
	if (has) {
		buf_add(&rest, d->data, d->e[b].start);
		buf_add(&rest, d->data + d->e[e].end, d->len - d->e[e].end);
	} else {
		buf_add(&rest, d->data, d->len);
	}
	cfg_parse(&r, d->syn, rest.ptr, rest.len);
	size_t h = r.n;
	if (w->place == PLACE_IN_SECTION)
		h = find_header(&r, w->section, r.n, r.n, false);
	else if (w->place == PLACE_TOP)
		h = find_header(&r, "", r.n, r.n, true);
	if (w->place == PLACE_IN_SECTION && h < r.n) {
		put_bytes(out, &r, 0, r.e[h].end, true);
		put_block(out, w, false);
		put_bytes(out, &r, r.e[h].end, r.len, false);
	} else if (w->place == PLACE_TOP && h < r.n) {
		put_bytes(out, &r, 0, r.e[h].start, false);
		put_block(out, w, false);
		put_bytes(out, &r, r.e[h].start, r.len, false);
	} else {
		put_bytes(out, &r, 0, r.len, true);
		put_block(out, w, true);
	}
	cfg_doc_dispose(&r);
	buf_dispose(&rest);
	return 0;
}

char *cfg_printable(const char *s)
{
	char *d = xstrdup(s ? s : "");
	for (char *c = d; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	return d;
}
