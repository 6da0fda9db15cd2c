/*
 * Saved plans (`trustplan --out FILE`, `trustapply FILE`).
 *
 * A saved plan is a JSON file (format "trustform-plan", version PLANFILE_VERSION,
 * documented in the README) holding what `trustapply FILE` needs to apply
 * exactly that plan and to prove that nothing moved since:
 *   - where the configuration came from (a file path, or git URL + commit) and
 *     its digest: the file's bytes plus every CA's name and fingerprint;
 *   - the host, --root and --target of the run;
 *   - the CAs the steps add, as PEM (public certificates only);
 *   - per store instance, a digest of the trust_set the planner saw and the
 *     steps, each with the entry it saw. Apply makes the plan again and
 *     requires the saved steps to be exactly its steps (planfile_check_steps);
 *     it applies its own plan, never steps read from the file.
 * Store options are not copied (they may hold passwords): apply loads the same
 * configuration again and refuses unless its digest is the one saved.
 */
#ifndef TF_PLANFILE_H
#define TF_PLANFILE_H

#include "reconcile/plan.h"
#include "util/hex.h"

#include <stdbool.h>
#include <time.h>

#define PLANFILE_FORMAT	 "trustform-plan"
#define PLANFILE_VERSION 1

struct git_checkout;

/* SHA-256 of the config file's bytes and of every CA's name and fingerprint. */
void planfile_config_digest(char out[FP_HEX_LEN + 1], const struct config *cfg);
/* SHA-256 of a store's trust_set as the planner saw it: every entry
 * (fingerprint, label, owned, state, flags, where, fixed, can_distrust,
 * siblings), in the set's sorted order, and its stale reason. */
void planfile_store_digest(char out[FP_HEX_LEN + 1], const struct trust_set *s);

/* The machine a plan is made on: uname's node name and <root>/etc/machine-id
 * (NULL when there is none). */
struct planfile_machine {
	char *hostname, *machine_id;
};
void planfile_machine(struct planfile_machine *m, const char *root);
void planfile_machine_dispose(struct planfile_machine *m);
/* SHA-256 of a file (the signer policy), as hex. -1 with err set. */
int planfile_file_sha256(char out[FP_HEX_LEN + 1], const char *path);

struct planfile_meta {
	const char *host;
	const char *root;
	char *const *targets;
	size_t ntargets;
	const struct config *cfg;
	const char *config_path;	/* absolute, when not from git */
	const struct git_checkout *git; /* or NULL */
	bool allow_unpinned;
	const char *allowed_signers; /* absolute, or NULL */
	time_t now;
};

/* Write the plan atomically. -1 with err set (nothing written) when a store
 * could not be read: such a plan could not be checked later. */
int planfile_save(const char *path, const struct plan *p, const struct planfile_meta *m);

struct saved_plan {
	char *path;
	char *host;
	char *root;
	char **targets;
	size_t ntargets;
	char *config_path; /* a file config, or NULL */
	char *git_url, *git_ref, *git_path, *git_commit;
	bool allow_unpinned;
	char *signers_path, *signers_sha256; /* the signer policy, or NULL */
	struct planfile_machine machine;
	char config_digest[FP_HEX_LEN + 1];
	void *doc; /* the parsed JSON; steps are read from it */
};

/* Read and check the file's format. -1 with err set. */
int planfile_load(struct saved_plan **out, const char *path);
void planfile_free(struct saved_plan *sp);

/* Compare the saved plan with the configuration loaded again and the stores
 * read again (fresh). Returns 0 when nothing moved; otherwise -1 with err set
 * to "Saved plan is stale: ..." naming the configuration or the stores. */
int planfile_check(const struct saved_plan *sp, const struct config *cfg, const struct plan *fresh);
/* After planfile_check: the saved steps of every store must be exactly the
 * steps of the plan made now (fresh): same steps in the same order, same seen
 * entries, same CAs by fingerprint. Then fresh is applied, never the file's
 * steps. -1 with err set to "...: malformed saved plan: store S, step N: ..."
 * naming the first step that differs. */
int planfile_check_steps(const struct saved_plan *sp, const struct plan *fresh);

/* Before the configuration is read again: the signer policy's file must have
 * the SHA-256 recorded. -1 with err set naming allowed_signers. */
int planfile_check_signers(const struct saved_plan *sp);
/* After it is read again: the machine must be the one the plan was made on,
 * and the ref (re-resolved, g) must point to the commit recorded. -1 with err
 * set naming the field that differs. */
int planfile_check_origin(const struct saved_plan *sp, const struct git_checkout *g,
			  const char *root);

#endif
