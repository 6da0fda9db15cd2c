/*
 * A small open-addressing hash map from borrowed C strings to indexes, so that
 * lookups stay O(1) with 10,000 CAs (plan time must be linear, SPEC §6).
 * Keys are not copied: they must outlive the map.
 */
#ifndef TF_STRMAP_H
#define TF_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#define STRMAP_NONE SIZE_MAX

struct strmap_slot {
	const char *key;
	size_t val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, n;
};

void strmap_init(struct strmap *m);
void strmap_dispose(struct strmap *m);
/* Insert or replace; returns the previous value or STRMAP_NONE. */
size_t strmap_put(struct strmap *m, const char *key, size_t val);
size_t strmap_get(const struct strmap *m, const char *key);
/* Remove key (its slot forgets the borrowed pointer); returns its value or STRMAP_NONE. */
size_t strmap_del(struct strmap *m, const char *key);

#endif
