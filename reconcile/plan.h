/*
 * The plan: what each store instance must do, made by one generic diff of the
 * desired CAs against the store's trust_set. Every step carries the entry the
 * planner saw, so a store can compare-and-swap at apply time.
 */
#ifndef TF_PLAN_H
#define TF_PLAN_H

#include "model/model.h"
#include "schema/config.h"
#include "schema/resolve.h"
#include "stores/store.h"

enum plan_action {
	ACT_CREATE,  /* + */
	ACT_UPDATE,  /* ~ */
	ACT_DELETE,  /* - */
	ACT_REPLACE, /* -/+ */
};

enum plan_op {
	OP_ADD,		   /* write a new owned entry for ca */
	OP_REMOVE,	   /* remove (or, for a fixed entry, deselect) the seen entry */
	OP_REPLACE,	   /* remove the seen owned entry, add ca */
	OP_UPDATE,	   /* make the seen owned entry carry ca's name and flags */
	OP_RETRUST,	   /* give the seen foreign entry the wanted trust flags */
	OP_DISTRUST,	   /* mark the seen entry distrusted in place */
	OP_ADD_DISTRUSTED, /* add ca marked distrusted */
	OP_REFRESH,	   /* regenerate derived files from their sources */
	OP_ROOT_DRIFT,	   /* the store's own root is not the CA the config marks */
	OP_REISSUE,	   /* make a finding's issued files again (-/+) */
	OP_SET,		   /* give a finding's setting the wanted value */
};

enum step_result { STEP_PENDING, STEP_DONE, STEP_FAILED };

struct plan_step {
	enum plan_action action;
	enum plan_op op;
	char *name;		  /* CA name, or the label of the entry */
	const struct conf_ca *ca; /* desired CA, or NULL */
	bool has_seen;
	struct trust_entry seen; /* the entry as the planner saw it */
	char *reason;		 /* "because it is not in the configuration" */
	const char *reason_code; /* the same, for machines: "delete_because_no_resource_config"
				  * (Terraform's action_reason), or NULL */
	char *detail;		 /* refresh: what is out of date */
	const struct trust_finding *finding; /* reissue, set: in the store's actual */
	enum step_result result;
	char *error;
	bool stale_plan; /* failed because the store changed since the plan */
};

/* Whether a consumer's running processes see the store as it is. */
enum consumer_state {
	CONSUMER_CURRENT,     /* started after the store's last change */
	CONSUMER_PENDING,     /* restart pending: started before it, or lacks the environment */
	CONSUMER_NOT_RUNNING, /* not running: it reads the store when it starts */
	CONSUMER_UNKNOWN,     /* systemd cannot be asked (--root, a chroot): see detail */
};

/* A unit whose processes read the store at start (reconcile/consumers.c). */
struct plan_consumer {
	char *unit;
	enum consumer_action on_change;
	char *source;	     /* why it is a consumer */
	bool store_restarts; /* the store's own apply restarts it (systemd-env) */
	bool manual;	     /* the operator restarts it (restart: false): apply does not */
	enum consumer_state state;
	char *detail;		 /* pending, not running, unknown: why */
	enum step_result result; /* apply: done, failed, or pending (not run) */
	char *error;		 /* apply: why the restart failed */
};

struct plan_store {
	struct store_inst *inst; /* NULL if the store could not be opened */
	char *address;		 /* copy, valid even without inst */
	char *title;
	struct trust_set actual;
	char *error; /* open or read failure */
	struct plan_step *steps;
	size_t n, alloc;
	char *apply_error; /* set by the applier when apply failed as a whole */
	bool stale_plan;   /* the store changed since the plan was made */
	char *apply_note;  /* what apply did or left pending besides the steps */
	struct plan_consumer *consumers;
	size_t nconsumers, consumers_alloc;
};

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
const char *plan_action_symbol(enum plan_action a);
const char *plan_op_name(enum plan_op op);
/* What a step is about: "ca", "files" (a store's generated files), or what a
 * store that is a CA itself holds: "root", "issuance", "setting". */
const char *plan_step_resource(const struct plan_step *st);
void plan_step_fail(struct plan_step *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
