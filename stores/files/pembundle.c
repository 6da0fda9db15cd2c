/*
 * The `pem-bundle` store: trustform's CAs as marked blocks inside any PEM
 * file (an application's bundle, Caddy's tls_trusted_ca_certs file). The
 * rest of the file is kept byte for byte; the file is created if missing.
 */
#include "reconcile/plan.h"
#include "stores/files/pemfile.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct pemb {
	char *inroot; /* the path as configured */
	char *host;   /* resolved under --root */
};

static const struct store_key pemb_keys[] = {
    {"path", SKEY_PATH, true, NULL, "the PEM file to keep trustform's blocks in"},
    {NULL, 0, false, NULL, NULL},
};

static int pemb_open(const struct conf_store *cs, const struct run_ctx *ctx,
		     struct store_inst ***out, size_t *nout)
{
	const char *path = conf_store_str(cs, "path");
	char *host = root_resolve_host(ctx->root, path);
	if (!host)
		return -1;
	struct pemb *p = xcalloc(1, sizeof(*p));
	p->inroot = xstrdup(path);
	p->host = host;
	char *title = xasprintf("%s (pem-bundle)", cs->name);
	*out = xcalloc(1, sizeof(**out));
	(*out)[0] = store_inst_new(&store_pem_bundle, cs, ctx, cs->name, title);
	(*out)[0]->priv = p;
	(*out)[0]->key = xasprintf("the file %s", host);
	*nout = 1;
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

static int pemb_apply(struct store_inst *s, struct plan_store *ps)
{
	struct pemb *p = s->priv;
	return store_apply_pem_file(ps, p->host, p->inroot);
}

static void pemb_free(struct store_inst *s)
{
	struct pemb *p = s->priv;
	if (!p)
		return;
	free(p->inroot);
	free(p->host);
	free(p);
}

const struct store_ops store_pem_bundle = {
    .name = "pem-bundle",
    .keys = pemb_keys,
    .open = pemb_open,
    .read = pemb_read,
    .apply = pemb_apply,
    .free = pemb_free,
};
