/* `trustform plan` / `trustplan`: read, diff, print; change nothing. */
#include "reconcile/cli.h"
#include "reconcile/render.h"
#include "reconcile/run.h"
#include "util/err.h"

#include <stdio.h>

int cmd_plan(struct options *o)
{
	struct run r;
	int code = EXIT_ERROR;
	run_init(&r, o);
	if (o->nargs) {
		fprintf(stderr, "trustform plan: unexpected argument \"%s\"\n", o->args[0]);
		code = EXIT_USAGE;
		goto out;
	}
	if (run_load(&r) < 0)
		goto out;
	if (run_resolve(&r) < 0 || run_lock(&r, false) < 0) {
		run_error(err_msg());
		goto out;
	}
	run_plan(&r);
	struct render_opts ro = { o->color, "plan", r.ctx.host, r.roles_text, r.cfg->origin };
	render_header(stdout, &ro);
	render_plan(stdout, &r.plan, &ro);
	render_store_errors(stderr, &r.plan);
	render_summary(stdout, &r.plan, &ro);
	if (r.plan.failed_stores)
		code = EXIT_ERROR;
	else if (o->detailed_exitcode && plan_has_changes(&r.plan))
		code = EXIT_CHANGES;
	else
		code = EXIT_OK;
out:
	run_dispose(&r);
	return code;
}
