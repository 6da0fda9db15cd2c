/*
 * The applier: hands each store its steps, isolates failures (one store
 * failing never stops the others), and reports what was done.
 */
#ifndef TF_APPLY_H
#define TF_APPLY_H

#include "reconcile/plan.h"
#include <stdio.h>

struct apply_result {
	struct plan_counts done;
	size_t failed_stores;
};

void apply_plan(struct plan *p, FILE *out, struct apply_result *res);

/* After a store's apply returned rc: set what the store left to the steps
 * and the store (apply.c says the rule). Clears the current error. */
void apply_settle(struct plan_store *ps, int rc);

#endif
