/*
 * Small helpers the store types share: where an option was written (for
 * messages that point into the config), and finishing an apply's steps.
 */
#ifndef TF_STOREOPT_H
#define TF_STOREOPT_H

#include "stores/store.h"
#include "util/fsutil.h"

struct plan_store;

/* "trust.yaml:7:30" for a store option (the store's own position without it). */
char *store_opt_pos(const struct conf_store *cs, const char *key);
/* Commit txn; then every step still pending is done (or failed with the
 * commit's error). Returns -1 if the commit or any step failed. */
int store_finish_steps(struct plan_store *ps, struct fs_txn *txn, int rc, bool *committed);
/* Fail every step still pending with the current error (a write failed). */
void store_fail_pending(struct plan_store *ps);
/* Reload a PEM file and carry out the plan's steps on it, atomically; creates
 * its directory when missing. */
int store_apply_pem_file(struct plan_store *ps, const char *host, const char *shown);

#endif
