/*
 * Internals of consumers.c: what systemd says of the consumers' units, asked
 * once per plan (consumers_unit.c).
 */
#ifndef TF_CONSUMERS_INT_H
#define TF_CONSUMERS_INT_H

#include "reconcile/plan.h"

struct unit_state {
	char load[32], active[32];
	long long pid, start_mono;
};
/* What systemd said of each unit, asked once per plan: a unit is the
 * consumer of several stores (caddy.service of the system store and of the
 * bundles its Caddyfile names). */
struct unit_seen {
	const char *unit;
	struct unit_state u;
	int rc;
	char *why;
};
struct unit_cache {
	struct unit_seen *v;
	size_t n;
};

/* Every unit of the plan's consumers asked at once (see consumers_unit.c). */
void unit_cache_fill(struct unit_cache *uc, const struct plan *p);
/* A unit's state, asked alone when the cache does not have it yet. */
const struct unit_seen *unit_get(struct unit_cache *uc, const char *unit);
void unit_cache_dispose(struct unit_cache *uc);

#endif
