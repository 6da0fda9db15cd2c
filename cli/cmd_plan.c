/* `trustform plan` / `trustplan`: read, diff, print; change nothing. */
#include "cli/cli.h"
#include "reconcile/check.h"
#include "reconcile/drift.h"
#include "reconcile/planfile.h"
#include "reconcile/render.h"
#include "reconcile/render_json.h"
#include "reconcile/run.h"
#include "reconcile/verdict.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

static int save_plan(const struct run *r, const char *path)
{
	const struct run_opts *o = &r->opt;
	char *config_path = NULL;
	if (!r->git) {
		config_path = realpath(r->cfg->path, NULL);
		if (!config_path)
			config_path = xstrdup(r->cfg->path);
	}
	char *root = *o->root ? realpath(o->root, NULL) : NULL;
	char *signers = o->allowed_signers ? realpath(o->allowed_signers, NULL) : NULL;
	struct planfile_meta m = {
	    .host = r->ctx.host,
	    .root = root ? root : o->root,
	    .targets = o->targets,
	    .ntargets = o->ntargets,
	    .cfg = r->cfg,
	    .config_path = config_path,
	    .git = r->git,
	    .allow_unpinned = o->allow_unpinned,
	    .allowed_signers = signers ? signers : o->allowed_signers,
	    .now = o->now,
	};
	int rc = planfile_save(path, &r->plan, &m);
	free(config_path);
	free(root);
	free(signers);
	return rc;
}

int cmd_plan(struct options *o)
{
	struct run r;
	struct check_report rep = {0};
	int code = EXIT_ERROR;
	cli_run_init(&r, o);
	if (o->nargs) {
		fprintf(stderr, "trustform plan: unexpected argument \"%s\"\n", o->args[0]);
		code = EXIT_USAGE;
		goto out;
	}
	if (run_start(&r, false) < 0)
		goto out;
	run_plan(&r);
	/* the endpoints the roles call, judged with the stores after apply; only
	 * when the roles list some, and not --offline */
	if (!o->offline && check_host_has_endpoints(r.res)) {
		struct check_params cp;
		run_check_params(&r, &cp);
		if (check_collect(&rep, &cp) == 0) {
			check_run(&rep, &cp);
			r.check = &rep;
		}
	}
	struct render_opts ro;
	run_render_opts(&r, "plan", &ro);
	if (o->json) {
		struct json_doc doc;
		run_json_doc(&r, "plan", &doc);
		doc.check = r.check;
		render_json_plan(stdout, &doc, &r.plan, NULL);
		render_store_errors(stderr, &r.plan);
	} else {
		run_render_header(&r, &ro);
		render_plan(stdout, &r.plan, &ro);
		render_store_errors(stderr, &r.plan);
		if (r.check)
			check_render(stdout, r.check, ro.color,
				     plan_has_changes(&r.plan) ? CHECK_RENDER_PLAN
							       : CHECK_RENDER_PLAN_CLEAN);
		struct verdict v;
		verdict_make(&v, &r.plan, r.check);
		render_summary(stdout, &r.plan, &v, &ro);
	}
	if (o->out) {
		if (save_plan(&r, o->out) < 0) {
			run_fail(&r, err_msg());
			goto out;
		}
		if (!o->json)
			printf("\nSaved the plan to: %s\n\nTo perform exactly these actions, "
			       "run:\n    trustapply %s\n",
			       o->out, o->out);
	}
	struct verdict v;
	verdict_make(&v, &r.plan, r.check);
	if (r.plan.failed_stores)
		code = EXIT_ERROR;
	else if (o->detailed_exitcode && verdict_drift(&v))
		code = EXIT_CHANGES;
	else
		code = EXIT_OK;
out:
	fflush(stdout);
	for (size_t i = 0; i < rep.n; i++)
		if (!rep.eps[i].probe.chain)
			fprintf(stderr,
				"trustform: warning: endpoint %s could not be checked: %s\n",
				rep.eps[i].ep.url, rep.eps[i].probe.error);
	if (drift_report(&r, code == EXIT_ERROR) < 0)
		code = EXIT_ERROR;
	check_report_dispose(&rep);
	run_dispose(&r);
	return code;
}
