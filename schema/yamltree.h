/*
 * The YAML document as a tree that remembers where every node came from
 * (line and column, 1-based), built from libyaml's event stream. Duplicate
 * mapping keys are rejected here, as they are silently merged by most loaders.
 */
#ifndef TF_YAMLTREE_H
#define TF_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	int line, col;
	char *text;	      /* scalar value */
	bool plain;	      /* scalar was unquoted (so `true` is a boolean) */
	size_t n;	      /* sequence items, or mapping pairs */
	struct ynode **items; /* sequence items, or mapping values */
	struct ynode **keys;  /* mapping keys (scalars) */
};

/* Where parsing stopped and why (line 0: not tied to a position). */
struct yerror {
	int line, col;
	char msg[512];
};

/* Parse; on error returns NULL, sets err to "name:line:col: what", and fills
 * *where when given. */
struct ynode *ytree_parse(const char *name, const char *data, size_t len, struct yerror *where);
struct ynode *ytree_load_buffer(const char *name, const char *data, size_t len);
void ytree_free(struct ynode *n);

/* Mapping lookup; NULL if absent or n is not a mapping. */
struct ynode *ymap_get(const struct ynode *map, const char *key);
const char *ykind_name(enum ynode_kind k);

#endif
