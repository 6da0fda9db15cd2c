/*
 * The pipeline every store-reading command shares: load the config, resolve
 * this host, open and read each store, diff. Commands stay thin.
 */
#ifndef TF_RUN_H
#define TF_RUN_H

#include "reconcile/lock.h"
#include "reconcile/plan.h"
#include "reconcile/render.h"
#include "reconcile/render_json.h"
#include "schema/config.h"
#include "schema/gitsource.h"
#include "schema/resolve.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct check_report;
struct check_params;
struct rotation_list;

/* What a run loads, reads and reports: the application's own options. The CLI
 * fills them from its command line (cli_run_opts); nothing here knows of
 * commands or exit codes. */
struct run_opts {
	const char *operation; /* "plan", "apply", …: names the run in the lock, JSON, syslog */
	const char *config;    /* NULL: run_default_config */
	const char *host;      /* NULL: this machine's name */
	const char *root;      /* "" for / */
	char **targets;	       /* only these stores (--target), or none */
	size_t ntargets;
	time_t now;
	double lock_timeout;
	bool json;	 /* a failure before the plan is said as a JSON document too */
	bool color;	 /* messages may use colour */
	bool read_cache; /* read-only: unchanged stores may come from the read cache */
	/* the configuration from git (schema/gitsource.h) */
	const char *git_url;
	const char *git_ref;
	const char *git_path;
	bool require_fresh;
	bool allow_unpinned;
	const char *allowed_signers;
	bool git_offline_if_present;
	/* endpoints */
	bool offline;	/* connect to no endpoint */
	int timeout_ms; /* the whole connection to an endpoint */
	/* where the run speaks: the plan's header and a failure's JSON document
	 * (the CLI gives stdout); diagnostics, warnings, errors and waiting for
	 * the lock (the CLI gives stderr) */
	FILE *out;
	FILE *err;
	/* the drift reports (drift.h) */
	const char *prometheus; /* node_exporter textfile, or NULL */
	bool syslog;
};

struct run {
	struct run_opts opt;
	struct config *cfg;
	struct diag diag;
	struct resolved *res;
	struct run_ctx ctx;
	struct plan plan;
	struct run_lock lock;
	char *roles_text;
	struct git_checkout *git;	       /* the config came from git, or NULL */
	char *failure;			       /* why the run failed before the plan, or NULL */
	bool planned;			       /* run_plan ran */
	const struct check_report *check;      /* the endpoints were checked, or NULL */
	const struct rotation_list *rotations; /* judged (plan), for the metrics, or NULL */
};

/* o is copied. */
void run_init(struct run *r, const struct run_opts *o);
void run_dispose(struct run *r);
/* Load and validate the configuration, printing diagnostics. -1 on errors. */
int run_load(struct run *r);
/* The same for a command that reads one part of the configuration and checks
 * that part itself (caddy export-root): findings elsewhere neither fail it nor
 * are printed. -1 (reported) only when the file cannot be read or parsed. */
int run_load_partial(struct run *r);
/* Pick this host's roles and stores. -1 with err set. */
int run_resolve(struct run *r);
/* Take the lock (create it for apply). -1 with err set. */
int run_lock(struct run *r, bool create);
/* Load, resolve and lock, reporting any failure (run_fail). -1 on failure. */
int run_start(struct run *r, bool create_lock);
/* Open and read every store of the host and diff them. Failures of single
 * stores are recorded in the plan, not returned. */
void run_plan(struct run *r);
/* After an apply in which nothing failed: remember the full reads of the
 * stores that declare a state key, for plans to reuse (readcache.h); stores
 * the apply changed are opened and read afresh first. */
void run_save_read_cache(struct run *r);
/* The configuration to read when -c is not given: ./trust.yaml, else
 * <root>/etc/trustform/trust.yaml (caller frees). */
char *run_default_config(const char *root);
/* Say "trustform: error: <msg>" on the run's error stream. */
void run_say_error(const struct run *r, const char *msg);
/* The run failed before a plan: print msg (NULL: the config's diagnostics say
 * why), as a JSON document too with --json, and remember it for the reports. */
void run_fail(struct run *r, const char *msg);
/* The header line of plan and apply, and the warning of a stale git fetch. */
void run_render_header(const struct run *r, const struct render_opts *ro);
void run_render_opts(const struct run *r, const char *verb, struct render_opts *ro);
void run_json_doc(const struct run *r, const char *operation, struct json_doc *doc);
/* The endpoint check's inputs for this run after run_plan: the stores as
 * they will be after apply, the run's clock and timeout; no URLs given. */
void run_check_params(const struct run *r, struct check_params *p);
/* The rotations' phases from what the run read and checked (r->check, or
 * not_checked says why there is none: "--offline"). */
void run_rotations(const struct run *r, const char *not_checked, struct rotation_list *out);

#endif
