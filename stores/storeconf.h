/*
 * A configured store's type and options, checked against the registry at
 * load time (config_load_opts.check_store), and where an option was written.
 */
#ifndef TF_STORECONF_H
#define TF_STORECONF_H

#include "schema/config.h"
#include "schema/diag.h"

/* Resolve cs->type in the registry (the caddy section: the caddy type) and
 * check its options: unknown ones (with "did you mean"), required ones, their
 * kinds; then the type's own validate. Errors go to d. */
void store_conf_check(struct conf_store *cs, struct diag *d);
/* An error of store cs at node n (the store's own position when n is NULL):
 * "store \"<name>\": <message>". */
void store_conf_error(struct diag *d, const struct conf_store *cs, const struct ynode *n,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "trust.yaml:7:30" for a store option (the store's own position without it). */
char *store_opt_pos(const struct conf_store *cs, const char *key);

#endif
