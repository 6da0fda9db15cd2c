/*
 * Running clients (issue: a client reads its trust when it starts). Each
 * store instance has consumers: systemd services whose processes read it at
 * start (the ones its backend knows, the ones declared under consumers:, and
 * a Caddy that reads the store: Go reads the system roots once per process,
 * and Caddy's tls_trust_pool file re-reads its bundles on reload).
 *
 * apply records each store's change in a state file (<root>/var/lib/trustform/
 * changes) BEFORE restarting its consumers; a consumer whose main process
 * started before that change (systemd's ExecMainStartTimestampMonotonic, same
 * boot), or lacks the variables its drop-in sets (/proc/<MainPID>/environ),
 * is "restart pending": drift until a restart succeeds. When systemd cannot
 * be asked (--root, a chroot) the plan says so instead of guessing.
 */
#ifndef TF_CONSUMERS_ENGINE_H
#define TF_CONSUMERS_ENGINE_H

#include "reconcile/plan.h"

#include <stdio.h>
#include <time.h>

/* Fill each plan store's consumers and judge them against the running
 * processes; call before plan_count. */
void consumers_plan(struct plan *p, const char *root);
/* Taken before apply begins: when the stores' changes are recorded as made. */
struct consumers_mark {
	long long mono;
	time_t wall;
};
void consumers_mark(struct consumers_mark *m);
/* After apply: record the change of every store that changed (as made at
 * mark), then restart or reload the consumers of those stores (once per
 * unit, restart winning) and any still restart pending; under --root nothing
 * is restarted and apply says what would be. Messages go to out. Returns the
 * number of restarts that failed. */
size_t consumers_apply(struct plan *p, const char *root, const struct consumers_mark *mark,
		       FILE *out);
/* Whether systemd can be asked about units for this root; if not, why. */
bool consumers_systemd_usable(const char *root, const char **why);

#endif
