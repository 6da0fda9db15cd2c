/*
 * Staged CA rotation (`replaces:`): for each pair old → new of the
 * configuration, the phase this host is in, judged from what this run
 * observed and nothing saved, so a rotation can stop and resume anywhere:
 *
 *   overlap  until every store of the host that holds (or should hold) the
 *            old CA trusts the new one, effectively (read, not stale);
 *   switch   until no connects_to endpoint chains only to the old CA (each
 *            endpoint's chain verified with the old CA alone, then the new
 *            one alone; an endpoint not reached blocks too: unknown);
 *   retire   the old CA may be removed (ensure: absent or distrusted);
 *   done     no store of the host holds the old CA.
 *
 * A removal or distrust of the old CA before its retire phase is blocked
 * (plan_step.blocked): the plan shows it and apply refuses it.
 */
#ifndef TF_ROTATION_H
#define TF_ROTATION_H

#include "reconcile/plan.h"
#include "schema/config.h"
#include "schema/resolve.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct check_report;

enum rotation_phase { ROT_OVERLAP, ROT_SWITCH, ROT_RETIRE, ROT_DONE };

/* A store of the host that holds or should hold the old CA. */
struct rotation_store {
	const char *address, *title; /* the plan's */
	bool trusts_new;	     /* the new CA is trusted there, effectively */
	bool holds_old;		     /* the old CA is trusted there now */
	const char *unread;	     /* not read: why in short ("--target left it out"), or NULL */
	char *why;		     /* trusts_new false: why, and what to do */
};

enum rotation_chain { ROT_CHAIN_OLD, ROT_CHAIN_NEW, ROT_CHAIN_UNKNOWN };

/* An endpoint of the host's connects_to whose chain ends at either CA (or
 * that could not be checked). */
struct rotation_endpoint {
	const char *url;
	enum rotation_chain chain;
	char *why; /* unknown: why */
};

struct rotation {
	const struct conf_ca *old, *new;
	enum rotation_phase phase;
	struct rotation_store *stores;
	size_t nstores, lacking, holding_old, errors;
	struct rotation_endpoint *eps;
	size_t neps, old_only, unchecked;
	char *summary; /* "overlap (2 stores still lack new-root)" */
	char *blocks;  /* what blocks the next phase, or NULL (retire, done) */
	char *next;    /* the next step, in words */
	/* switch, and every endpoint that blocks it chains only to the old CA and
	 * is named in the old CA's accept_breaking: the operator accepted exactly
	 * those breaks, so its removal is not blocked. The URLs, ", "-separated,
	 * or NULL. */
	char *accepted;
	/* The new CA is Caddy's (`caddy: <id>`): the switch is Caddy's sites
	 * moving to that CA, which the next step says how to do. */
	bool caddy;
};

struct rotation_list {
	struct rotation *items;
	size_t n;
};

struct rotation_params {
	const struct config *cfg;
	const struct resolved *res;
	const struct plan *plan;
	const struct check_report *check; /* the endpoints, or NULL: not checked */
	const char *not_checked;	  /* check NULL: why ("--offline") */
	time_t now;
	/* --target left stores of the host out of the plan: host names the
	 * host, so that the stores left out that should hold the old CA are
	 * judged unknown (they block), never skipped */
	bool targeted;
	const char *host;
};

/* Every rotation of the configuration that concerns this host (a store of it
 * holds or should hold either CA). */
void rotation_judge(struct rotation_list *l, const struct rotation_params *p);
/* Mark the plan's removals and distrusts of an old CA whose retire phase has
 * not come as blocked (unless the rotation's blockers are all accepted
 * breaks: rotation.accepted). Returns how many. */
size_t rotation_block_steps(const struct rotation_list *l, struct plan *p);
/* Whether some rotation cannot take its next step yet (overlap, switch, and
 * not every blocker accepted). */
bool rotation_blocked(const struct rotation_list *l);
/* How many rotations are blocked so. */
size_t rotation_nblocked(const struct rotation_list *l);
void rotation_list_dispose(struct rotation_list *l);
const char *rotation_phase_name(enum rotation_phase ph);

/* The plan's "Rotation" section, and `trustform rotation status` (rotation_render.c). */
void rotation_render(FILE *out, const struct rotation_list *l);
/* The JSON array of the plan's and rotation status' `rotations`. */
json_t *rotation_json(const struct rotation_list *l);

#endif
