/* `trustform validate`: the config and every CA file, offline; no store is read. */
#include "cli/cli.h"
#include "reconcile/run.h"
#include "util/err.h"

#include <stdio.h>

static int cmd_validate(void *v)
{
	struct options *o = v;
	struct run r;
	int code = EXIT_ERROR;
	cli_run_init(&r, o);
	if (o->nargs) {
		code = cli_usage_error(&cli_cmd_validate, "unexpected argument \"%s\"", o->args[0]);
		goto out;
	}
	if (run_load(&r) < 0)
		goto out;
	if (o->host) {
		if (run_resolve(&r) < 0) {
			run_error(err_msg());
			goto out;
		}
		printf("host %s: roles %s; stores", r.ctx.host,
		       *r.roles_text ? r.roles_text : "(none)");
		for (size_t i = 0; i < r.res->nstores; i++)
			printf(" %s", r.res->stores[i].store->name);
		printf("\n");
	}
	printf("%s is valid: %zu CA(s), %zu store(s), %zu role(s), %zu host entr%s%s.\n",
	       r.cfg->path, r.cfg->ncas, r.cfg->nstores, r.cfg->nroles, r.cfg->nhosts,
	       r.cfg->nhosts == 1 ? "y" : "ies",
	       r.diag.warnings ? " (see the warnings above)" : "");
	code = EXIT_OK;
out:
	run_dispose(&r);
	return code;
}

const struct cli_command cli_cmd_validate = {
    .name = "validate",
    .summary = "check the configuration and every CA file; read no store",
    .usage = "usage: trustform validate [options]\n"
	     "  checks the configuration and every CA file, offline; reads no store.\n"
	     "  With --host, also says which roles and stores that host gets\n",
    .shared = CLI_SH_CONFIG | CLI_SH_GIT | CLI_SH_REF | CLI_SH_HOST | CLI_SH_ROOT,
    .size = sizeof(struct options),
    .run = cmd_validate,
};
