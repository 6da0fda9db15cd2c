/*
 * The steps of a plan: the contract between the engine and the stores. The
 * engine's diff makes a plan_store's steps (reconcile/plan.h); a store's apply
 * carries them out and sets each one's result. Every step carries the entry the
 * planner saw, so a store can compare-and-swap at apply time.
 *
 * Below schema/ and stores/: it names a configured CA (struct conf_ca) and a
 * store instance (struct store_inst) only through pointers.
 */
#ifndef TF_STEP_H
#define TF_STEP_H

#include "model/model.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

struct conf_ca;
struct conf_store;
struct fs_txn;
struct store_inst;

/* What a change to a store needs for a consumer's processes to see it. */
enum consumer_action { CONSUMER_RESTART, CONSUMER_RELOAD };

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

/* A step's outcome. STEP_STALE is a failure of its own (the step's code was
 * TF_EMODIFIED): the store changed since the plan was made, nothing is wrong
 * but the timing, and the answer is to plan again. Consumers use only
 * pending, done and failed. */
enum step_result { STEP_PENDING, STEP_DONE, STEP_FAILED, STEP_STALE };

/* An endpoint that verifies now and would not once the step is carried out
 * (reconcile/check.c): the removed or distrusted entry is where its chain ends. */
struct step_break {
	char *url;     /* as connects_to gives it */
	bool accepted; /* the CA's accept_breaking lists it */
};

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
	enum step_result result;	     /* set from a code: plan_step_end */
	char *error;			     /* failed or stale: why */
	struct step_break *breaks;	     /* what the step would break */
	size_t nbreaks;
	/* The step removes or distrusts the old CA of a rotation whose retire
	 * phase has not come (reconcile/rotation.h): what blocks it, or NULL.
	 * Apply refuses it like an unaccepted break. */
	char *blocked;
	/* The store cannot carry out this op (its backend's ops lack it): the
	 * planner's one refusal text, with the store's position; apply fails the
	 * step with it and never hands it to the store. NULL otherwise. */
	char *refused;
};

/* Record that the step would break url (once per URL). */
void plan_step_add_break(struct plan_step *st, const char *url, bool accepted);
/* Whether some endpoint it would break is not accepted, or a rotation blocks
 * it: apply refuses it. */
bool plan_step_break_refused(const struct plan_step *st);

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
	/* The configured store (where its YAML entry is), even without inst;
	 * NULL for what no store entry configures. */
	const struct conf_store *conf;
	char *address; /* copy, valid even without inst */
	char *title;
	struct trust_set actual;
	char *error; /* open or read failure */
	struct plan_step *steps;
	size_t n, alloc;
	char *apply_error; /* set by the applier when apply failed as a whole */
	bool stale_plan;   /* the store changed since the plan (a step or the store's code) */
	char *apply_note;  /* what apply did or left pending besides the steps */
	struct plan_consumer *consumers;
	size_t nconsumers, consumers_alloc;
	/* What the store's trust depends on and when each must be renewed: the
	 * configured CAs it must trust, then what the store reported
	 * (actual.expiries); see plan_store_expiry. */
	struct expiry_list expiring;
};

const char *plan_action_symbol(enum plan_action a);
const char *plan_op_name(enum plan_op op);

/* How a store reports one step's end (the failure contract of stores/store.h):
 * the outcome follows from the code alone, never from the message. code is 0
 * (done), TF_ERROR (failed) or TF_EMODIFIED (stale: changed since the plan). */
void plan_step_end(struct plan_step *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Failed, for a reason of the store's own (TF_ERROR). */
void plan_step_fail(struct plan_step *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Failed with the current error and its code (stale for TF_EMODIFIED). The
 * step takes the error: it is cleared, so that it is no longer the store's. */
void plan_step_fail_err(struct plan_step *st);
/* For the branch of a backend's switch that its `ops` (stores/store.h) leave
 * out: the planner refuses such a step, with its one text, before apply, so
 * reaching here is trustform's bug. Sets err (naming the op); returns -1. */
int plan_step_unexpected(const struct plan_step *st);
/* Whether the step failed, stale or not. */
bool plan_step_failed(const struct plan_step *st);

/* Finishing a store's steps at apply time: the one place that turns a write
 * or a commit into step results, so that every store reports alike. */

/* Commit txn; then every step still pending is done (or failed with the
 * commit's error, which the steps take). Returns rc, or -1 if the commit
 * failed; *committed (may be NULL) says whether it did. */
int plan_steps_finish(struct plan_store *ps, struct fs_txn *txn, int rc, bool *committed);
/* Fail every step still pending with the current error and its code; the
 * steps take it (it is cleared) when there was one. Returns how many. */
size_t plan_steps_fail_pending(struct plan_store *ps);

#endif
