/* One engine's certs.d directory for one registry; see certsd.h. */
#include "stores/container/certsd.h"
#include "model/cert.h"
#include "model/step.h"
#include "stores/container/certsd_int.h"
#include "util/buf.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const struct store_backend certsd_backend;

/* --- read ------------------------------------------------------------------------ */

static int certsd_read(struct store_inst *s, struct trust_set *out)
{
	struct certsd *p = s->priv;
	struct dstate st;
	if (dstate_load(&st, p, s->ctx->root) < 0) {
		dstate_dispose(&st);
		return -1;
	}
	if (!st.exists)
		trust_set_note(out, "%s does not exist yet; apply creates it", p->dir);
	for (size_t i = 0; i < st.n; i++) {
		const struct crt *f = &st.f[i];
		char *label = store_managed_name(f->base, PREFIX, ".crt");
		trust_set_add_file(out, label, f->base, f->inroot, f->parsed ? &f->certs : NULL,
				   TS_TRUSTED);
		free(label);
	}
	if (p->eng->hosts_toml) {
		if (st.toml_exists && !st.toml_ours) {
			char *why = foreign_toml_text(p);
			trust_set_ineffective(out, "%s", why);
			free(why);
		} else {
			out->stale = toml_stale(p, &st);
		}
		for (size_t i = 0; i < st.n; i++) {
			const char *why = toml_skip_reason(st.f[i].base, &st);
			if (why)
				trust_set_note(out,
					       "%s: not listed in %s/" HOSTS_TOML ": %s; "
					       "containerd does not read it. Rename it (UTF-8, "
					       "ending .crt) or remove it",
					       st.f[i].inroot, p->dir, why);
		}
		containerd_shadow_check(s, out);
		containerd_config_note(s, out);
	}
	dstate_dispose(&st);
	return 0;
}
/* --- the instance ---------------------------------------------------------------- */

static int certsd_state_key(struct store_inst *s, struct buf *key)
{
	struct certsd *p = s->priv;
	struct dstate st;
	int rc = dstate_load(&st, p, s->ctx->root);
	char *h = root_resolve_host(s->ctx->root, p->dir);
	buf_printf(key, "%s %s %d\n", p->eng->name, p->dir, st.exists);
	for (size_t i = 0; rc == 0 && h && i < st.n; i++) {
		char *fh = xasprintf("%s/%s", h, st.f[i].base);
		rc = store_state_key_file(key, fh);
		free(fh);
	}
	for (size_t i = 0; rc == 0 && h && i < st.nclients; i++)
		buf_printf(key, "client %s\n", st.clients[i]);
	if (rc == 0 && h && p->eng->hosts_toml) {
		char *fh = xasprintf("%s/" HOSTS_TOML, h);
		rc = store_state_key_file(key, fh);
		free(fh);
		char *ch = root_resolve_host(s->ctx->root, CONTAINERD_CONFIG);
		rc = rc == 0 && ch ? store_state_key_file(key, ch) : -1;
		free(ch);
		char *alt = containerd_shadow(p);
		buf_printf(key, "shadow %d\n", shadow_exists(s, alt));
		free(alt);
	}
	free(h);
	dstate_dispose(&st);
	return h ? rc : -1;
}

static void certsd_free(struct store_inst *s)
{
	struct certsd *p = s->priv;
	if (!p)
		return;
	free(p->host);
	free(p->dir);
	free(p);
}

static const struct store_backend certsd_backend = {
    .name = "registry",
    .ops = STORE_OPS_CA | STORE_OP(OP_REFRESH),
    .read = certsd_read,
    .state_key = certsd_state_key,
    .file = &certsd_kind,
    .free = certsd_free,
};

struct store_inst *certsd_open(const struct conf_store *cs, const struct run_ctx *ctx,
			       enum engine e, const char *host)
{
	struct certsd *p = xcalloc(1, sizeof(*p));
	p->eng = &engines[e];
	p->host = xstrdup(host);
	p->dir = xasprintf("%s/%s", p->eng->certs_d, host);
	char *address = xasprintf("%s[%s %s]", cs->name, p->eng->name, host);
	struct store_inst *s = store_inst_new(&certsd_backend, cs, ctx, address, address);
	s->priv = p;
	s->target = xasprintf("the directory %s", p->dir);
	free(address);
	return s;
}
