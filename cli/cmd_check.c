/* `trustform check [URL...]`: will each store's clients accept the endpoints
 * the host calls, once apply has run? 0 all accepted, 2 some would fail, 1 the
 * check itself failed (an endpoint not reached, a store not read). */
#include "cli/cli.h"
#include "reconcile/check.h"
#include "reconcile/render.h"
#include "reconcile/render_json.h"
#include "reconcile/run.h"
#include "util/err.h"

#include <stdio.h>

struct check_opts {
	struct options common;
	int timeout_ms; /* the whole connection to an endpoint; 0: the default */
};

static const struct cli_opt check_opts[] = {
    CLI_OPT_DEADLINE(struct check_opts, timeout_ms),
    CLI_OPT_END,
};

static int cmd_check(void *v)
{
	struct check_opts *c = v;
	struct options *o = &c->common;
	struct run r;
	struct check_report rep = {0};
	int code = EXIT_ERROR;
	cli_run_init(&r, o);
	if (c->timeout_ms)
		r.opt.timeout_ms = c->timeout_ms;
	if (run_start(&r, false) < 0)
		goto out;
	run_plan(&r);
	struct check_params p;
	run_check_params(&r, &p);
	p.urls = o->args;
	p.nurls = o->nargs;
	if (check_collect(&rep, &p) < 0) {
		run_fail(&r, err_msg());
		goto out;
	}
	check_run(&rep, &p);
	r.check = &rep;
	if (o->json) {
		struct json_doc doc;
		run_json_doc(&r, "check", &doc);
		render_json_check(stdout, &doc, &r.plan, &rep);
	} else {
		printf("trustform check · host %s · roles %s · config %s\n\n", r.ctx.host,
		       r.roles_text ? r.roles_text : "", r.cfg->origin);
		if (!rep.n)
			printf("  (no endpoints: the host's roles list no connects_to:, and no URL "
			       "was given)\n");
		check_render(stdout, &rep, o->color, CHECK_RENDER_CHECK);
		struct render_opts ro = {.color = o->color};
		render_expiring(stdout, &r.plan, &ro);
	}
	for (size_t i = 0; i < rep.n; i++)
		if (!rep.eps[i].probe.chain)
			fprintf(stderr, "trustform: error: %s: %s\n", rep.eps[i].ep.url,
				rep.eps[i].probe.error ? rep.eps[i].probe.error : "no answer");
	code = rep.errors ? EXIT_ERROR : rep.failing ? EXIT_CHANGES : EXIT_OK;
out:
	fflush(stdout);
	check_report_dispose(&rep);
	run_dispose(&r);
	return code;
}

const struct cli_command cli_cmd_check = {
    .name = "check",
    .operands = "[URL...]",
    .summary = "whether each store's clients will accept the endpoints the host's\n"
	       "roles call (connects_to:), or the URLs given, after apply",
    .usage = "usage: trustform check [options] [URL...]\n"
	     "  connects to each endpoint the host's roles list under connects_to: (or\n"
	     "  to the URLs given) and says whether each store's clients will accept\n"
	     "  the chain it sends, after apply; exit 2 when one would fail\n",
    .shared = CLI_SH_CONFIG | CLI_SH_GIT | CLI_SH_REF | CLI_SH_HOST | CLI_SH_ROOT | CLI_SH_TARGET |
	      CLI_SH_LOCK | CLI_SH_JSON,
    .opts = check_opts,
    .size = sizeof(struct check_opts),
    .run = cmd_check,
};
