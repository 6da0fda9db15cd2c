/*
 * `trustform diff`: what a change to the fleet's file does to every host's
 * stores, worked out from the two configurations alone (no store is read).
 * Each host is resolved in both (schema/resolve.c); per store, every CA is
 * identified by the SHA-256 of its DER and given a desired state (trusted,
 * removed wherever found, distrusted, or not mentioned), and a change is a CA
 * whose state differs. A CA of the same name with a new fingerprint is one
 * replacement. Hosts and stores are sorted by name, changes by CA name.
 */
#ifndef TF_FLEETDIFF_H
#define TF_FLEETDIFF_H

#include "schema/config.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

enum fd_state { FD_NONE, FD_PRESENT, FD_ABSENT, FD_DISTRUSTED };

struct fd_change {
	const char *store;
	const char *name;   /* the CA's name in the new file (old if gone) */
	const char *op;	    /* add remove replace distrust retrust undistrust release */
	const char *symbol; /* + - -/+ ~ */
	enum fd_state before, after;
	const char *fp_before; /* hex SHA-256, or NULL */
	const char *fp_after;
};

enum fd_host_status { FD_UNCHANGED, FD_CHANGED, FD_APPEARS, FD_DISAPPEARS };

struct fd_host {
	char *name;
	enum fd_host_status status;
	char *roles_before, *roles_after; /* "edge, runner", or NULL: no entry matches */
	char **stores_dropped;		  /* stores no role of the host lists any more */
	size_t nstores_dropped;
	struct fd_change *changes;
	size_t nchanges;
};

struct fleet_diff {
	const struct config *old, *new;
	struct fd_host *hosts;
	size_t nhosts;
	size_t changed, appear, disappear;	      /* hosts */
	size_t add, remove, replace, distrust, other; /* changes over all hosts */
};

/* hosts NULL: every host entry of either file, as written (globs too). */
void fleet_diff_build(struct fleet_diff *d, const struct config *old, const struct config *new,
		      char *const *hosts, size_t nhosts);
void fleet_diff_dispose(struct fleet_diff *d);
bool fleet_diff_pending(const struct fleet_diff *d);

void fleet_diff_render_text(FILE *out, const struct fleet_diff *d);
void fleet_diff_render_markdown(FILE *out, const struct fleet_diff *d);
void fleet_diff_render_json(FILE *out, const struct fleet_diff *d, time_t now);

#endif
