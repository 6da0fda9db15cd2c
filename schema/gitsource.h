/*
 * The configuration from a git repository (SPEC §1 --git/--ref/--path), with
 * libgit2. A bare clone is cached under <root>/var/cache/trustform/git/; each
 * run fetches, resolves REF (branch, tag or full commit id) and reads FILE and
 * the CA files it names straight from the commit's tree: there is no work
 * tree, so concurrent runs share nothing but the object database, which they
 * only append to (and the fetch itself is serialised by a lock on the cache).
 *
 * When the remote cannot be reached, the last fetched commit of REF is used
 * with a warning that gives its age, unless require_fresh makes it an error.
 */
#ifndef TF_GITSOURCE_H
#define TF_GITSOURCE_H

#include "schema/config.h"
#include "util/buf.h"

#include <stdbool.h>
#include <time.h>

#define GIT_CACHE_DIR "/var/cache/trustform/git"

struct git_source_opts {
	const char *url;
	const char *ref;    /* branch, tag, refs/..., or a full commit id */
	const char *path;   /* the config file inside the repository */
	const char *root;   /* "" or --root: the cache lives under it */
	bool require_fresh; /* an unreachable remote is an error */
	/* A saved plan names an exact commit: when the cache has it, do not fetch. */
	bool offline_if_present;
	const char *allowed_signers; /* verify the commit's signature, or NULL */
	time_t now;
};

struct git_checkout {
	char *url;
	char *ref;
	char *path; /* normalised, relative to the repository's top */
	char commit[41];
	time_t commit_time;
	bool fresh;		   /* fetched in this run */
	time_t fetched_at;	   /* last successful fetch, 0 when unknown */
	char *warning;		   /* why an older fetch is used, with its age, or NULL */
	char *signed_by;	   /* the verified signer ("ssh: alice@example.org"), or NULL */
	char *cache;		   /* host path of the cached bare repository */
	char *display;		   /* "trust.yaml@3f2a1c9d1e2f", names the file in messages */
	struct buf data;	   /* the config file's bytes */
	struct config_files files; /* reads CA files from the same commit */
	void *priv;
};

/* Fetch (or fall back), resolve, verify and read the config file. Returns 0,
 * or -1 with err set (nothing is returned half-done). */
int git_checkout_open(struct git_checkout **out, const struct git_source_opts *o);
void git_checkout_free(struct git_checkout *g);

/* "<url>//<path> @ <commit>", for plan headers. Caller frees. */
char *git_checkout_origin(const struct git_checkout *g);

#endif
