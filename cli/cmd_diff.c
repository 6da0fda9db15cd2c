/*
 * `trustform diff OLD NEW` (or --git URL --from REF --to REF): what a change
 * to the fleet's file does to every host's stores, for code review. Both
 * configurations are loaded and validated as plan loads one; no store is read.
 * Exit 0: no difference, 2: differences, 1: an error (file:line:col).
 */
#include "cli/cli.h"
#include "reconcile/fleetdiff.h"
#include "reconcile/run.h"
#include "schema/inventory.h"
#include "util/err.h"

#include <stdio.h>

int cmd_diff(struct options *o)
{
	struct run old, new;
	struct options oo = *o, on = *o;
	char **hosts = NULL;
	size_t nhosts = 0;
	int code = EXIT_ERROR;

	if (o->git_url) {
		oo.git_ref = o->git_from;
		on.git_ref = o->git_to;
	} else {
		oo.config = o->nargs > 0 ? o->args[0] : NULL;
		on.config = o->nargs > 1 ? o->args[1] : NULL;
	}
	cli_run_init(&old, &oo);
	cli_run_init(&new, &on);
	if (o->git_url ? o->nargs != 0 : (o->nargs != 2 || o->config)) {
		fprintf(
		    stderr,
		    "usage: trustform diff [options] OLD NEW\n"
		    "       trustform diff [options] --git URL --from REF --to REF [--path FILE]\n"
		    "  OLD and NEW are two versions of the fleet's configuration file\n");
		code = EXIT_USAGE;
		goto out;
	}
	if (o->inventory && inventory_load(&hosts, &nhosts, o->inventory) < 0) {
		run_fail(&old, err_msg());
		goto out;
	}
	if (run_load(&old) < 0 || run_load(&new) < 0)
		goto out;

	struct fleet_diff d;
	fleet_diff_build(&d, old.cfg, new.cfg, hosts, nhosts);
	if (o->json)
		fleet_diff_render_json(stdout, &d, o->now);
	else if (o->markdown)
		fleet_diff_render_markdown(stdout, &d);
	else
		fleet_diff_render_text(stdout, &d);
	code = fleet_diff_pending(&d) ? EXIT_CHANGES : EXIT_OK;
	fleet_diff_dispose(&d);
out:
	fflush(stdout);
	inventory_free(hosts, nhosts);
	run_dispose(&new);
	run_dispose(&old);
	return code;
}
