/*
 * What a store's backend asks of its configured store: where an option was
 * written (for its messages), an error at a store's node, and which of its
 * CAs no system store of the host holds. Below the registry and the load-time
 * check (storeconf.h), which know every backend.
 */
#ifndef TF_STOREOPT_H
#define TF_STOREOPT_H

#include "schema/config.h"
#include "schema/diag.h"

#include <stdbool.h>
#include <stddef.h>

struct resolved;
struct host_store;
struct store_inst;

/* An error of store cs at node n (the store's own position when n is NULL):
 * "store \"<name>\": <message>". */
void store_conf_error(struct diag *d, const struct conf_store *cs, const struct ynode *n,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The present CAs of s's configured store on this host that no `system`
 * store of the host is configured with: a client that reads the system store
 * (NODE_USE_SYSTEM_CA, Python's truststore) never sees them, whatever apply
 * does. Fills *out (caller frees the array, not the CAs); 0 when the host
 * cannot be resolved. */
size_t store_cas_outside_system(const struct store_inst *s, const struct conf_ca ***out);
/* The `stores:` entries of s's host (the roles' stores, s's own too), to see
 * what another store of the host does to the same clients. Fills *out
 * (caller frees the array); 0 when the host cannot be resolved. */
size_t store_host_stores(const struct store_inst *s, const struct conf_store ***out);
/* How many CAs s's configured store holds present on this host (0 when the
 * host cannot be resolved). */
size_t store_cas_present(const struct store_inst *s);
/* Whether a `system` store is configured for the host (it writes the system
 * bundle in the same apply, before the other stores). */
bool store_host_has_system(const struct store_inst *s);
/* The CAs the host's roles give s: s->desired when the engine set it, else
 * resolved here (*r then holds the resolution: resolved_free it; NULL
 * otherwise). NULL when the host does not resolve or lists no CA for s. */
const struct host_store *store_desired(const struct store_inst *s, struct resolved **r);
/* "trust.yaml:7:30" for a store option (the store's own position without it). */
char *store_opt_pos(const struct conf_store *cs, const char *key);
/* A runtime error of store cs as the run shows it, naming where the store is
 * configured: "<msg> (store at trust.yaml:7:3)". The engine reaches it only
 * through its one helper, plan_store_error (reconcile/plan.h), for open, read
 * and apply errors, refused and failed steps and trust that will not take
 * effect. cs NULL: msg as it is. Caller frees. */
char *store_error_text(const struct conf_store *cs, const char *msg);

#endif
