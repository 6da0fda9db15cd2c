/*
 * trustform's entry point: dispatch on argv[0] (trustplan, trustapply) or on
 * the first argument, to one command module each (cli/cmd_*.c, listed in
 * cli/commands.c), whose table the parser reads (libgit2's src/cli, git's
 * builtin/).
 */
#include "cli/cli.h"
#include "schema/keys.h"
#include "util/progress.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static int unknown_command(const char *word)
{
	struct suggest sg;
	suggest_init(&sg, word);
	for (size_t i = 0; cli_commands[i]; i++)
		suggest_offer(&sg, cli_commands[i]->name);
	if (sg.best && word[0] != '-')
		fprintf(stderr,
			"trustform: unknown command \"%s\"; did you mean \"%s\"? (see trustform "
			"--help)\n",
			word, sg.best);
	else
		fprintf(stderr, "trustform: unknown command \"%s\"; see trustform --help\n", word);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/');
	self = self ? self + 1 : argv[0];
	const struct cli_command *cmd = NULL;
	int shift = 1;

	signal(SIGPIPE, SIG_IGN);
	progress_init(stderr); /* reading and applying many stores, on a terminal */
	if (!strcmp(self, "trustplan")) {
		cmd = &cli_cmd_plan;
	} else if (!strcmp(self, "trustapply")) {
		cmd = &cli_cmd_apply;
	} else {
		if (argc == 3 && !strcmp(argv[1], "help") && cli_command_find(argv[2])) {
			cli_command_usage(stdout, cli_command_find(argv[2]));
			return EXIT_OK; /* trustform help COMMAND */
		}
		if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
		    !strcmp(argv[1], "help")) {
			cli_usage(argc < 2 ? stderr : stdout);
			return argc < 2 ? EXIT_USAGE : EXIT_OK;
		}
		if (!strcmp(argv[1], "--version"))
			argv[1] = "version";
		cmd = cli_command_find(argv[1]);
		if (!cmd)
			return unknown_command(argv[1]);
		shift = 2;
		if (cmd->sub) { /* "caddy export-root" */
			if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
				cli_command_usage(stdout, cmd);
				return EXIT_OK;
			}
			if (argc < 3 || strcmp(argv[2], cmd->sub)) {
				cli_command_usage(stderr, cmd);
				return EXIT_USAGE;
			}
			shift = 3;
		}
	}
	void *o = NULL;
	/* getopt wants argv[0] first: hand it the command's own argv. */
	int rc = cli_parse(&o, cmd, argc - shift + 1, argv + shift - 1);
	if (rc == 0)
		rc = cmd->run(o);
	else if (rc < 0)
		rc = EXIT_OK; /* --help */
	cli_dispose(o);
	return rc;
}
