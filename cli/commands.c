/* Every command (one module each, cli/cmd_*.c), and `trustform --help` made
 * from their tables. */
#include "cli/cli.h"
#include "cli/help.h"

#include <string.h>

const struct cli_command *const cli_commands[] = {
    &cli_cmd_plan,  &cli_cmd_apply, &cli_cmd_validate, &cli_cmd_show,	&cli_cmd_version,
    &cli_cmd_check, &cli_cmd_caddy, &cli_cmd_diff,     &cli_cmd_report, &cli_cmd_rotation,
    NULL,
};

const struct cli_command *cli_command_find(const char *name)
{
	for (size_t i = 0; cli_commands[i]; i++)
		if (!strcmp(cli_commands[i]->name, name))
			return cli_commands[i];
	return NULL;
}

/* The commands that take shared option o, when not all of them do: "(plan,
 * apply)". */
static void put_takers(FILE *out, const struct cli_opt *o)
{
	size_t n = 0, all = 0;
	for (size_t i = 0; cli_commands[i]; i++, all++)
		n += cli_takes(cli_commands[i], o);
	if (n == all)
		return;
	fprintf(out, "%*s(", HELP_COL, "");
	for (size_t i = 0, k = 0; cli_commands[i]; i++)
		if (cli_takes(cli_commands[i], o))
			fprintf(out, "%s%s", k++ ? ", " : "", cli_commands[i]->name);
	fputs(")\n", out);
}

void cli_usage(FILE *out)
{
	fputs("usage: trustform <command> [options]\n"
	      "       trustplan [options]        (= trustform plan)\n"
	      "       trustapply [options]       (= trustform apply)\n"
	      "       trustform <command> --help (the options of one command)\n"
	      "\ncommands:\n",
	      out);
	for (size_t i = 0; cli_commands[i]; i++)
		cli_put_summary(out, cli_commands[i]);
	fputs("\noptions shared by the commands:\n", out);
	for (const struct cli_opt *o = cli_shared_opts; o->name; o++) {
		if (o->heading)
			fprintf(out, "\n%s:\n", o->heading);
		cli_put_opt(out, o);
		put_takers(out, o);
	}
	for (size_t i = 0; cli_commands[i]; i++) {
		const struct cli_command *c = cli_commands[i];
		if (!c->opts || !c->opts->name)
			continue;
		fprintf(out, "\n%s%s%s:\n", c->name, c->sub ? " " : "", c->sub ? c->sub : "");
		for (const struct cli_opt *o = c->opts; o->name; o++)
			cli_put_opt(out, o);
	}
	fputs("\nexit codes: 0 success, 1 error, 2 changes pending (--detailed-exitcode),\n"
	      "            64 usage error\n",
	      out);
}
