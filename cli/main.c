/*
 * trustform's entry point: dispatch on argv[0] (trustplan, trustapply) or on
 * the first argument, to one small command function each (libgit2's src/cli).
 */
#include "cli/cli.h"
#include "schema/keys.h"
#include "util/progress.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(struct options *o);
	const char *help;
};

static const struct command commands[] = {
    {"plan", cmd_plan, "compare the configuration with the stores"},
    {"apply", cmd_apply, "converge the stores"},
    {"validate", cmd_validate, "check the configuration offline"},
    {"show", cmd_show, "list what each store holds"},
    {"version", cmd_version, "print versions"},
    {"check", cmd_check, "whether the host's clients will accept its endpoints"},
    {"caddy", cmd_caddy, "caddy export-root: write Caddy's current root as PEM"},
    {"diff", cmd_diff, "what a change to the fleet file does to every host"},
    {"report", cmd_report, "many hosts' JSON plans as one fleet summary"},
    {NULL, NULL, NULL},
};

/* Two-word commands ("caddy export-root"): the second word, and the usage
 * said when it is missing. */
static const struct subcommand {
	const char *name, *sub, *usage;
} subcommands[] = {
    {"caddy", "export-root",
     "usage: trustform caddy export-root [options] [FILE]\n"
     "  writes Caddy's current root (of the CA in the config's caddy: section)\n"
     "  as PEM to FILE, or to standard output\n"},
    {NULL, NULL, NULL},
};

static const struct command *find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/');
	self = self ? self + 1 : argv[0];
	const struct command *cmd = NULL;
	int shift = 1;

	signal(SIGPIPE, SIG_IGN);
	progress_init(stderr); /* reading and applying many stores, on a terminal */
	if (!strcmp(self, "trustplan")) {
		cmd = find("plan");
	} else if (!strcmp(self, "trustapply")) {
		cmd = find("apply");
	} else {
		if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
		    !strcmp(argv[1], "help")) {
			cli_usage(argc < 2 ? stderr : stdout);
			return argc < 2 ? EXIT_USAGE : EXIT_OK;
		}
		if (!strcmp(argv[1], "--version"))
			argv[1] = "version";
		cmd = find(argv[1]);
		if (!cmd) {
			struct suggest sg;
			suggest_init(&sg, argv[1]);
			for (const struct command *c = commands; c->name; c++)
				suggest_offer(&sg, c->name);
			if (sg.best && argv[1][0] != '-')
				fprintf(stderr,
					"trustform: unknown command \"%s\"; did you mean \"%s\"? "
					"(see trustform --help)\n",
					argv[1], sg.best);
			else
				fprintf(stderr,
					"trustform: unknown command \"%s\"; see trustform --help\n",
					argv[1]);
			return EXIT_USAGE;
		}
		shift = 2;
		for (const struct subcommand *sc = subcommands; sc->name; sc++) {
			if (strcmp(sc->name, cmd->name))
				continue;
			if (argc < 3 || strcmp(argv[2], sc->sub)) {
				fputs(sc->usage, stderr);
				return EXIT_USAGE;
			}
			shift = 3;
		}
	}
	struct options o;
	/* getopt wants argv[0] first: hand it the command's own argv. */
	int rc = cli_parse(&o, cmd->name, argc - shift + 1, argv + shift - 1);
	if (rc != 0) {
		cli_dispose(&o);
		return rc < 0 ? EXIT_OK : rc;
	}
	rc = cmd->fn(&o);
	cli_dispose(&o);
	return rc;
}
