/*
 * A configured store's type and options, checked against the registry at
 * load time (config_load_opts.check_store). What a backend asks of its
 * configured store is in storeopt.h.
 */
#ifndef TF_STORECONF_H
#define TF_STORECONF_H

#include "schema/config.h"
#include "schema/diag.h"

/* Resolve cs->type in the registry (the caddy section: the caddy type) and
 * check its options: unknown ones (with "did you mean"), required ones, their
 * kinds; then the type's own validate. A stores: entry without a type
 * (cs->type NULL) is told the registry's types. Errors go to d. */
void store_conf_check(struct conf_store *cs, struct diag *d);

#endif
