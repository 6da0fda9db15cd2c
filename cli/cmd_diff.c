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

struct diff_opts {
	struct options common;
	const char *git_from; /* --git: the old and the new REF */
	const char *git_to;
	const char *inventory; /* the hosts of this inventory */
	bool markdown;	       /* --format markdown */
};

static int set_format(void *v, const char *arg)
{
	struct diff_opts *d = v;
	return cli_format("diff", arg, &d->common.json, &d->markdown);
}

static const struct cli_opt diff_opts[] = {
    CLI_OPT_STRING(struct diff_opts, git_from, "from", "REF",
		   "with --git: the old branch, tag or commit", "",
		   "With `--git`: the old branch, tag or full commit id."),
    CLI_OPT_STRING(struct diff_opts, git_to, "to", "REF",
		   "with --git: the new branch, tag or commit", "",
		   "With `--git`: the new branch, tag or full commit id."),
    CLI_OPT_STRING(struct diff_opts, inventory, "inventory", "FILE",
		   "the host names of this Ansible inventory (INI,\n"
		   "YAML, or one a line) instead of the host entries",
		   "file",
		   "Compare for the host names of this inventory (an Ansible INI or YAML "
		   "inventory, or one name a line) instead of the host entries; a glob entry "
		   "matches inventory names."),
    CLI_OPT_PARSE(set_format, "format", "FORMAT", "text (default), markdown or json",
		  "text markdown json",
		  "`text` (the default), `markdown` (a table per host, for a pull-request "
		  "comment) or `json` (as `--json`)."),
    CLI_OPT_END,
};

static int check_diff(void *v)
{
	const struct diff_opts *d = v;
	if (d->common.git_url && (!d->git_from || !d->git_to))
		return cli_usage_error(&cli_cmd_diff, "diff --git URL takes --from REF and --to "
						      "REF: the old and the new branch, tag or "
						      "commit");
	if (!d->common.git_url && (d->git_from || d->git_to))
		return cli_usage_error(&cli_cmd_diff, "--from and --to go with --git URL");
	if (d->common.git_url ? d->common.nargs != 0 : d->common.nargs != 2)
		return cli_usage_error(&cli_cmd_diff, "%s",
				       d->common.git_url
					   ? "with --git, OLD and NEW are --from and --to"
					   : "give OLD and NEW, two versions of the fleet's "
					     "configuration file");
	return 0;
}

static int cmd_diff(void *v)
{
	struct diff_opts *dopt = v;
	struct options *o = &dopt->common;
	struct run old, new;
	struct options oo = *o, on = *o;
	char **hosts = NULL;
	size_t nhosts = 0;
	int code = EXIT_ERROR;

	if (o->git_url) {
		oo.git_ref = dopt->git_from;
		on.git_ref = dopt->git_to;
	} else {
		oo.config = o->nargs > 0 ? o->args[0] : NULL;
		on.config = o->nargs > 1 ? o->args[1] : NULL;
	}
	cli_run_init(&old, &oo);
	cli_run_init(&new, &on);
	if (dopt->inventory && inventory_load(&hosts, &nhosts, dopt->inventory) < 0) {
		run_fail(&old, err_msg());
		goto out;
	}
	if (run_load(&old) < 0 || run_load(&new) < 0)
		goto out;

	struct fleet_diff d;
	fleet_diff_build(&d, old.cfg, new.cfg, hosts, nhosts);
	if (o->json)
		fleet_diff_render_json(stdout, &d, o->now);
	else if (dopt->markdown)
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

const struct cli_command cli_cmd_diff = {
    .name = "diff",
    .operands = "OLD NEW",
    .summary = "what every host of the fleet file gains, loses, replaces or\n"
	       "distrusts between two configurations (files, or --git URL\n"
	       "--from REF --to REF); reads no store; exit 2 on differences",
    .usage = "usage: trustform diff [options] OLD NEW\n"
	     "       trustform diff [options] --git URL --from REF --to REF [--path FILE]\n"
	     "  OLD and NEW are two versions of the fleet's configuration file\n",
    .shared = CLI_SH_GIT | CLI_SH_ROOT | CLI_SH_JSON,
    .opts = diff_opts,
    .size = sizeof(struct diff_opts),
    .check = check_diff,
    .run = cmd_diff,
};
