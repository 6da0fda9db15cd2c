/*
 * Host → roles → stores → desired CAs. A store of a host must hold every
 * present CA of every role of the host that lists the store; absent and
 * distrusted CAs apply to every store of the host (SPEC §2).
 */
#ifndef TF_RESOLVE_H
#define TF_RESOLVE_H

#include "schema/config.h"
#include "util/strmap.h"

struct host_store {
	const struct conf_store *store;
	const struct conf_ca **cas; /* sorted by name */
	size_t ncas;
};

struct resolved {
	const struct conf_role **roles;
	size_t nroles;
	/* The stores of the host, sorted by name; the caddy: section's store
	 * (when a role says `caddy: true`) last, with no CAs */
	struct host_store *stores;
	size_t nstores;
};

/* targets (may be NULL) limits the stores; each must be a store of the host
 * (the caddy: section's store is named "caddy").
 * Returns NULL with err set when the host matches nothing or a target is wrong. */
struct resolved *resolve_host(const struct config *cfg, const char *host, char *const *targets,
			      size_t ntargets);
void resolved_free(struct resolved *r);

/* The host entries of a configuration indexed for resolving many hosts (a
 * fleet diff over an inventory): exact names in a map, the globs in a list.
 * The configuration must outlive the index. */
struct host_index {
	const struct config *cfg;
	struct strmap exact; /* pattern -> its last entry */
	size_t *globs;	     /* the glob entries, in the file's order */
	size_t nglobs;
};

void host_index_init(struct host_index *x, const struct config *cfg);
void host_index_dispose(struct host_index *x);
/* resolve_host, with the entries looked up in x (O(globs), not O(entries)). */
struct resolved *resolve_host_indexed(const struct host_index *x, const char *host,
				      char *const *targets, size_t ntargets);

#endif
