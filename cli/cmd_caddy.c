/*
 * `trustform caddy export-root [FILE]`: the caddy store's export operation
 * (stores/caddy/caddy_export.c), its root as PEM written atomically to FILE
 * (by the store) or on stdout, for committing beside trust.yaml (and marking
 * `caddy: <id>`); then what is left to do.
 */
#include "cli/cli.h"
#include "reconcile/run.h"
#include "schema/pin.h"
#include "stores/caddy/caddy.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* What is left to do after an export: commit the file the CA marked
 * `caddy: <id>` reads (and update its sha256: pin), or declare one. */
static void next_steps(const struct config *cfg, const struct caddy_export *e, const char *out)
{
	const struct conf_ca *ca = e->ca;
	if (!ca) {
		fprintf(stderr, "Commit it beside %s and declare it under cas: with `caddy: %s`.\n",
			cfg->path, e->ca_id);
		return;
	}
	if (e->out_is_ca_file)
		fprintf(stderr, "This is the file of CA \"%s\" (caddy: %s) in %s: commit it.\n",
			ca->name, e->ca_id, cfg->path);
	else
		fprintf(stderr,
			"CA \"%s\" (caddy: %s) in %s reads %s (%s:%d:%d): write the root "
			"there, or point its file: at %s, and commit it.\n",
			ca->name, e->ca_id, cfg->path, ca->file, cfg->path, ca->file_pos.line,
			ca->file_pos.col, out ? out : "the file you saved it to");
	if (e->pin == CADDY_PIN_OTHER || e->pin == CADDY_PIN_INVALID)
		fprintf(stderr,
			"Its sha256: pin (%s:%d:%d) is %s: update it to `" PIN_YAML_FMT
			"`, or the configuration no longer loads.\n",
			cfg->path, ca->pin_pos.line, ca->pin_pos.col,
			e->pin == CADDY_PIN_OTHER ? "the previous root's" : "not " PIN_SYNTAX,
			e->root->fphex);
	if (ca && ca->replaced)
		fprintf(stderr,
			"Then apply on every host: the stores get the new root beside \"%s\" "
			"(overlap); `trustform rotation status` says when Caddy's sites may move "
			"to CA \"%s\".\n",
			ca->replaced->name, e->ca_id);
	else
		fprintf(stderr, "Then apply: the stores get the new root, and a reissue of Caddy's "
				"certificates held for it runs.\n");
}

static int write_stdout(const struct cert *root)
{
	size_t len;
	char *pem = cert_to_pem(root, &len);
	int rc = 0;
	if (fwrite(pem, 1, len, stdout) != len || fflush(stdout) != 0) {
		run_error("cannot write the PEM to standard output");
		rc = -1;
	}
	free(pem);
	return rc;
}

struct caddy_cli_opts {
	struct options common;
	const char *ca;
};

static const struct cli_opt caddy_opts[] = {
    CLI_OPT_STRING(struct caddy_cli_opts, ca, "ca", "ID",
		   "export the root of Caddy's CA ID instead of the\ncaddy: section's ca (a "
		   "rotation's new root)",
		   "",
		   "Export the root of Caddy's CA `ID` (a `pki { ca ID }` of the Caddyfile) "
		   "instead of the caddy: section's `ca`: the new root of a rotation, for the "
		   "CA marked `caddy: ID` that says `replaces:`."),
    CLI_OPT_END,
};

static int export_root(struct run *r, const struct caddy_cli_opts *c)
{
	const struct options *o = &c->common;
	if (o->nargs > 1)
		return cli_usage_error(&cli_cmd_caddy,
				       "unexpected argument \"%s\" (it takes at most one: the "
				       "file to write)",
				       o->args[1]);
	const char *out = o->nargs == 1 ? o->args[0] : NULL;
	/* Findings outside the caddy: section do not stop it: the store checks
	 * its own section. */
	if (run_load_partial(r) < 0)
		return EXIT_ERROR;
	if (run_lock(r, false) < 0) {
		run_error(err_msg());
		return EXIT_ERROR;
	}
	struct caddy_export e;
	struct diag section;
	diag_init(&section);
	int code = EXIT_ERROR;
	if (caddy_export_root(&e, r->cfg, o->root, c->ca, out, &section) < 0) {
		if (section.errors)
			diag_print(&section, stderr, o->color && isatty(STDERR_FILENO));
		else
			run_error(err_msg());
		goto out;
	}
	if (!out && write_stdout(e.root) < 0)
		goto out;
	char date[11];
	cert_date(date, e.root->not_after);
	fprintf(stderr,
		"trustform: exported Caddy's root of CA \"%s\" from %s%s%s\n"
		"  sha256  %s\n  subject %s\n  expires %s\n",
		e.ca_id, e.where, out ? " to " : "", out ? out : "", e.root->fphex, e.root->subject,
		date);
	next_steps(r->cfg, &e, out);
	code = EXIT_OK;
out:
	caddy_export_dispose(&e);
	diag_dispose(&section);
	return code;
}

/* main() dispatches "caddy export-root" here; args are what follows it. */
static int cmd_caddy(void *v)
{
	struct caddy_cli_opts *c = v;
	struct run r;
	cli_run_init(&r, &c->common);
	int code = export_root(&r, c);
	run_dispose(&r);
	return code;
}

const struct cli_command cli_cmd_caddy = {
    .name = "caddy",
    .sub = "export-root",
    .operands = "[FILE]",
    .summary = "write Caddy's current root as PEM (to commit beside the config)",
    .usage = "usage: trustform caddy export-root [options] [FILE]\n"
	     "  writes Caddy's current root (of the CA in the config's caddy: section,\n"
	     "  or of --ca ID) as PEM to FILE, or to standard output\n",
    .shared = CLI_SH_CONFIG | CLI_SH_GIT | CLI_SH_REF | CLI_SH_HOST | CLI_SH_ROOT | CLI_SH_LOCK,
    .opts = caddy_opts,
    .size = sizeof(struct caddy_cli_opts),
    .run = cmd_caddy,
};
