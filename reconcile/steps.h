/*
 * Finishing a store's steps at apply time: the one place that turns a write
 * or a commit into step results, so that every store reports alike.
 */
#ifndef TF_STEPS_H
#define TF_STEPS_H

#include "reconcile/plan.h"
#include "util/fsutil.h"

#include <stdbool.h>

/* Commit txn; then every step still pending is done (or failed with the
 * commit's error). Returns rc, or -1 if the commit failed; *committed (may be
 * NULL) says whether it did. */
int plan_steps_finish(struct plan_store *ps, struct fs_txn *txn, int rc, bool *committed);
/* Fail every step still pending with the current error (a write failed). */
void plan_steps_fail_pending(struct plan_store *ps);

#endif
