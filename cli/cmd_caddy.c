/*
 * `trustform caddy export-root [FILE]`: Caddy's current root of the CA named
 * in the config's caddy: section, as PEM on stdout or written atomically to
 * FILE, for committing beside trust.yaml (and marking `caddy: <id>`). It
 * reads Caddy's data directory only.
 */
#include "cli/cli.h"
#include "reconcile/run.h"
#include "schema/pin.h"
#include "stores/caddy/caddy.h"
#include "stores/storeconf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool same_file(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra && rb && !strcmp(ra, rb);
	free(ra);
	free(rb);
	return same;
}

/* What is left to do after an export: commit the file the CA marked
 * `caddy: <id>` reads (and update its sha256: pin), or declare one. */
static void next_steps(const struct config *cfg, const char *id, const struct cert *root,
		       const char *out)
{
	const struct conf_ca *ca = NULL;
	for (size_t i = 0; i < cfg->ncas && !ca; i++)
		if (cfg->cas[i].caddy && !strcmp(cfg->cas[i].caddy, id))
			ca = &cfg->cas[i];
	if (!ca) {
		fprintf(stderr, "Commit it beside %s and declare it under cas: with `caddy: %s`.\n",
			cfg->path, id);
		return;
	}
	if (out && ca->file_path && same_file(out, ca->file_path))
		fprintf(stderr, "This is the file of CA \"%s\" (caddy: %s) in %s: commit it.\n",
			ca->name, id, cfg->path);
	else
		fprintf(stderr,
			"CA \"%s\" (caddy: %s) in %s reads %s (%s:%d:%d): write the root "
			"there, or point its file: at %s, and commit it.\n",
			ca->name, id, cfg->path, ca->file, cfg->path, ca->file_pos.line,
			ca->file_pos.col, out ? out : "the file you saved it to");
	/* the pin as the loader parsed it (schema/pin.h): one syntax */
	if (ca->pin && !(ca->pin_ok && !memcmp(ca->pin_fp, root->fp, FP_LEN)))
		fprintf(stderr,
			"Its sha256: pin (%s:%d:%d) is %s: update it to `" PIN_YAML_FMT
			"`, or the configuration no longer loads.\n",
			cfg->path, ca->pin_pos.line, ca->pin_pos.col,
			ca->pin_ok ? "the previous root's" : "not " PIN_SYNTAX, root->fphex);
	fprintf(stderr, "Then apply: the stores get the new root, and a reissue of Caddy's "
			"certificates held for it runs.\n");
}

static int export_root(struct run *r, const struct options *o)
{
	if (o->nargs > 1) {
		fprintf(stderr,
			"trustform caddy export-root: unexpected argument \"%s\" (it "
			"takes at most one: the file to write)\n",
			o->args[1]);
		return EXIT_USAGE;
	}
	/* Only the caddy: section matters here, and the CA file this writes may
	 * not exist yet (or be the stale one): other findings do not stop it.
	 * The section is checked as the registry checks it for every command. */
	if (run_load_partial(r) < 0)
		return EXIT_ERROR;
	if (!r->cfg->caddy.present) {
		fprintf(stderr,
			"trustform: error: %s has no caddy: section; add one with data_dir "
			"(Caddy's data directory) and ca\n",
			r->cfg->path);
		return EXIT_ERROR;
	}
	struct diag section;
	diag_init(&section);
	store_conf_check(&r->cfg->caddy.store, &section);
	if (section.errors) {
		diag_print(&section, stderr, o->color && isatty(STDERR_FILENO));
		diag_dispose(&section);
		return EXIT_ERROR;
	}
	diag_dispose(&section);
	if (run_lock(r, false) < 0) {
		run_error(err_msg());
		return EXIT_ERROR;
	}
	struct caddy_opts co;
	struct cert *root = NULL;
	char *where = NULL;
	int code = EXIT_ERROR;
	caddy_opts_load(&co, &r->cfg->caddy.store, o->root);
	if (caddy_root_load(&co, &root, &where) < 0) {
		run_error(err_msg());
		goto out;
	}
	size_t len;
	char *pem = cert_to_pem(root, &len);
	if (o->nargs == 1) {
		if (atomic_write(o->args[0], pem, len, 0644) < 0) {
			run_error(err_msg());
			free(pem);
			goto out;
		}
	} else if (fwrite(pem, 1, len, stdout) != len || fflush(stdout) != 0) {
		run_error("cannot write the PEM to standard output");
		free(pem);
		goto out;
	}
	free(pem);
	char date[11];
	cert_date(date, root->not_after);
	fprintf(stderr,
		"trustform: exported Caddy's root of CA \"%s\" from %s%s%s\n"
		"  sha256  %s\n  subject %s\n  expires %s\n",
		co.ca, where, o->nargs == 1 ? " to " : "", o->nargs == 1 ? o->args[0] : "",
		root->fphex, root->subject, date);
	next_steps(r->cfg, co.ca, root, o->nargs == 1 ? o->args[0] : NULL);
	code = EXIT_OK;
out:
	cert_free(root);
	free(where);
	caddy_opts_dispose(&co);
	return code;
}

/* main() dispatches "caddy export-root" here; args are what follows it. */
int cmd_caddy(struct options *o)
{
	struct run r;
	cli_run_init(&r, o);
	int code = export_root(&r, o);
	run_dispose(&r);
	return code;
}
