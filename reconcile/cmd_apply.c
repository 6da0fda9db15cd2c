/* `trustform apply` / `trustapply`: plan, confirm, converge. */
#include "reconcile/apply.h"
#include "reconcile/cli.h"
#include "reconcile/render.h"
#include "reconcile/run.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool confirm(void)
{
	char line[64];
	fputs("Do you want to perform these actions?\n"
	      "  trustform will change the trust stores above.\n"
	      "  Only 'yes' will be accepted to approve.\n\n"
	      "  Enter a value: ", stdout);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcmp(line, "yes") == 0;
}

int cmd_apply(struct options *o)
{
	struct run r;
	int code = EXIT_ERROR;
	run_init(&r, o);
	if (o->nargs) {
		fprintf(stderr, "trustform apply: unexpected argument \"%s\"\n", o->args[0]);
		code = EXIT_USAGE;
		goto out;
	}
	if (run_load(&r) < 0)
		goto out;
	if (run_resolve(&r) < 0 || run_lock(&r, true) < 0) {
		run_error(err_msg());
		goto out;
	}
	run_plan(&r);
	struct render_opts ro = { o->color, "apply", r.ctx.host, r.roles_text, r.cfg->origin };
	render_header(stdout, &ro);
	render_plan(stdout, &r.plan, &ro);
	render_store_errors(stderr, &r.plan);
	if (!plan_has_changes(&r.plan)) {
		render_summary(stdout, &r.plan, &ro);
		struct apply_result none = { .failed_stores = r.plan.failed_stores };
		apply_render_summary(stdout, &r.plan, &none, &ro);
		code = r.plan.failed_stores ? EXIT_ERROR : EXIT_OK;
		goto out;
	}
	render_summary(stdout, &r.plan, &ro);
	fputc('\n', stdout);
	if (!o->auto_approve) {
		if (!isatty(STDIN_FILENO)) {
			run_error("standard input is not a terminal, so there is no one to confirm "
				  "the plan; pass --auto-approve to apply without asking");
			goto out;
		}
		if (!confirm()) {
			fputs("\nApply cancelled.\n", stdout);
			goto out;
		}
		fputc('\n', stdout);
	}
	struct apply_result res;
	apply_plan(&r.plan, stdout, &ro, &res);
	apply_render_summary(stdout, &r.plan, &res, &ro);
	code = res.failed_stores ? EXIT_ERROR : EXIT_OK;
out:
	fflush(stdout);
	run_dispose(&r);
	return code;
}
