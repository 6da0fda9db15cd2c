/*
 * `trustform report PLAN.json…`: many hosts' `trustplan --json` outputs as
 * one fleet summary. Exit 0: no host has changes, 2: some have, 1: a host
 * errored or a file is not a plan (the summary is printed all the same).
 */
#include "cli/cli.h"
#include "reconcile/cbom.h"
#include "reconcile/report.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

struct report_opts {
	struct options common;
	bool markdown;	/* --format markdown */
	bool cyclonedx; /* --format cyclonedx */
};

static int set_format(void *v, const char *arg)
{
	struct report_opts *r = v;
	if (!strcmp(arg, "cyclonedx")) {
		r->cyclonedx = true;
		return 0;
	}
	if (strcmp(arg, "text") && strcmp(arg, "markdown") && strcmp(arg, "json")) {
		fprintf(stderr,
			"trustform report: --format takes text, markdown, json or cyclonedx, not "
			"\"%s\"\n",
			text_disp(arg));
		return -1;
	}
	return cli_format("report", arg, &r->common.json, &r->markdown);
}

static const struct cli_opt report_opts[] = {
    CLI_OPT_PARSE(set_format, "format", "FORMAT",
		  "text (default), markdown, json or cyclonedx (the fleet's\n"
		  "trust inventory as a CycloneDX 1.6 CBOM)",
		  "text markdown json cyclonedx",
		  "`text` (the default), `markdown` (a table per host, for a pull-request "
		  "comment), `json` (as `--json`) or `cyclonedx` (the trust inventory of "
		  "the collected plans as a CycloneDX 1.6 CBOM)."),
    CLI_OPT_END,
};

static int cmd_report(void *v)
{
	struct report_opts *ro = v;
	struct options *o = &ro->common;
	if (!o->nargs)
		return cli_usage_error(&cli_cmd_report, "give the plans: one or more PLAN.json");
	struct report r;
	struct cbom inv;
	cbom_init(&inv);
	report_build(&r, o->args, o->nargs, ro->cyclonedx ? &inv : NULL);
	if (ro->cyclonedx)
		cbom_render(stdout, &inv, NULL, o->now);
	else if (o->json)
		report_render_json(stdout, &r, o->now);
	else if (ro->markdown)
		report_render_markdown(stdout, &r);
	else
		report_render_text(stdout, &r);
	for (size_t i = 0; i < r.nhosts; i++)
		for (size_t j = 0; j < r.hosts[i].nerrors; j++)
			fprintf(stderr, "trustform report: %s: %s\n", text_disp(r.hosts[i].host),
				text_disp(r.hosts[i].errors[j]));
	/* an inventory is not a change report: 2 (changes pending) only for those */
	int code = r.errored ? EXIT_ERROR : r.changed && !ro->cyclonedx ? EXIT_CHANGES : EXIT_OK;
	report_dispose(&r);
	cbom_dispose(&inv);
	fflush(stdout);
	return code;
}

const struct cli_command cli_cmd_report = {
    .name = "report",
    .operands = "PLAN.json...",
    .summary = "many hosts' `trustplan --json` outputs as one fleet summary",
    .usage = "usage: trustform report [--json | --format markdown|cyclonedx] PLAN.json...\n"
	     "  each PLAN.json is one host's `trustplan --json` output\n",
    .shared = CLI_SH_JSON,
    .opts = report_opts,
    .size = sizeof(struct report_opts),
    .run = cmd_report,
};
