/*
 * A configured store's type and options, checked against the registry at
 * load time (config_load_opts.check_store), and where an option was written.
 */
#ifndef TF_STORECONF_H
#define TF_STORECONF_H

#include "schema/config.h"
#include "schema/diag.h"

#include <stddef.h>

struct store_inst;

/* Resolve cs->type in the registry (the caddy section: the caddy type) and
 * check its options: unknown ones (with "did you mean"), required ones, their
 * kinds; then the type's own validate. A stores: entry without a type
 * (cs->type NULL) is told the registry's types. Errors go to d. */
void store_conf_check(struct conf_store *cs, struct diag *d);
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
/* "trust.yaml:7:30" for a store option (the store's own position without it). */
char *store_opt_pos(const struct conf_store *cs, const char *key);

#endif
