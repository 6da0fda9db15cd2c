/*
 * The model in JSON (jansson): trust entries and whole trust sets, for the
 * files trustform keeps about stores (saved plans, the read cache).
 */
#ifndef TF_MODEL_JSON_H
#define TF_MODEL_JSON_H

#include "model/model.h"
#include <jansson.h>

json_t *trust_entry_json(const struct trust_entry *e);
/* 0, or -1 when o is not an entry (e is then untouched). */
int trust_entry_from_json(json_t *o, struct trust_entry *e);

/* Entries, stale reason, after-note and notes; not a store's own root or its
 * findings (stores that have those are never cached). */
json_t *trust_set_json(const struct trust_set *s);
int trust_set_from_json(json_t *o, struct trust_set *out);

#endif
