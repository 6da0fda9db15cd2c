/*
 * `trustform caddy export-root [FILE]`: Caddy's current root of the CA named
 * in the config's caddy: section, as PEM on stdout or written atomically to
 * FILE, for committing beside trust.yaml (and marking `caddy: <id>`). It
 * reads Caddy's data directory only.
 */
#include "cli/cli.h"
#include "reconcile/run.h"
#include "stores/caddy/caddy.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool same_file(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra && rb && !strcmp(ra, rb);
	free(ra);
	free(rb);
	return same;
}

/* A pin as written ("sha256:AB:CD…", any case) against a fingerprint. */
static bool pin_matches(const char *pin, const char *fphex)
{
	const char *p = strncmp(pin, "sha256:", 7) ? pin : pin + 7;
	size_t n = 0;
	for (; *p; p++) {
		if (*p == ':')
			continue;
		if (n >= FP_HEX_LEN || tolower((unsigned char)*p) != fphex[n])
			return false;
		n++;
	}
	return n == FP_HEX_LEN;
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
	if (ca->pin && !pin_matches(ca->pin, root->fphex))
		fprintf(stderr,
			"Its sha256: pin (%s:%d:%d) is the previous root's: update it to "
			"sha256:%s, or the configuration no longer loads.\n",
			cfg->path, ca->pin_pos.line, ca->pin_pos.col, root->fphex);
	fprintf(stderr, "Then apply: the stores get the new root, and a reissue of Caddy's "
			"certificates held for it runs.\n");
}

static int export_root(struct run *r)
{
	struct options *o = r->opt;
	if (o->nargs > 1) {
		fprintf(stderr,
			"trustform caddy export-root: unexpected argument \"%s\" (it "
			"takes at most one: the file to write)\n",
			o->args[1]);
		return EXIT_USAGE;
	}
	/* Only the caddy: section matters here, and the CA file this writes may
	 * not exist yet (or be the stale one): other findings do not stop it. */
	char *path = o->config ? xstrdup(o->config) : run_default_config(o->root);
	struct config_load_opts lo = {.root = o->root, .now = o->now};
	r->cfg = config_load(path, &lo, &r->diag);
	free(path);
	if (!r->cfg) {
		diag_print(&r->diag, stderr, false);
		return EXIT_ERROR;
	}
	const struct ynode *dd =
	    r->cfg->caddy.present ? ymap_get(r->cfg->caddy.node, "data_dir") : NULL;
	if (dd && (dd->kind != YNODE_SCALAR || dd->text[0] != '/')) {
		diag_print(&r->diag, stderr, false);
		return EXIT_ERROR;
	}
	if (!dd) {
		fprintf(stderr,
			"trustform: error: %s has no caddy: section with data_dir; add "
			"one with data_dir (Caddy's data directory) and ca\n",
			r->cfg->path);
		return EXIT_ERROR;
	}
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
	run_init(&r, o);
	int code = export_root(&r);
	run_dispose(&r);
	return code;
}
