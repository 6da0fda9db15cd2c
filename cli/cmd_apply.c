/* `trustform apply` / `trustapply [FILE]`: plan (or take a saved plan), confirm, converge. */
#include "cli/cli.h"
#include "reconcile/apply.h"
#include "reconcile/check.h"
#include "reconcile/consumers.h"
#include "reconcile/planfile.h"
#include "reconcile/render.h"
#include "reconcile/render_json.h"
#include "reconcile/rotation.h"
#include "reconcile/run.h"
#include "reconcile/verdict.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool confirm(void)
{
	char line[64];
	fputs("Do you want to perform these actions?\n"
	      "  trustform will change the trust stores above.\n"
	      "  Only 'yes' will be accepted to approve.\n\n"
	      "  Enter a value: ",
	      stdout);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcmp(line, "yes") == 0;
}

/* Run as the saved plan was made: its configuration, host, root and targets. */
static void options_from_plan(struct options *o, const struct saved_plan *sp)
{
	o->host = sp->host;
	if (*sp->root)
		o->root = xstrdup(sp->root); /* cli_dispose frees a non-empty root */
	free(o->targets);
	o->targets = xcalloc(sp->ntargets + 1, sizeof(*o->targets));
	for (size_t i = 0; i < sp->ntargets; i++)
		o->targets[i] = sp->targets[i];
	o->ntargets = sp->ntargets;
	o->config = sp->config_path;
	o->git_url = sp->git_url;
	/* the ref is resolved again, and must still point to the commit planned
	 * (planfile_check_origin); the commit is verified with the signer
	 * policy the plan was made with */
	o->git_ref = sp->git_ref;
	o->git_path = sp->git_path;
	o->allow_unpinned = sp->allow_unpinned;
	o->allowed_signers = sp->signers_path;
}

/* Whether some step removes or distrusts an entry: only then does apply
 * connect to the endpoints, to know what the step would break. */
static bool plan_removes(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		for (size_t j = 0; j < p->stores[i].n; j++)
			if (p->stores[i].steps[j].op == OP_REMOVE ||
			    p->stores[i].steps[j].op == OP_DISTRUST)
				return true;
	return false;
}

static void print_plan(struct run *r, const struct render_opts *ro)
{
	if (r->opt.json) {
		render_store_errors(stderr, &r->plan);
		return; /* one JSON document, after the apply */
	}
	run_render_header(r, ro);
	render_plan(stdout, &r->plan, ro);
	render_store_errors(stderr, &r->plan);
	struct verdict v;
	verdict_make(&v, &r->plan, NULL);
	render_summary(stdout, &r->plan, &v, ro);
}

static void print_result(struct run *r, const struct render_opts *ro,
			 const struct apply_result *res, const char *saved)
{
	if (r->opt.json) {
		struct json_doc doc;
		run_json_doc(r, "apply", &doc);
		doc.saved_plan = saved;
		render_json_plan(stdout, &doc, &r->plan, res);
	} else {
		apply_render_summary(stdout, &r->plan, res, ro);
	}
}

struct apply_opts {
	struct options common;
	bool auto_approve;
};

static const struct cli_opt apply_opts[] = {
    CLI_OPT_FLAG(struct apply_opts, auto_approve, "auto-approve", "apply without asking",
		 "Apply without asking."),
    CLI_OPT_END,
};

/* A saved plan carries the rest; --json cannot ask. */
static int check_apply(void *v)
{
	const struct apply_opts *a = v;
	const struct options *o = &a->common;
	if (o->nargs == 1 && (o->config || o->git_url || o->host || *o->root || o->ntargets))
		return cli_usage_error(&cli_cmd_apply,
				       "a saved plan carries its configuration, host, --root "
				       "and --target: give only the plan file (and "
				       "--lock-timeout, --json, --no-color)");
	if (o->json && !a->auto_approve && o->nargs == 0)
		return cli_usage_error(&cli_cmd_apply,
				       "--json cannot ask for confirmation: pass --auto-approve, "
				       "or apply a saved plan (trustplan --out FILE, trustapply "
				       "FILE)");
	return 0;
}

static int cmd_apply(void *v)
{
	struct apply_opts *a = v;
	struct options *o = &a->common;
	struct run r;
	struct saved_plan *sp = NULL;
	struct check_report rep = {0};
	struct rotation_list rot = {0};
	int code = EXIT_ERROR;
	const char *saved = o->nargs == 1 ? o->args[0] : NULL;
	cli_run_init(&r, o);
	if (o->nargs > 1) {
		code = cli_usage_error(&cli_cmd_apply, "unexpected argument \"%s\"", o->args[1]);
		goto out;
	}
	if (saved) {
		if (planfile_load(&sp, saved) < 0) {
			run_fail(&r, err_msg());
			goto out;
		}
		if (planfile_check_signers(sp) < 0) {
			run_fail(&r, err_msg());
			goto out;
		}
		options_from_plan(o, sp);
		cli_run_opts(&r.opt, o);
	}
	if (run_start(&r, true) < 0)
		goto out;
	run_plan(&r);
	if (sp &&
	    (planfile_check_origin(sp, r.git, o->root) < 0 ||
	     planfile_check(sp, r.cfg, &r.plan) < 0 || planfile_check_steps(sp, &r.plan) < 0)) {
		r.planned = false; /* nothing to show but the refusal */
		run_fail(&r, err_msg());
		goto out;
	}
	/* what each removal or distrust would break (the plan shows it; apply
	 * refuses a step that breaks an endpoint its CA does not accept) */
	if (plan_removes(&r.plan) && check_host_has_endpoints(r.res)) {
		struct check_params cp;
		run_check_params(&r, &cp);
		if (check_collect(&rep, &cp) == 0) {
			check_run(&rep, &cp);
			r.check = &rep;
		}
		for (size_t i = 0; i < rep.n; i++)
			if (!rep.eps[i].probe.chain)
				fprintf(stderr,
					"trustform: warning: endpoint %s could not be checked, so "
					"what a removal would break there is not known: %s\n",
					rep.eps[i].ep.url, rep.eps[i].probe.error);
	}
	/* a removal of a rotation's old CA before its retire phase is refused */
	if (plan_removes(&r.plan)) {
		run_rotations(&r, "no check", &rot);
		rotation_block_steps(&rot, &r.plan);
	}
	struct render_opts ro;
	run_render_opts(&r, "apply", &ro);
	print_plan(&r, &ro);
	if (!plan_has_changes(&r.plan)) {
		struct apply_result none = {.failed_stores = r.plan.failed_stores};
		/* nothing to write, but services may still run with the old trust */
		if (r.plan.pending_restarts && !r.plan.failed_stores) {
			struct consumers_mark mark;
			consumers_mark(&mark);
			none.failed_stores +=
			    consumers_apply(&r.plan, r.ctx.root, &mark, o->json ? stderr : stdout);
		}
		print_result(&r, &ro, &none, saved);
		code = none.failed_stores ? EXIT_ERROR : EXIT_OK;
		if (!r.plan.failed_stores)
			run_save_read_cache(&r);
		goto out;
	}
	if (!o->json)
		fputc('\n', stdout);
	if (!a->auto_approve && !sp) {
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
	struct consumers_mark mark; /* the changes are made from here on */
	consumers_mark(&mark);
	apply_plan(&r.plan, o->json ? stderr : stdout, &res);
	/* then the services that read the stores it changed (the journal first) */
	res.failed_stores += consumers_apply(&r.plan, r.ctx.root, &mark, o->json ? stderr : stdout);
	print_result(&r, &ro, &res, saved);
	code = res.failed_stores ? EXIT_ERROR : EXIT_OK;
	if (!res.failed_stores)
		run_save_read_cache(&r);
out:
	fflush(stdout);
	check_report_dispose(&rep);
	rotation_list_dispose(&rot);
	run_dispose(&r);
	planfile_free(sp);
	return code;
}

const struct cli_command cli_cmd_apply = {
    .name = "apply",
    .operands = "[PLAN]",
    .summary = "plan, then converge the stores (asks 'yes' unless --auto-approve);\n"
	       "with PLAN (trustplan --out), apply exactly that saved plan",
    .usage = "usage: trustform apply [options]\n"
	     "       trustapply [options]\n"
	     "       trustapply [--lock-timeout SECS] [--json] [--no-color] PLAN\n"
	     "  plans, then converges this host's trust stores; asks 'yes' on a terminal\n"
	     "  unless --auto-approve. With PLAN (saved by trustplan --out), applies\n"
	     "  exactly that plan, or refuses when a store changed since\n",
    .shared = CLI_SH_CONFIG | CLI_SH_GIT | CLI_SH_REF | CLI_SH_HOST | CLI_SH_ROOT | CLI_SH_TARGET |
	      CLI_SH_LOCK | CLI_SH_JSON,
    .opts = apply_opts,
    .size = sizeof(struct apply_opts),
    .check = check_apply,
    .run = cmd_apply,
};
