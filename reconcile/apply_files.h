/*
 * The engine's apply of a file store (stores/store.h, struct store_file_kind):
 * the load, compare-and-swap, confined transaction and step results that every
 * store made of files shares.
 */
#ifndef TF_APPLY_FILES_H
#define TF_APPLY_FILES_H

#include "model/step.h"
#include "stores/store.h"

/* Apply ps through s's file kind: as a backend's apply (stores/store.h's
 * failure contract): 0; -1 when a step failed; -1 with err set when the
 * store failed as a whole (the applier fails what is pending). */
int apply_files(struct store_inst *s, struct plan_store *ps);

#endif
