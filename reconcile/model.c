/* trust_set: what a store holds; see model.h. */
#include "reconcile/model.h"
#include "reconcile/cert.h"
#include "util/buf.h"
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
	memset(e, 0, sizeof(*e));
}

void trust_set_dispose(struct trust_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		trust_entry_dispose(&s->items[i]);
	free(s->items);
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	free(s->notes);
	free(s->stale);
	free(s->after);
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

void trust_entry_describe(struct trust_entry *e, const struct cert *c)
{
	free(e->subject);
	e->subject = xstrdup(c->subject);
	e->not_after = c->not_after;
}

void trust_entry_copy(struct trust_entry *dst, const struct trust_entry *src)
{
	*dst = *src;
	dst->label = xstrdup(src->label);
	dst->where = xstrdup(src->where);
	dst->flags = src->flags ? xstrdup(src->flags) : NULL;
	dst->subject = src->subject ? xstrdup(src->subject) : NULL;
}

void trust_set_note(struct trust_set *s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ARRAY_GROW(s->notes, s->nnotes + 1, s->notes_alloc);
	s->notes[s->nnotes++] = buf_detach(&b);
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
	case TS_TRUSTED: return "trusted";
	case TS_DISTRUSTED: return "distrusted";
	case TS_INERT: return "inert";
	}
	return "?";
}
