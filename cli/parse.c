/* The parser: a command's argv against the options its table takes (cli.h). */
#include "cli/cli.h"
#include "schema/keys.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_OPTS 64

/* The options c takes, flat: the shared ones, then its own. */
static size_t collect(const struct cli_command *c, const struct cli_opt **v)
{
	size_t n = 0;
	CLI_EACH_OPT(o, c, i)
	{
		if (n < MAX_OPTS)
			v[n++] = o;
	}
	return n;
}

/* The other commands that take option name ("diff, report"), or "" for none
 * (caller frees). */
static char *taken_by(const struct cli_command *c, const char *name)
{
	struct buf b = BUF_INIT;
	for (size_t k = 0; cli_commands[k]; k++) {
		if (cli_commands[k] == c)
			continue;
		CLI_EACH_OPT(o, cli_commands[k], i)
		{
			if (!strcmp(o->name, name))
				buf_printf(&b, "%s%s", b.len ? ", " : "", cli_commands[k]->name);
		}
	}
	return b.len ? buf_detach(&b) : xstrdup("");
}

/* "--name[=value]" that getopt refused: say what it is, with the usage. */
static int refuse(const struct cli_command *c, const char *arg, const struct cli_opt **v, size_t n,
		  bool missing)
{
	bool short_c = !strncmp(arg, "-c", 2); /* -c FILE, -cFILE: --config */
	if (strncmp(arg, "--", 2) != 0 && !short_c)
		return cli_usage_error(c, "unknown option \"%s\"", arg);
	char *name = short_c ? xstrdup("config") : xstrndup(arg + 2, strcspn(arg + 2, "="));
	struct suggest sg;
	suggest_init(&sg, name);
	const struct cli_opt *known = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i]->name, name))
			known = v[i];
		suggest_offer(&sg, v[i]->name);
	}
	suggest_offer(&sg, "help");
	char *other = taken_by(c, name);
	int rc;
	if (known && missing)
		rc = cli_usage_error(c, "option \"--%s\" needs its %s", known->name,
				     known->arg ? known->arg : "value");
	else if (known)
		rc = cli_usage_error(c, "option \"--%s\" takes no value", known->name);
	else if (*other)
		rc = cli_usage_error(c, "\"--%s\" is not an option of this command (%s take%s it)",
				     name, other, strchr(other, ',') ? "" : "s");
	else if (sg.best)
		rc = cli_usage_error(c, "unknown option \"%s\"; did you mean \"--%s\"?", arg,
				     sg.best);
	else
		rc = cli_usage_error(c, "unknown option \"%s\"", arg);
	free(other);
	free(name);
	return rc;
}

static int set(void *o, const struct cli_opt *opt, const char *arg)
{
	switch (opt->kind) {
	case CLI_FLAG:
		*(bool *)((char *)o + opt->off) = true;
		return 0;
	case CLI_STRING:
		*(const char **)((char *)o + opt->off) = arg;
		return 0;
	case CLI_PARSE:
		return opt->parse(o, arg);
	case CLI_DEADLINE: {
		char *name = xasprintf("--%s", opt->name);
		double secs;
		int rc = cli_seconds(name, arg, 600, &secs);
		free(name);
		if (rc == 0)
			*(int *)((char *)o + opt->off) = (int)(secs * 1000);
		return rc;
	}
	}
	return -1;
}

/* The shared options that only make sense together. */
static int check_shared(const struct cli_command *c, struct options *o)
{
	if (o->git_url && o->config)
		return cli_usage_error(c, "give --config or --git, not both");
	if (!o->git_url && (o->git_ref || o->git_path || o->require_fresh || o->allow_unpinned ||
			    o->allowed_signers))
		return cli_usage_error(c, "--ref, --path, --require-fresh, --allow-unpinned and "
					  "--git-allowed-signers go with --git URL");
	if (o->git_url && !o->git_ref && (c->shared & CLI_SH_REF))
		return cli_usage_error(c, "--git needs --ref: the branch, tag or full commit id "
					  "to read");
	if (o->git_url && !o->git_path)
		o->git_path = "trust.yaml";
	return 0;
}

static int parse_args(void *o, const struct cli_command *c, int argc, char **argv)
{
	const struct cli_opt *v[MAX_OPTS];
	size_t n = collect(c, v);
	struct option lo[MAX_OPTS + 2];
	bool short_c = false;
	for (size_t i = 0; i < n; i++) {
		lo[i] = (struct option){v[i]->name, v[i]->arg ? required_argument : no_argument,
					NULL, 256 + (int)i};
		short_c |= v[i]->short_name == 'c';
	}
	lo[n] = (struct option){"help", no_argument, NULL, 'h'};
	lo[n + 1] = (struct option){NULL, 0, NULL, 0};
	int ch, at = 0;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, short_c ? ":c:h" : ":h", lo, &at)) != -1) {
		if (ch == 'h') {
			cli_command_usage(stdout, c);
			return -1;
		}
		if (ch == 'c' || ch >= 256) {
			const struct cli_opt *opt = ch == 'c' ? &cli_shared_opts[0] : v[ch - 256];
			if (set(o, opt, optarg) < 0)
				return EXIT_USAGE; /* the option's check said why */
			continue;
		}
		if (ch == ':' && optopt == 'c')
			return cli_usage_error(c, "option \"-c\" needs its FILE");
		/* a short option (optopt) may stand inside a word ("-xc") */
		char shortopt[3] = {'-', (char)optopt, '\0'};
		bool is_short = optopt > 0 && optopt < 256;
		return refuse(c, is_short ? shortopt : argv[optind - 1], v, n, ch == ':');
	}
	struct options *co = o;
	co->args = argv + optind;
	co->nargs = (size_t)(argc - optind);
	return 0;
}

int cli_parse(void **out, const struct cli_command *c, int argc, char **argv)
{
	struct options *o = xcalloc(1, c->size);
	*out = o;
	o->command = c->name;
	o->root = "";
	int rc = parse_args(o, c, argc, argv);
	if (rc != 0)
		return rc;
	if (check_shared(c, o) != 0 || (c->check && c->check(o) != 0))
		return EXIT_USAGE;
	const char *nc = getenv("NO_COLOR");
	o->color = !o->no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
	const char *now = getenv("TRUSTFORM_NOW");
	o->now = now && *now ? (time_t)strtoll(now, NULL, 10) : time(NULL);
	return 0;
}

void cli_dispose(void *v)
{
	struct options *o = v;
	if (!o)
		return;
	free(o->targets);
	if (o->root && *o->root)
		free((char *)o->root);
	free(o);
}
