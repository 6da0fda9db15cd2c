/*
 * The engine's apply of an entry store (stores/store.h, struct
 * store_entry_kind, NSS): the plan's steps as add, remove and set-trust
 * operations, and the steps' outcomes from the operations' codes.
 */
#ifndef TF_APPLY_ENTRIES_H
#define TF_APPLY_ENTRIES_H

#include "model/step.h"
#include "stores/store.h"

struct entry_batch;

/* Map ps's steps (the first ps->n) onto s's operations and let the store
 * begin them, before any store is applied: the stores of one apply work in
 * parallel. A step that maps onto no operation ends here. */
struct entry_batch *apply_entries_begin(struct store_inst *s, struct plan_store *ps);
/* Finish b (from apply_entries_begin for the same s and ps; begins it when
 * NULL) and end the steps from the codes; frees b. As a backend's apply
 * (stores/store.h's failure contract): 0; -1 when a step failed; -1 with err
 * set when the store failed as a whole and no step was left to take it. */
int apply_entries(struct store_inst *s, struct plan_store *ps, struct entry_batch *b);
/* Free a batch that was begun and never applied. */
void apply_entries_drop(struct entry_batch *b);

#endif
