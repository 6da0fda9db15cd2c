/* Expiry records and their windows; see expiry.h. */
#include "model/expiry.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *expiry_kind_name(enum expiry_kind k)
{
	switch (k) {
	case EXPIRY_CADDY_ROOT:
		return "caddy_root";
	case EXPIRY_CADDY_INTERMEDIATE:
		return "caddy_intermediate";
	case EXPIRY_CA:
		break;
	}
	return "ca";
}

const char *expiry_kind_title(enum expiry_kind k)
{
	switch (k) {
	case EXPIRY_CADDY_ROOT:
		return "Caddy's root";
	case EXPIRY_CADDY_INTERMEDIATE:
		return "Caddy's intermediate";
	case EXPIRY_CA:
		break;
	}
	return "CA";
}

time_t expiry_ca_renew_at(time_t not_after)
{
	return not_after - (time_t)EXPIRY_CA_WINDOW_DAYS * 86400;
}

time_t expiry_caddy_renew_at(time_t not_before, time_t not_after)
{
	return not_after - (not_after - not_before) / 5;
}

struct trust_expiry *expiry_add(struct expiry_list *l, enum expiry_kind kind, const char *name,
				const char *fphex, time_t not_after, time_t renew_at, time_t now,
				const char *message)
{
	ARRAY_GROW(l->items, l->n + 1, l->alloc);
	struct trust_expiry *e = &l->items[l->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->name = xstrdup(name);
	if (fphex)
		snprintf(e->fphex, sizeof(e->fphex), "%s", fphex);
	e->not_after = not_after;
	e->renew_at = renew_at;
	e->due = now >= renew_at;
	e->message = message ? xstrdup(message) : NULL;
	return e;
}

void expiry_copy(struct expiry_list *dst, const struct trust_expiry *src)
{
	ARRAY_GROW(dst->items, dst->n + 1, dst->alloc);
	struct trust_expiry *e = &dst->items[dst->n++];
	*e = *src;
	e->name = xstrdup(src->name);
	e->message = src->message ? xstrdup(src->message) : NULL;
}

long expiry_days_left(const struct trust_expiry *e, time_t now)
{
	time_t left = e->not_after - now;
	return left >= 0 ? (long)(left / 86400) : -(long)((-left + 86399) / 86400);
}

void expiry_list_dispose(struct expiry_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].message);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}
