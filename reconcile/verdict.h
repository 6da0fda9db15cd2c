/*
 * "Would a client fail?": the one predicate every channel reports (the text
 * summary, the exit code, JSON, syslog, Prometheus, `report`, Ansible). A
 * client fails when a store does not hold what the configuration says yet
 * (the plan has changes), when a consumer's running process holds the old
 * trust (restart pending), or when an endpoint the host calls would be
 * refused even after apply. A store that could not be read is an error.
 */
#ifndef TF_VERDICT_H
#define TF_VERDICT_H

#include "reconcile/plan.h"

#include <stdbool.h>
#include <stddef.h>

struct check_report;

struct verdict {
	size_t changes;		  /* steps the plan would carry out */
	size_t failed_stores;	  /* could not be read, or will not take effect */
	size_t pending_restarts;  /* consumers holding the old trust */
	size_t endpoints_failing; /* reached, and some store's clients refuse it */
	size_t endpoints_unchecked;
};

/* rep may be NULL (no endpoints checked). */
void verdict_make(struct verdict *v, const struct plan *p, const struct check_report *rep);
/* The predicate: some client would fail (drift), errors aside. */
bool verdict_drift(const struct verdict *v);
/* One line for a summary: "1 endpoint would be refused, 1 restart pending". */
char *verdict_text(const struct verdict *v);

#endif
