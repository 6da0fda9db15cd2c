/*
 * The plan: what each store instance must do, made by one generic diff of the
 * desired CAs against the store's trust_set. Every step carries the entry the
 * planner saw, so a store can compare-and-swap at apply time.
 */
#ifndef TF_PLAN_H
#define TF_PLAN_H

#include "model/model.h"
#include "model/step.h"
#include "schema/config.h"
#include "schema/resolve.h"
#include "stores/store.h"

struct plan_counts {
	size_t add, change, destroy;
};

struct plan {
	struct plan_store *stores;
	size_t n, alloc;
	struct plan_counts counts;
	size_t failed_stores;	 /* could not be read, or will not take effect */
	size_t pending_restarts; /* consumers whose processes hold the old trust */
};

void plan_init(struct plan *p);
void plan_dispose(struct plan *p);
struct plan_store *plan_add_store(struct plan *p, struct store_inst *inst, const char *address,
				  const char *title);
/* Diff one store: desired CAs (sorted by name) against ps->actual; then the
 * store's own root against the CAs marked for it, and its findings. */
void plan_diff_store(struct plan_store *ps, const struct host_store *hs, const struct config *cfg);
/* Append a step (name and seen are copied); the diff and saved plans use it. */
struct plan_step *plan_store_add_step(struct plan_store *ps, enum plan_action action,
				      enum plan_op op, const char *name, const struct conf_ca *ca,
				      const struct trust_entry *seen);
void plan_store_clear_steps(struct plan_store *ps);
void plan_count(struct plan *p);
bool plan_has_changes(const struct plan *p);
/* Whether apply carried out some step of the store. */
bool plan_store_changed(const struct plan_store *ps);
/* The store failed for this run: it could not be read, or what it holds will
 * not take effect (trust_set_ineffective). */
bool plan_store_failed(const struct plan_store *ps);
/* A runtime error of the store as every output shows it: the one helper for
 * its open and read errors, a refused or failed step, its apply error and
 * trust that will not take effect, so that each names where the store is
 * configured, "<msg> (store at trust.yaml:7:3)" (store_error_text with
 * ps->conf); --json gives the same position as the diagnostic's range.
 * Caller frees. */
char *plan_store_error(const struct plan_store *ps, const char *msg);
/* What a step is about: "ca", "files" (a store's generated files), or what a
 * store that is a CA itself holds: "root", "issuance", "setting". */
const char *plan_step_resource(const struct plan_step *st);

#endif
