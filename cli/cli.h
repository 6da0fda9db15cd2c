/*
 * The command line (SPEC §1). Each command is a module (cli/cmd_*.c) that
 * declares what it accepts in a struct cli_command: its own options (a
 * struct cli_opt table) and which of the shared ones (cli/options.c) it
 * takes. The parser (parse.c), --help (help.c) and the generated completion
 * (tools/gendocs) all work from those tables, as git's builtin/ commands declare a
 * struct option[] for parse_options(). Only the CLI prints messages and
 * chooses exit codes.
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

/* The shared options' values. Every command's own options struct starts with
 * one (a member named common), so a shared option's offset is the same in
 * each. */
struct options {
	const char *command;
	const char *config; /* -c: NULL for the default search */
	const char *host;
	const char *root; /* "" for / */
	char **targets;
	size_t ntargets;
	double lock_timeout;
	bool json;
	bool no_color;
	/* the configuration from git (schema/gitsource.h) */
	const char *git_url;
	const char *git_ref;
	const char *git_path;
	bool require_fresh;
	bool allow_unpinned;
	const char *allowed_signers;
	bool git_offline_if_present; /* set for a saved plan's exact commit */
	/* decided after parsing */
	char **args; /* positional arguments after the command */
	size_t nargs;
	bool color; /* a terminal, no --no-color, no NO_COLOR */
	time_t now;
};

/* What an option sets in its command's options struct. */
enum cli_opt_kind {
	CLI_FLAG,     /* bool at off */
	CLI_STRING,   /* const char * at off: the argument */
	CLI_PARSE,    /* parse(o, arg): checks and stores it (o: the whole struct) */
	CLI_DEADLINE, /* int at off: seconds given (at most 600), kept in milliseconds */
};

/* Which shared options a command takes (struct cli_command.shared). */
enum {
	CLI_SH_CONFIG = 1 << 0, /* -c, --config */
	CLI_SH_GIT = 1 << 1,	/* --git, --path, --require-fresh, ... */
	CLI_SH_HOST = 1 << 2,	/* --host */
	CLI_SH_ROOT = 1 << 3,	/* --root */
	CLI_SH_TARGET = 1 << 4, /* --target */
	CLI_SH_LOCK = 1 << 5,	/* --lock-timeout */
	CLI_SH_JSON = 1 << 6,	/* --json */
	CLI_SH_REF = 1 << 7,	/* --ref (diff takes --from and --to instead) */
	CLI_SH_ALL = 0,		/* --no-color and --help: every command */
};

struct cli_opt {
	const char *name; /* the long name, without "--" */
	char short_name;  /* 'c', or 0: -c is the only short form (SPEC §1) */
	const char *arg;  /* "FILE" for --help; NULL: a flag */
	const char *help; /* for --help; lines separated by '\n' */
	enum cli_opt_kind kind;
	size_t off;				/* CLI_FLAG, CLI_STRING */
	int (*parse)(void *o, const char *arg); /* CLI_PARSE: 0, or -1 said */
	unsigned group;				/* shared options: CLI_SH_* */
	/* shared options: --help groups them under it, and trustform(1)'s
	 * OPTIONS opens a subsection with it */
	const char *heading;
	const char *complete; /* completion: "file", "dir", or words */
	/* trustform(1)'s paragraph for it (tools/gendocs/man_cli.c): sentences,
	 * each with its period, `x` a literal (a path when it has a '/'), as in
	 * the store registry's help; NULL: the help line */
	const char *doc;
};

#define CLI_OPT_FLAG(type, field, name_, help_, doc_)                                              \
	{                                                                                          \
		.name = name_, .help = help_, .kind = CLI_FLAG, .off = offsetof(type, field),      \
		.doc = doc_                                                                        \
	}
#define CLI_OPT_STRING(type, field, name_, arg_, help_, complete_, doc_)                           \
	{                                                                                          \
		.name = name_, .arg = arg_, .help = help_, .kind = CLI_STRING,                     \
		.off = offsetof(type, field), .complete = complete_, .doc = doc_                   \
	}
#define CLI_OPT_PARSE(fn, name_, arg_, help_, complete_, doc_)                                     \
	{                                                                                          \
		.name = name_, .arg = arg_, .help = help_, .kind = CLI_PARSE, .parse = fn,         \
		.complete = complete_, .doc = doc_                                                 \
	}
/* --timeout SECS of the commands that connect to endpoints (plan, check,
 * rotation status): one definition of the option and its docs. */
#define CLI_OPT_DEADLINE(type, field)                                                              \
	{                                                                                          \
		.name = "timeout", .arg = "SECS",                                                  \
		.help = "the whole connection to an endpoint, name\nresolution and handshake "     \
			"included (default 5)",                                                    \
		.kind = CLI_DEADLINE, .off = offsetof(type, field), .complete = "",                \
		.doc = "The deadline of the whole connection to an endpoint, name resolution, "    \
		       "connecting and the handshake included (default 5)."                        \
	}
#define CLI_OPT_END                                                                                \
	{                                                                                          \
		.name = NULL                                                                       \
	}

struct cli_command {
	const char *name;
	const char *sub;	    /* the second word ("caddy export-root"), or NULL */
	const char *operands;	    /* what follows the options in its synopsis, or NULL */
	const char *summary;	    /* for --help; lines separated by '\n' */
	const char *usage;	    /* its synopsis lines and more, for `trustform X --help` */
	unsigned shared;	    /* the shared options it takes (CLI_SH_*) */
	const struct cli_opt *opts; /* its own, ended by CLI_OPT_END; NULL: none */
	size_t size;		    /* its options struct, which starts with struct options */
	/* its own checks of options that go together: 0, or EXIT_USAGE after
	 * cli_usage_error; NULL: none */
	int (*check)(void *o);
	int (*run)(void *o); /* an exit code */
};

/* The commands, one module each (cli/cmd_<name>.c). */
extern const struct cli_command cli_cmd_plan, cli_cmd_apply, cli_cmd_validate, cli_cmd_show,
    cli_cmd_version, cli_cmd_check, cli_cmd_caddy, cli_cmd_diff, cli_cmd_report, cli_cmd_rotation;
/* Every command, in the order of --help, NULL-terminated (commands.c). */
extern const struct cli_command *const cli_commands[];
const struct cli_command *cli_command_find(const char *name);

/* The shared options, ended by CLI_OPT_END (options.c); and the value
 * checks that commands' own tables share. */
extern const struct cli_opt cli_shared_opts[];
int cli_seconds(const char *name, const char *arg, double max, double *secs);
int cli_format(const char *command, const char *arg, bool *json, bool *markdown);
/* Whether command c takes option o. */
bool cli_takes(const struct cli_command *c, const struct cli_opt *o);
/* Each option command c takes: the shared ones, then its own. */
#define CLI_EACH_OPT(o, c, i)                                                                      \
	for (int i = 0; i < 2; i++)                                                                \
		for (const struct cli_opt *o = i ? (c)->opts : cli_shared_opts; o && o->name; o++) \
			if (i || cli_takes(c, o))

/* Parse argv (argv[0]: the command word) into a new options struct of the
 * command's size (*out; cli_dispose frees it). 0, EXIT_USAGE after printing
 * why, or -1 after --help printed the command's usage. */
int cli_parse(void **out, const struct cli_command *c, int argc, char **argv);
void cli_dispose(void *o);
/* trustform --help: every command, and every option with what takes it. */
void cli_usage(FILE *out);
/* trustform X --help: its synopsis and the options it takes. */
void cli_command_usage(FILE *out, const struct cli_command *c);
/* A command's usage error: "trustform X: why", then its usage; EXIT_USAGE. */
int cli_usage_error(const struct cli_command *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct run;
struct run_opts;

/* What a run of command o->command needs of the shared options (the app's
 * own struct, reconcile/run.h); a command sets its own ones after. */
void cli_run_opts(struct run_opts *ro, const struct options *o);
/* Print "trustform: error: <msg>" to stderr. */
void run_error(const char *msg);
/* run_init with the options mapped by cli_run_opts. */
void cli_run_init(struct run *r, const struct options *o);

#endif
