/* Renewal windows of a plan's certificates; see lifecycle.h. */
#include "reconcile/lifecycle.h"
#include "model/cert.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static char *ca_message(const struct conf_ca *ca, time_t now)
{
	char date[11];
	cert_date(date, ca->cert->not_after);
	if (ca->cert->not_after <= now)
		return xasprintf("CA \"%s\" (%s) expired on %s: replace the file with the "
				 "renewed CA and apply",
				 ca->name, ca->file, date);
	return xasprintf("CA \"%s\" (%s) expires on %s, in %ld days (trustform warns %d days "
			 "before): renew it and roll the new CA out before then",
			 ca->name, ca->file, date, (long)((ca->cert->not_after - now) / 86400),
			 EXPIRY_CA_WINDOW_DAYS);
}

void plan_store_expiry(struct plan_store *ps, const struct host_store *hs, time_t now)
{
	for (size_t i = 0; hs && i < hs->ncas; i++) {
		const struct conf_ca *ca = hs->cas[i];
		if (ca->ensure != ENSURE_PRESENT || !ca->cert)
			continue;
		time_t renew_at = expiry_ca_renew_at(ca->cert->not_after);
		char *msg = now >= renew_at ? ca_message(ca, now) : NULL;
		expiry_add(&ps->expiring, EXPIRY_CA, ca->name, ca->cert->fphex, ca->cert->not_after,
			   renew_at, now, msg);
		free(msg);
	}
	for (size_t i = 0; i < ps->actual.expiries.n; i++)
		expiry_copy(&ps->expiring, &ps->actual.expiries.items[i]);
}

static bool same_cert(const struct trust_expiry *a, const struct trust_expiry *b)
{
	return a->kind == b->kind && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->fphex, b->fphex) == 0;
}

static int expiring_cmp(const void *x, const void *y)
{
	const struct trust_expiry *a = ((const struct expiring *)x)->e;
	const struct trust_expiry *b = ((const struct expiring *)y)->e;
	if (a->not_after != b->not_after)
		return a->not_after < b->not_after ? -1 : 1;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	int c = strcmp(a->name, b->name);
	return c ? c : strcmp(a->fphex, b->fphex);
}

void expiring_collect(struct expiring_list *out, const struct plan *p)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_store *ps = &p->stores[i];
		for (size_t j = 0; j < ps->expiring.n; j++) {
			const struct trust_expiry *e = &ps->expiring.items[j];
			if (!e->due)
				continue;
			struct expiring *g = NULL;
			for (size_t k = 0; k < out->n && !g; k++)
				if (same_cert(out->items[k].e, e))
					g = &out->items[k];
			if (!g) {
				ARRAY_GROW(out->items, out->n + 1, out->alloc);
				g = &out->items[out->n++];
				memset(g, 0, sizeof(*g));
				g->e = e;
			}
			ARRAY_GROW(g->stores, g->nstores + 1, g->stores_alloc);
			g->stores[g->nstores++] = ps->address;
		}
	}
	if (out->n > 1)
		qsort(out->items, out->n, sizeof(*out->items), expiring_cmp);
}

void expiring_dispose(struct expiring_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].stores);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
