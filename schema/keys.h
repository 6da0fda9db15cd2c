/* Allowed-key tables for mappings, with "did you mean" suggestions. */
#ifndef TF_KEYS_H
#define TF_KEYS_H

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
/* Levenshtein distance, capped at 8. */
int edit_distance(const char *a, const char *b);

#endif
