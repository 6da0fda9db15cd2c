/*
 * A store's `consumers:`: the systemd units whose processes read the store
 * when they start, and what a change to the store needs for them to see it:
 *
 *   consumers:
 *     - unit: caddy.service
 *       on_change: reload      # restart (the default) or reload
 *
 * Loaded with every stores: entry; errors carry file:line:col and the fix.
 */
#ifndef TF_CONSUMERS_H
#define TF_CONSUMERS_H

#include "schema/config.h"
#include "schema/diag.h"
#include "schema/yamltree.h"

/* Load v (the consumers: value) into cs->consumers; errors go to d. */
void conf_consumers_load(struct conf_store *cs, const struct ynode *v, struct diag *d);
void conf_consumers_free(struct conf_store *cs);
/* "restart" / "reload" */
const char *consumer_action_name(enum consumer_action a);
/* Whether s is a systemd service name trustform can ask about ("x.service"). */
bool consumer_unit_ok(const char *s);

#endif
