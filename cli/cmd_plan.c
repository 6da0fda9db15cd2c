/* `trustform plan` / `trustplan`: read, diff, print; change nothing. */
#include "cli/cli.h"
#include "reconcile/check.h"
#include "reconcile/drift.h"
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

/* Its options: the shared ones, then its own. */
struct plan_opts {
	struct options common;
	bool detailed_exitcode;
	const char *out;	/* save the plan here */
	const char *prometheus; /* node_exporter textfile */
	bool syslog;
	bool offline;	/* connect to no endpoint */
	int timeout_ms; /* the whole connection to an endpoint; 0: the default */
};

static const struct cli_opt plan_opts[] = {
    CLI_OPT_FLAG(struct plan_opts, detailed_exitcode, "detailed-exitcode",
		 "0 no changes, 1 error, 2 changes pending",
		 "Exit 0 when there are no changes, 1 on error, 2 when changes are pending."),
    CLI_OPT_STRING(struct plan_opts, out, "out", "FILE",
		   "save the plan; `trustapply FILE` applies it", "file",
		   "Save the plan; `trustapply FILE` applies exactly it, and only if no store "
		   "changed since."),
    CLI_OPT_STRING(struct plan_opts, prometheus, "prometheus", "FILE",
		   "write node_exporter textfile metrics to FILE", "file",
		   "Write node_exporter textfile metrics to FILE, atomically."),
    CLI_OPT_FLAG(struct plan_opts, syslog, "syslog", "log a one-line summary to syslog",
		 "Log a one-line summary to syslog/journald: info when clean, warning on drift "
		 "or when a certificate is within its renewal window (each with its date), err "
		 "on failure."),
    CLI_OPT_FLAG(struct plan_opts, offline, "offline",
		 "connect to no endpoint of connects_to: (CI without\na route)",
		 "Connect to no endpoint of `connects_to:` (code review in CI has no route to "
		 "the hosts' endpoints)."),
    CLI_OPT_DEADLINE(struct plan_opts, timeout_ms),
    CLI_OPT_END,
};

static int cmd_plan(void *opts)
{
	struct plan_opts *p = opts;
	struct options *o = &p->common;
	struct run r;
	struct check_report rep = {0};
	struct rotation_list rot = {0};
	int code = EXIT_ERROR;
	cli_run_init(&r, o);
	r.opt.offline = p->offline;
	r.opt.prometheus = p->prometheus;
	r.opt.syslog = p->syslog;
	if (p->timeout_ms)
		r.opt.timeout_ms = p->timeout_ms;
	if (o->nargs) {
		code = cli_usage_error(&cli_cmd_plan, "unexpected argument \"%s\"", o->args[0]);
		goto out;
	}
	if (run_start(&r, false) < 0)
		goto out;
	/* the endpoints the roles call, judged with the stores after apply; only
	 * when the roles list some, and not --offline. The connections run while
	 * the stores are read; the judging needs the plan. */
	struct check_params cp;
	bool checking = false;
	if (!p->offline && check_host_has_endpoints(r.res)) {
		run_check_params(&r, &cp);
		if (check_collect(&rep, &cp) == 0) {
			if (check_beside_reads(r.res))
				check_start(&rep, &cp);
			checking = true;
		}
	}
	run_plan(&r);
	if (checking) {
		check_judge(&rep, &cp);
		r.check = &rep;
	}
	/* the rotations' phases, from what was read and checked; a removal
	 * whose rotation has not reached retire is blocked */
	run_rotations(&r, "--offline", &rot);
	rotation_block_steps(&rot, &r.plan);
	r.rotations = &rot;
	struct render_opts ro;
	run_render_opts(&r, "plan", &ro);
	if (o->json) {
		struct json_doc doc;
		run_json_doc(&r, "plan", &doc);
		doc.check = r.check;
		doc.rotations = &rot;
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
		if (rot.n) {
			printf("\nRotation (judged from what the stores hold and the endpoints "
			       "serve now):\n\n");
			rotation_render(stdout, &rot);
			putchar('\n');
		}
		struct verdict v;
		verdict_make(&v, &r.plan, r.check);
		render_summary(stdout, &r.plan, &v, &ro);
	}
	if (p->out) {
		if (save_plan(&r, p->out) < 0) {
			run_fail(&r, err_msg());
			goto out;
		}
		if (!o->json)
			printf("\nSaved the plan to: %s\n\nTo perform exactly these actions, "
			       "run:\n    trustapply %s\n",
			       p->out, p->out);
	}
	struct verdict v;
	verdict_make(&v, &r.plan, r.check);
	if (r.plan.failed_stores)
		code = EXIT_ERROR;
	else if (p->detailed_exitcode && verdict_drift(&v))
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
	rotation_list_dispose(&rot);
	run_dispose(&r);
	return code;
}

const struct cli_command cli_cmd_plan = {
    .name = "plan",
    .summary = "compare the configuration with the trust stores; change nothing",
    .usage = "usage: trustform plan [options]\n"
	     "       trustplan [options]\n"
	     "  compares the configuration with what this host's trust stores hold and\n"
	     "  prints the plan; changes nothing\n",
    .shared = CLI_SH_CONFIG | CLI_SH_GIT | CLI_SH_REF | CLI_SH_HOST | CLI_SH_ROOT | CLI_SH_TARGET |
	      CLI_SH_LOCK | CLI_SH_JSON,
    .opts = plan_opts,
    .size = sizeof(struct plan_opts),
    .run = cmd_plan,
};
