/*
 * The `pem-bundle` store: trustform's CAs as marked blocks inside any PEM
 * file (an application's bundle, Caddy's tls_trusted_ca_certs file). The
 * rest of the file is kept byte for byte; the file is created if missing.
 */
#include "model/step.h"
#include "stores/files/files.h"
#include "stores/files/pemfile.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const struct store_backend pemb_backend;

struct pemb {
	char *inroot; /* the path as configured */
	char *host;   /* resolved under --root */
};

static const struct store_option pemb_keys[] = {
    {.name = "path",
     .kind = OPT_PATH,
     .required = true,
     .help = "the PEM file to keep trustform's blocks in"},
    {0},
};

static const struct store_files_doc pemb_files[] = {
    {NULL, "Blocks `# trustform:begin <name> sha256=...` to `# trustform:end <name>` in "
	   "`path`, created when missing"},
    {0},
};

static int pemb_open(const struct conf_store *cs, const struct run_ctx *ctx, struct store_open *out)
{
	const char *path = conf_store_str(cs, "path");
	char *host = root_resolve_host(ctx->root, path);
	if (!host)
		return -1;
	struct pemb *p = xcalloc(1, sizeof(*p));
	p->inroot = xstrdup(path);
	p->host = host;
	char *title = xasprintf("%s (pem-bundle)", cs->name);
	struct store_inst *s = store_inst_new(&pemb_backend, cs, ctx, cs->name, title);
	s->priv = p;
	s->target = xasprintf("the file %s", path_shown(host));
	store_open_add(out, s);
	free(title);
	return 0;
}

static int pemb_read(struct store_inst *s, struct trust_set *out)
{
	struct pemb *p = s->priv;
	struct pem_file f;
	int rc = pem_file_load(&f, p->host, p->inroot);
	if (rc == 0) {
		pem_file_entries(&f, out);
		if (!f.exists)
			trust_set_note(out, "%s does not exist yet; apply creates it", p->inroot);
	}
	pem_file_dispose(&f);
	return rc;
}

static int pemb_owned(struct store_inst *s, struct store_files *fs)
{
	struct pemb *p = s->priv;
	store_files_add(fs, p->host, p->inroot)->keep_mode = true;
	return 0;
}

static const struct store_file_kind pemb_kind = {
    .files = pemb_owned,
    .render = pem_file_render_store, /* everything outside trustform's blocks kept */
};

static void pemb_free(struct store_inst *s)
{
	struct pemb *p = s->priv;
	if (!p)
		return;
	free(p->inroot);
	free(p->host);
	free(p);
}

static const struct store_backend pemb_backend = {
    .name = "pem-bundle",
    .ops = STORE_OPS_CA | STORE_OP(OP_REFRESH),
    .read = pemb_read,
    .file = &pemb_kind,
    .free = pemb_free,
};

const struct store_type store_type_pem_bundle = {
    .name = "pem-bundle",
    .summary = "trustform's CAs as marked blocks in a PEM file; the rest is kept byte for byte",
    .files = pemb_files,
    .options = pemb_keys,
    .open = pemb_open,
    .readers = {.flags = STORE_READ_OPENSSL_CHAIN},
};
