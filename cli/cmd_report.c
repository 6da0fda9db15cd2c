/*
 * `trustform report PLAN.json…`: many hosts' `trustplan --json` outputs as
 * one fleet summary. Exit 0: no host has changes, 2: some have, 1: a host
 * errored or a file is not a plan (the summary is printed all the same).
 */
#include "cli/cli.h"
#include "reconcile/report.h"
#include "util/text.h"

#include <stdio.h>

int cmd_report(struct options *o)
{
	if (!o->nargs || o->config || o->git_url || o->host || *o->root || o->ntargets) {
		fputs("usage: trustform report [--json | --format markdown] PLAN.json...\n"
		      "  each PLAN.json is one host's `trustplan --json` output\n",
		      stderr);
		return EXIT_USAGE;
	}
	struct report r;
	report_build(&r, o->args, o->nargs);
	if (o->json)
		report_render_json(stdout, &r, o->now);
	else if (o->markdown)
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
