/* Allowed-key tables for mappings, with "did you mean" suggestions. */
#ifndef TF_KEYS_H
#define TF_KEYS_H

#include "schema/diag.h"
#include "schema/yamltree.h"
#include "util/buf.h"
#include <stdbool.h>

struct key_spec {
	const char *name;
	bool required;
};

const struct key_spec *key_spec_find(const struct key_spec *spec, const char *name);
/* The closest allowed key within a small edit distance, or NULL. */
const char *key_spec_suggest(const struct key_spec *spec, const char *name);
void key_spec_list(const struct key_spec *spec, struct buf *out);
/* Whether the mapping key k is in spec; if not, report it in file as
 * "unknown key "k" in <where>; did you mean "x"?" (or the allowed keys). */
bool key_check(const struct key_spec *spec, const struct ynode *k, const char *where,
	       const char *file, struct diag *d);
/* Levenshtein distance, capped at 8. */
int edit_distance(const char *a, const char *b);

/* "did you mean": offer each candidate; best is the closest within a small
 * edit distance (a typo), or NULL. One rule for keys, enum values, store
 * types, list items, commands and long options. */
struct suggest {
	const char *name, *best;
	int bestd;
};
void suggest_init(struct suggest *s, const char *name);
void suggest_offer(struct suggest *s, const char *candidate);
/* The closest of a NULL-terminated list, or NULL. */
const char *suggest_word(const char *const *choices, const char *name);

#endif
