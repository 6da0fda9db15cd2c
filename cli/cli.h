/*
 * Common options of every command (SPEC §1), parsed once. Only the CLI prints
 * messages and chooses exit codes.
 */
#ifndef TF_CLI_H
#define TF_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

enum exit_code {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_CHANGES = 2,
	EXIT_USAGE = 64,
};

struct options {
	const char *command;
	const char *config; /* NULL: default search */
	const char *host;
	const char *root; /* "" for / */
	bool detailed_exitcode;
	bool json;
	bool no_color;
	bool auto_approve;
	double lock_timeout;
	char **targets;
	size_t ntargets;
	char **args; /* positional arguments after the command */
	size_t nargs;
	bool color; /* decided: terminal, no --no-color, no NO_COLOR */
	time_t now;
	/* config from git (schema/gitsource.h) */
	const char *git_url;
	const char *git_ref;
	const char *git_path;
	bool require_fresh;
	bool allow_unpinned;
	const char *allowed_signers;
	bool git_offline_if_present; /* set for a saved plan's exact commit */
	/* outputs */
	const char *out;	/* plan: save the plan here */
	const char *prometheus; /* node_exporter textfile */
	bool syslog;
	/* diff and report */
	const char *git_from; /* diff --git: the old and the new REF */
	const char *git_to;
	const char *inventory; /* diff: the hosts of this inventory */
	const char *format;    /* --format as given, or NULL */
	bool markdown;	       /* --format markdown */
	/* endpoints (trustform check, and the plan's section) */
	bool offline;	/* plan: connect to no endpoint */
	int timeout_ms; /* the whole connection to an endpoint (resolving included) */
};

struct run;
struct run_opts;

/* Parse argv (after the command word). Returns 0, or EXIT_USAGE after printing why. */
int cli_parse(struct options *o, const char *command, int argc, char **argv);
void cli_dispose(struct options *o);
void cli_usage(FILE *out);
/* What a run of command o->command needs of the options (the app's own
 * struct, reconcile/run.h). */
void cli_run_opts(struct run_opts *ro, const struct options *o);
/* Print "trustform: error: <msg>" to stderr. */
void run_error(const char *msg);
/* run_init with the options mapped by cli_run_opts. */
void cli_run_init(struct run *r, const struct options *o);

/* Commands: each returns an exit code. */
int cmd_plan(struct options *o);
int cmd_apply(struct options *o);
int cmd_validate(struct options *o);
int cmd_show(struct options *o);
int cmd_version(struct options *o);
int cmd_caddy(struct options *o);
int cmd_diff(struct options *o);
int cmd_report(struct options *o);
int cmd_check(struct options *o);

#endif
