/*
 * `trustform rotation status`: the phase of each rotation (`replaces:`) on
 * this host, judged from what the stores hold and the endpoints serve now
 * (reconcile/rotation.h), and exactly what blocks the next phase. 0 every
 * rotation can take its next step (or none concerns the host), 2 some
 * rotation is blocked (overlap or switch not complete), 1 an error (a store
 * not read, a bad configuration).
 */
#include "cli/cli.h"
#include "reconcile/check.h"
#include "reconcile/render_json.h"
#include "reconcile/rotation.h"
#include "reconcile/run.h"

#include <stdio.h>

struct rotation_opts {
	struct options common;
	bool offline;
	int timeout_ms; /* the whole connection to an endpoint; 0: the default */
};

static const struct cli_opt rotation_opts[] = {
    CLI_OPT_FLAG(struct rotation_opts, offline, "offline",
		 "connect to no endpoint (the switch phase is then\nnot judged: unknown)",
		 "Connect to no endpoint of `connects_to:`: the switch phase is then not "
		 "judged, and a rotation waiting on it is blocked."),
    CLI_OPT_DEADLINE(struct rotation_opts, timeout_ms),
    CLI_OPT_END,
};

static void render_text(const struct run *r, const struct rotation_list *l)
{
	printf("trustform rotation status · host %s · roles %s · config %s\n\n", r->ctx.host,
	       r->roles_text ? r->roles_text : "", r->cfg->origin);
	if (!l->n) {
		printf("  (no rotation concerns this host: no CA says replaces:, or no store of "
		       "the host holds or should hold either CA)\n");
		return;
	}
	rotation_render(stdout, l);
	size_t blocked = rotation_nblocked(l);
	printf("\nRotation: %zu rotation%s on host %s, %zu blocked.\n", l->n, l->n == 1 ? "" : "s",
	       r->ctx.host, blocked);
}

static int cmd_rotation(void *v)
{
	struct rotation_opts *c = v;
	struct options *o = &c->common;
	struct run r;
	struct check_report rep = {0};
	struct rotation_list rot = {0};
	int code = EXIT_ERROR;
	cli_run_init(&r, o);
	r.opt.offline = c->offline;
	if (c->timeout_ms)
		r.opt.timeout_ms = c->timeout_ms;
	if (o->nargs) {
		code = cli_usage_error(&cli_cmd_rotation, "unexpected argument \"%s\"", o->args[0]);
		goto out;
	}
	if (run_start(&r, false) < 0)
		goto out;
	run_plan(&r);
	if (!c->offline && check_host_has_endpoints(r.res)) {
		struct check_params cp;
		run_check_params(&r, &cp);
		if (check_collect(&rep, &cp) == 0) {
			check_run(&rep, &cp);
			r.check = &rep;
		}
	}
	run_rotations(&r, "--offline", &rot);
	if (o->json) {
		struct json_doc doc;
		run_json_doc(&r, "rotation", &doc);
		render_json_rotation(stdout, &doc, &r.plan, &rot);
	} else {
		render_text(&r, &rot);
	}
	size_t errors = 0;
	for (size_t i = 0; i < rot.n; i++)
		errors += rot.items[i].errors;
	code = errors ? EXIT_ERROR : rotation_blocked(&rot) ? EXIT_CHANGES : EXIT_OK;
out:
	fflush(stdout);
	check_report_dispose(&rep);
	rotation_list_dispose(&rot);
	run_dispose(&r);
	return code;
}

const struct cli_command cli_cmd_rotation = {
    .name = "rotation",
    .sub = "status",
    .summary = "the phase of each CA rotation (replaces:) on this host, and what\n"
	       "blocks the next one",
    .usage = "usage: trustform rotation status [options]\n"
	     "  for each CA that replaces another, the phase of the rotation on this host\n"
	     "  (overlap, switch, retire, done), judged from the stores and endpoints now,\n"
	     "  and exactly what blocks the next phase; exit 0 none blocked, 2 some\n"
	     "  blocked, 1 error\n",
    .shared = CLI_SH_CONFIG | CLI_SH_GIT | CLI_SH_REF | CLI_SH_HOST | CLI_SH_ROOT | CLI_SH_LOCK |
	      CLI_SH_JSON,
    .opts = rotation_opts,
    .size = sizeof(struct rotation_opts),
    .run = cmd_rotation,
};
