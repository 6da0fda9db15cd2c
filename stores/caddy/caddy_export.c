/*
 * The caddy store's export operation (`trustform caddy export-root`): Caddy's
 * current root of the CA the caddy: section names, read from its data
 * directory only (or of another CA of Caddy's, --ca: a rotation's new
 * root), and where the configuration stands with it (the CA marked
 * `caddy: <id>` and its sha256: pin, parsed once by the loader), written
 * atomically to a file when one is given. The section
 * is checked as the registry checks it for every command, since the rest of
 * the configuration may not load (the CA file this writes may not exist yet).
 */
#include "stores/caddy/caddy.h"
#include "stores/storeconf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

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

static int write_pem(const struct cert *root, const char *path)
{
	size_t len;
	char *pem = cert_to_pem(root, &len);
	int rc = atomic_write(path, pem, len, 0644);
	free(pem);
	return rc;
}

/* The CA marked `caddy: <id>`, and how its pin stands with root. */
static void judge_config(struct caddy_export *e, const struct config *cfg, const char *out_file)
{
	for (size_t i = 0; i < cfg->ncas && !e->ca; i++)
		if (cfg->cas[i].caddy && !strcmp(cfg->cas[i].caddy, e->ca_id))
			e->ca = &cfg->cas[i];
	if (!e->ca)
		return;
	e->out_is_ca_file = out_file && e->ca->file_path && same_file(out_file, e->ca->file_path);
	if (!e->ca->pin)
		e->pin = CADDY_PIN_NONE;
	else if (!e->ca->pin_ok)
		e->pin = CADDY_PIN_INVALID;
	else if (memcmp(e->ca->pin_fp, e->root->fp, FP_LEN))
		e->pin = CADDY_PIN_OTHER;
	else
		e->pin = CADDY_PIN_CURRENT;
}

int caddy_export_root(struct caddy_export *e, struct config *cfg, const char *root,
		      const char *ca_id, const char *out_file, struct diag *d)
{
	memset(e, 0, sizeof(*e));
	if (ca_id && !caddy_ca_id_ok(ca_id)) {
		err_set("--ca \"%s\" is not a CA id (a letter or digit, then up to 63 letters, "
			"digits, '.', '_' or '-'); give the id of Caddy's `pki { ca <id> }`",
			ca_id);
		return -1;
	}
	if (!cfg->caddy.present) {
		err_set("%s has no caddy: section; add one with data_dir (Caddy's data "
			"directory) and ca",
			cfg->path);
		return -1;
	}
	struct conf_store *cs = &cfg->caddy.store;
	store_conf_check(cs, d);
	if (d->errors) {
		err_set("%s: the caddy: section has %zu error(s); nothing was exported", cfg->path,
			d->errors);
		return -1;
	}
	struct caddy_opts o;
	caddy_opts_load(&o, cs, root);
	if (ca_id) {
		free(o.ca);
		o.ca = xstrdup(ca_id);
	}
	e->ca_id = xstrdup(o.ca);
	int rc = caddy_root_load(&o, &e->root, &e->where);
	caddy_opts_dispose(&o);
	if (rc < 0 || (out_file && write_pem(e->root, out_file) < 0))
		return -1;
	/* after the write: the file may not have existed before */
	judge_config(e, cfg, out_file);
	return 0;
}

void caddy_export_dispose(struct caddy_export *e)
{
	free(e->ca_id);
	cert_free(e->root);
	free(e->where);
	memset(e, 0, sizeof(*e));
}
