/*
 * The distro families of the system store, as data (families.c): which
 * os-release IDs belong to each, and its backend: Debian's own (debian.c),
 * or the shared anchors backend (anchors.c) with where that family keeps
 * its trust. Adding a p11-kit-like family is one row of the table.
 */
#ifndef TF_SYSTEM_FAMILIES_H
#define TF_SYSTEM_FAMILIES_H

#include "stores/store.h"
#include "stores/system/anchors.h"

struct system_family {
	/* os-release IDs of the family (ID, or a word of ID_LIKE), NULL-terminated */
	const char *const *ids;
	/* its own backend, or NULL: anchors_backend with anchors */
	const struct store_backend *backend;
	struct store_backend anchors_backend;
	struct anchors_family anchors;
};

/* The families, ended by one with NULL ids; and every family's IDs, in
 * the table's order, NULL-terminated (the choices of `distro:`). The docs'
 * lists of them are made from these (tools/gendocs). */
extern const struct system_family system_families[];
extern const char *const system_distro_ids[];

/* The family whose IDs hold id, else the first that holds a word of like
 * (os-release's ID_LIKE; may be NULL); NULL when there is none. */
const struct system_family *system_family_find(const char *id, const char *like);
/* The backend an instance of family f runs. */
const struct store_backend *system_family_backend(const struct system_family *f);

#endif
