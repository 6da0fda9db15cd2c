/*
 * The JSON renderer's inside (render_json.c: the documents; render_json_values.c:
 * small values, resource addresses and resource_changes). Private to them.
 */
#ifndef TF_RENDER_JSON_INT_H
#define TF_RENDER_JSON_INT_H

#include "reconcile/plan.h"
#include "util/strmap.h"

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

/*
 * Addresses in Terraform's form: `<store>.ca["<name>"]`, `<store>.files`. Two
 * objects of a store under one name (a file holding several certificates, an
 * older copy being removed) are told apart by their fingerprint's prefix:
 * `<store>.ca["<name>"]["3b8f0a1c9d2e"]`.
 */
struct addr_set {
	struct strmap count;
	size_t *counts;
	size_t n, alloc;
};

json_t *str_or_null(const char *s);
json_t *time_json(time_t t); /* RFC 3339, or null for 0 */
void addr_set_init(struct addr_set *a);
void addr_set_see(struct addr_set *a, const char *name);
char *addr_make(const struct addr_set *a, const char *store, const char *type, const char *name,
		const char *fphex);
void addr_set_dispose(struct addr_set *a);
/* An entry as a resource's values. */
json_t *entry_value(const struct trust_entry *e);
/* The resource_changes of one store: planned, or (applied) with each step's result. */
void store_changes(json_t *arr, const struct plan_store *ps, bool applied);
/* The certificates within their renewal window (lifecycle.h), at now. */
json_t *expiring_json(const struct plan *p, time_t now);

#endif
