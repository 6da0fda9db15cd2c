/* trust_set: what a store holds; see model.h. */
#include "model/model.h"
#include "model/cert.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void trust_set_init(struct trust_set *s)
{
	memset(s, 0, sizeof(*s));
}

void trust_entry_dispose(struct trust_entry *e)
{
	free(e->label);
	free(e->flags);
	free(e->where);
	free(e->subject);
	cert_free(e->cert);
	memset(e, 0, sizeof(*e));
}

static void finding_dispose(struct trust_finding *f)
{
	free(f->name);
	free(f->headline);
	free(f->reason);
	free(f->seen);
	free(f->have);
	free(f->have_canon);
	free(f->want);
	free(f->want_canon);
	for (size_t i = 0; i < f->nlines; i++) {
		free(f->lines[i].key);
		free(f->lines[i].value);
	}
	free(f->lines);
}

void trust_set_dispose(struct trust_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		trust_entry_dispose(&s->items[i]);
	free(s->items);
	if (s->has_own_root)
		trust_entry_dispose(&s->own_root);
	free(s->own_root_id);
	free(s->own_root_export);
	for (size_t i = 0; i < s->nfindings; i++)
		finding_dispose(&s->findings[i]);
	free(s->findings);
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	free(s->notes);
	for (size_t i = 0; i < s->nineffective; i++)
		free(s->ineffective[i]);
	free(s->ineffective);
	free(s->stale);
	free(s->after);
	expiry_list_dispose(&s->expiries);
	trust_set_init(s);
}

struct trust_entry *trust_set_add(struct trust_set *s, const unsigned char fp[FP_LEN],
				  const char *label, bool owned, enum trust_state state,
				  const char *where)
{
	ARRAY_GROW(s->items, s->n + 1, s->alloc);
	struct trust_entry *e = &s->items[s->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->fp, fp, FP_LEN);
	hex_encode(e->fphex, fp, FP_LEN);
	e->label = xstrdup(label);
	e->owned = owned;
	e->state = state;
	e->where = xstrdup(where ? where : label);
	return e;
}

static const unsigned char no_fp[FP_LEN];

struct trust_entry *trust_set_add_damaged(struct trust_set *s, const char *label, const char *where)
{
	struct trust_entry *e = trust_set_add(s, no_fp, label, true, TS_TRUSTED, where);
	e->subject = xstrdup("(not a single certificate: damaged)");
	return e;
}

bool trust_entry_is_damaged(const struct trust_entry *e)
{
	return e->owned && !memcmp(e->fp, no_fp, FP_LEN);
}

size_t trust_set_add_file(struct trust_set *s, const char *label, const char *base,
			  const char *where, const struct cert_list *certs, enum trust_state state)
{
	size_t first = s->n;
	if (label && !(certs && certs->n == 1)) {
		trust_set_add_damaged(s, label, where)->state = state;
		return first;
	}
	if (!certs) {
		trust_set_note(s, "%s is not a certificate trustform can read; it is left alone",
			       where);
		return first;
	}
	for (size_t j = 0; j < certs->n; j++) {
		const struct cert *c = certs->items[j];
		struct trust_entry *e =
		    trust_set_add(s, c->fp, label ? label : base, label != NULL, state, where);
		trust_entry_describe(e, c);
		e->siblings = certs->n - 1;
	}
	return first;
}

void trust_entry_describe(struct trust_entry *e, const struct cert *c)
{
	free(e->subject);
	e->subject = xstrdup(c->subject);
	e->not_after = c->not_after;
	/* kept for `trustform check`, which verifies chains against what a store
	 * holds; the certificate is shared through cert.c's content cache */
	struct cert *held = (struct cert *)c;
	held->refs++;
	cert_free(e->cert);
	e->cert = held;
}

void trust_entry_copy(struct trust_entry *dst, const struct trust_entry *src)
{
	*dst = *src;
	dst->label = xstrdup(src->label);
	dst->where = xstrdup(src->where);
	dst->flags = src->flags ? xstrdup(src->flags) : NULL;
	dst->subject = src->subject ? xstrdup(src->subject) : NULL;
	if (dst->cert)
		dst->cert->refs++;
}

void trust_set_note(struct trust_set *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&s->notes, &s->nnotes, &s->notes_alloc, fmt, ap);
	va_end(ap);
}

void trust_set_ineffective(struct trust_set *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&s->ineffective, &s->nineffective, &s->ineffective_alloc, fmt, ap);
	va_end(ap);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct trust_entry *x = a, *y = b;
	int c = strcmp(x->label, y->label);
	if (c)
		return c;
	c = memcmp(x->fp, y->fp, FP_LEN);
	if (c)
		return c;
	return strcmp(x->where, y->where);
}

void trust_set_sort(struct trust_set *s)
{
	if (s->n > 1)
		qsort(s->items, s->n, sizeof(*s->items), entry_cmp);
}

const char *trust_state_name(enum trust_state st)
{
	switch (st) {
	case TS_TRUSTED:
		return "trusted";
	case TS_DISTRUSTED:
		return "distrusted";
	case TS_INERT:
		return "inert";
	}
	return "?";
}

struct trust_finding *trust_set_finding(struct trust_set *s, enum finding_kind kind,
					const char *name)
{
	ARRAY_GROW(s->findings, s->nfindings + 1, s->findings_alloc);
	struct trust_finding *f = &s->findings[s->nfindings++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->name = xstrdup(name);
	return f;
}

void trust_finding_line(struct trust_finding *f, char sym, const char *key, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ARRAY_GROW(f->lines, f->nlines + 1, f->lines_alloc);
	struct finding_line *l = &f->lines[f->nlines++];
	l->sym = sym;
	l->key = xstrdup(key ? key : "");
	l->value = buf_detach(&b);
}

int trust_entry_removable(const struct trust_entry *seen, const struct cert_list *held)
{
	bool found = false;
	for (size_t i = 0; i < held->n; i++)
		found |= !memcmp(held->items[i]->fp, seen->fp, FP_LEN);
	if (!found && !trust_entry_is_damaged(seen)) {
		err_modified(seen->where);
		return -1;
	}
	if (held->n > 1) {
		err_set("%s also holds %zu other certificate(s); trustform will not remove them "
			"with it: split the file, or remove it by hand",
			seen->where, held->n - 1);
		return -1;
	}
	return 0;
}
