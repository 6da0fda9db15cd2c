/*
 * `trustform report PLAN.json…`: many hosts' `trustplan --json` outputs as
 * one fleet summary. Exit 0: no host has changes, 2: some have, 1: a host
 * errored or a file is not a plan (the summary is printed all the same).
 */
#include "cli/cli.h"
#include "reconcile/report.h"
#include "util/text.h"

#include <stdio.h>

struct report_opts {
	struct options common;
	bool markdown; /* --format markdown */
};

static int set_format(void *v, const char *arg)
{
	struct report_opts *r = v;
	return cli_format("report", arg, &r->common.json, &r->markdown);
}

static const struct cli_opt report_opts[] = {
    CLI_OPT_PARSE(set_format, "format", "FORMAT", "text (default), markdown or json",
		  "text markdown json",
		  "`text` (the default), `markdown` (a table per host, for a pull-request "
		  "comment) or `json` (as `--json`)."),
    CLI_OPT_END,
};

static int cmd_report(void *v)
{
	struct report_opts *ro = v;
	struct options *o = &ro->common;
	if (!o->nargs)
		return cli_usage_error(&cli_cmd_report, "give the plans: one or more PLAN.json");
	struct report r;
	report_build(&r, o->args, o->nargs);
	if (o->json)
		report_render_json(stdout, &r, o->now);
	else if (ro->markdown)
		report_render_markdown(stdout, &r);
	else
		report_render_text(stdout, &r);
	for (size_t i = 0; i < r.nhosts; i++)
		for (size_t j = 0; j < r.hosts[i].nerrors; j++)
			fprintf(stderr, "trustform report: %s: %s\n", text_disp(r.hosts[i].host),
				text_disp(r.hosts[i].errors[j]));
	int code = r.errored ? EXIT_ERROR : r.changed ? EXIT_CHANGES : EXIT_OK;
	report_dispose(&r);
	fflush(stdout);
	return code;
}

const struct cli_command cli_cmd_report = {
    .name = "report",
    .operands = "PLAN.json...",
    .summary = "many hosts' `trustplan --json` outputs as one fleet summary",
    .usage = "usage: trustform report [--json | --format markdown] PLAN.json...\n"
	     "  each PLAN.json is one host's `trustplan --json` output\n",
    .shared = CLI_SH_JSON,
    .opts = report_opts,
    .size = sizeof(struct report_opts),
    .run = cmd_report,
};
