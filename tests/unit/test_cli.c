/* The commands' option tables (cli/cmd_*.c) and the parser that reads them. */
#include "cli/cli.h"
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

/* Parse a NULL-terminated argv (argv[0]: the command word) for c. */
static int parse(const struct cli_command *c, struct options **o, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	void *v = NULL;
	int rc = cli_parse(&v, c, argc, argv);
	*o = v;
	return rc;
}

static void tables(void)
{
	size_t ncmds = 0;
	for (size_t k = 0; cli_commands[k]; k++, ncmds++) {
		const struct cli_command *c = cli_commands[k];
		CHECK(cli_command_find(c->name) == c);
		CHECK_MSG(c->summary && c->usage && c->run && c->size >= sizeof(struct options),
			  "command %s", c->name);
		/* no option twice in one command, each with its help */
		CLI_EACH_OPT(a, c, i)
		{
			CHECK_MSG(a->help && *a->help, "%s --%s has no help", c->name, a->name);
			CHECK_MSG(a->kind != CLI_STRING || a->arg, "%s --%s", c->name, a->name);
			CHECK_MSG(a->kind != CLI_PARSE || a->parse, "%s --%s", c->name, a->name);
			CLI_EACH_OPT(b, c, j)
			{
				CHECK_MSG(a == b || strcmp(a->name, b->name), "%s takes --%s twice",
					  c->name, a->name);
			}
		}
	}
	CHECK(ncmds == 10);
	CHECK(cli_command_find("frobnicate") == NULL);
	/* the shared options: -c is the only short form */
	for (const struct cli_opt *o = cli_shared_opts; o->name; o++)
		CHECK(!o->short_name || !strcmp(o->name, "config"));
}

static void parser(void)
{
	struct options *o;
	char *plan[] = {
	    "plan",	 "-c", "t.yaml", "--target", "a", "--target=b", "--detailed-exitcode",
	    "--timeout", "2",  "--root", "/r//",     NULL};
	CHECK(parse(&cli_cmd_plan, &o, plan) == 0);
	CHECK_STR(o->config, "t.yaml");
	CHECK(o->ntargets == 2 && !strcmp(o->targets[1], "b"));
	CHECK_STR(o->root, "/r");
	CHECK(o->nargs == 0);
	cli_dispose(o);

	/* an option of another command, a typo, a missing value: usage errors */
	char *show_out[] = {"show", "--out", "x", NULL};
	CHECK(parse(&cli_cmd_show, &o, show_out) == EXIT_USAGE);
	cli_dispose(o);
	char *typo[] = {"plan", "--detailed-exit-code", NULL};
	CHECK(parse(&cli_cmd_plan, &o, typo) == EXIT_USAGE);
	cli_dispose(o);
	char *missing[] = {"plan", "--root", NULL};
	CHECK(parse(&cli_cmd_plan, &o, missing) == EXIT_USAGE);
	cli_dispose(o);
	char *validate_target[] = {"validate", "--target", "a", NULL};
	CHECK(parse(&cli_cmd_validate, &o, validate_target) == EXIT_USAGE);
	cli_dispose(o);

	/* the checks of options that go together */
	char *git_noref[] = {"plan", "--git", "file:///x", NULL};
	CHECK(parse(&cli_cmd_plan, &o, git_noref) == EXIT_USAGE);
	cli_dispose(o);
	char *git[] = {"plan", "--git", "file:///x", "--ref", "main", NULL};
	CHECK(parse(&cli_cmd_plan, &o, git) == 0);
	CHECK_STR(o->git_path, "trust.yaml");
	cli_dispose(o);
	char *diff_one[] = {"diff", "old.yaml", NULL};
	CHECK(parse(&cli_cmd_diff, &o, diff_one) == EXIT_USAGE);
	cli_dispose(o);
	char *diff_git[] = {"diff", "--git", "r", "--from", "a", "--to", "b", NULL};
	CHECK(parse(&cli_cmd_diff, &o, diff_git) == 0);
	cli_dispose(o);
	char *apply_json[] = {"apply", "--json", NULL};
	CHECK(parse(&cli_cmd_apply, &o, apply_json) == EXIT_USAGE);
	cli_dispose(o);

	/* --format json is --json; a bad format is refused */
	char *report[] = {"report", "--format", "json", "a.json", "b.json", NULL};
	CHECK(parse(&cli_cmd_report, &o, report) == 0);
	CHECK(o->json && o->nargs == 2);
	cli_dispose(o);
	char *bad_format[] = {"report", "--format", "yaml", "a.json", NULL};
	CHECK(parse(&cli_cmd_report, &o, bad_format) == EXIT_USAGE);
	cli_dispose(o);
	char *bad_secs[] = {"check", "--timeout", "0", NULL};
	CHECK(parse(&cli_cmd_check, &o, bad_secs) == EXIT_USAGE);
	cli_dispose(o);
}

int main(void)
{
	tables();
	parser();
	return test_report();
}
