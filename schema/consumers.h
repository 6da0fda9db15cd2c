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

#include "model/step.h"
#include "schema/diag.h"
#include "schema/pos.h"
#include "schema/yamltree.h"

#include <stdbool.h>
#include <stddef.h>

/* A unit whose processes read a store when they start (on_change: model/step.h). */
struct conf_consumer {
	char *unit; /* "caddy.service" */
	enum consumer_action on_change;
	struct pos pos;
};

struct conf_consumers {
	struct conf_consumer *items;
	size_t n;
};

/* Load v (the consumers: value of store `store` in file) into out; errors go to d. */
void conf_consumers_load(struct conf_consumers *out, const char *store, const char *file,
			 const struct ynode *v, struct diag *d);
void conf_consumers_free(struct conf_consumers *c);
/* "restart" / "reload" */
const char *consumer_action_name(enum consumer_action a);
/* Whether s is a systemd service name trustform can ask about ("x.service"). */
bool consumer_unit_ok(const char *s);

#endif
