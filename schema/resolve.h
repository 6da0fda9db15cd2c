/*
 * Host → roles → stores → desired CAs. A store of a host must hold every
 * present CA of every role of the host that lists the store; absent and
 * distrusted CAs apply to every store of the host (SPEC §2).
 */
#ifndef TF_RESOLVE_H
#define TF_RESOLVE_H

#include "schema/config.h"

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

#endif
