/*
 * Expiry as a lifecycle (model/expiry.h): the engine's part. Each store of
 * the plan lists what its trust depends on, with the renewal windows; the
 * certificates within their window are warnings that every channel (the
 * text plan, JSON, syslog, metrics) reports alike, grouped here once.
 */
#ifndef TF_LIFECYCLE_H
#define TF_LIFECYCLE_H

#include "model/expiry.h"
#include "reconcile/plan.h"
#include "schema/resolve.h"

#include <time.h>

/* Fill ps->expiring: each CA hs tells the store to trust, then what the
 * store reported of its own certificates (ps->actual.expiries). */
void plan_store_expiry(struct plan_store *ps, const struct host_store *hs, time_t now);

/* One certificate within its renewal window, with the stores that depend on it. */
struct expiring {
	const struct trust_expiry *e; /* its first record */
	const char **stores;	      /* the addresses, in plan order */
	size_t nstores, stores_alloc;
};

struct expiring_list {
	struct expiring *items;
	size_t n, alloc;
};

/* The due records of every store of p, one per certificate (kind, name and
 * fingerprint), ordered by expiry date, then kind and name. */
void expiring_collect(struct expiring_list *out, const struct plan *p);
void expiring_dispose(struct expiring_list *l);

#endif
