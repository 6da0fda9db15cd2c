/* The CLI's options mapped onto a run's (reconcile/run.h); see cli.h. */
#include "cli/cli.h"
#include "reconcile/run.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

void cli_run_opts(struct run_opts *ro, const struct options *o)
{
	*ro = (struct run_opts){
	    .operation = o->command,
	    .config = o->config,
	    .host = o->host,
	    .root = o->root,
	    .targets = o->targets,
	    .ntargets = o->ntargets,
	    .now = o->now,
	    .lock_timeout = o->lock_timeout,
	    .json = o->json,
	    .color = o->color,
	    .timeout_ms = 5000, /* check and plan take --timeout */
	    /* the read-only commands; apply always reads what it changes */
	    .read_cache = !strcmp(o->command, "plan") || !strcmp(o->command, "show"),
	    .git_url = o->git_url,
	    .git_ref = o->git_ref,
	    .git_path = o->git_path,
	    .require_fresh = o->require_fresh,
	    .allow_unpinned = o->allow_unpinned,
	    .allowed_signers = o->allowed_signers,
	    .git_offline_if_present = o->git_offline_if_present,
	    .out = stdout,
	    .err = stderr,
	};
}

void cli_run_init(struct run *r, const struct options *o)
{
	struct run_opts ro;
	cli_run_opts(&ro, o);
	run_init(r, &ro);
}

void run_error(const char *msg)
{
	fprintf(stderr, "trustform: error: %s\n", text_disp(msg));
}
