/* Go's, Java's, OpenSSL's and Chrome's rules for a store's CAs; see clientreaders.h. */
#include "reconcile/clientreaders.h"
#include "model/clientjudge.h"
#include "schema/endpoint.h"
#include "stores/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The env variables a bundle store sets whose readers are those of mask. */
static const struct {
	const char *var;
	unsigned clients;
} env_readers[] = {
    {"SSL_CERT_FILE", CLIENT_GO | CLIENT_OPENSSL},
    {"SSL_CERT_DIR", CLIENT_GO},
    {"REQUESTS_CA_BUNDLE", CLIENT_OPENSSL},
    {"CURL_CA_BUNDLE", CLIENT_OPENSSL},
    {"GIT_SSL_CAINFO", CLIENT_OPENSSL},
    {"PIP_CERT", CLIENT_OPENSSL},
    {"AWS_CA_BUNDLE", CLIENT_OPENSSL},
};

bool client_env_sets(const struct conf_store *cs, const char *var)
{
	const struct ynode *env =
	    store_reads(cs, STORE_READ_ENV) ? conf_store_node(cs, "env") : NULL;
	if (!env || env->kind != YNODE_SEQ)
		return false;
	for (size_t i = 0; i < env->n; i++) {
		const struct ynode *v = env->items[i];
		if (v && v->kind == YNODE_SCALAR && v->text && !strcmp(v->text, var))
			return true;
	}
	return false;
}

/* The clients (CLIENT_*) that read the store's CAs as anchors; *how says
 * through what (caller frees). */
static unsigned store_clients(const struct conf_store *cs, char **how)
{
	const struct store_readers *r = store_readers_of(cs);
	*how = NULL;
	if (r->clients) {
		*how = xstrdup(r->how);
		return r->clients;
	}
	unsigned mask = 0;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < sizeof(env_readers) / sizeof(*env_readers); i++)
		if (client_env_sets(cs, env_readers[i].var)) {
			mask |= env_readers[i].clients;
			buf_printf(&b, "%s%s", b.len ? ", " : "", env_readers[i].var);
		}
	if (mask)
		*how = buf_detach(&b);
	buf_dispose(&b);
	return mask;
}

static bool said(const struct trust_set *s, const char *text)
{
	for (size_t i = 0; i < s->nineffective; i++)
		if (!strcmp(s->ineffective[i], text))
			return true;
	return false;
}

static void judge_clients(struct plan_store *ps, const struct conf_ca *ca, const struct config *cfg,
			  unsigned mask, const char *how)
{
	struct client_findings f;
	err_clear();
	if (client_judge(ca->cert, mask, &f) < 0)
		return;
	for (size_t i = 0; i < f.n; i++) {
		const struct client_finding *x = &f.f[i];
		char *text = xasprintf(
		    "%s:%d:%d: CA \"%s\" (%s) is refused by %s, which reads this store (%s): it "
		    "has %s, and %s says \"%s\" for every server it issued. Fix: reissue the CA "
		    "with %s, and replace %s with it",
		    cfg->path, ca->file_pos.line, ca->file_pos.col, ca->name, ca->file,
		    client_name(x->client), how, x->property, client_name(x->client), x->says,
		    x->fix, ca->file);
		if (!said(&ps->actual, text))
			trust_set_ineffective(&ps->actual, "%s", text);
		free(text);
	}
	client_findings_dispose(&f);
}

/* Whether endpoint e is checked through the store cs. */
static bool endpoint_reads(const struct conf_endpoint *e, const struct config *cfg,
			   const struct conf_store *cs)
{
	for (size_t i = 0; i < e->nstores; i++)
		if (e->stores[i] < cfg->nstores &&
		    !strcmp(cfg->stores[e->stores[i]].name, cs->name))
			return true;
	return false;
}

#define CHROME "Chrome and Chromium (name constraints enforced on every root since 126)"
#define FIX_NC                                                                                     \
	"reissue the CA with constraints that permit the host (-addext "                           \
	"'nameConstraints=critical,permitted;DNS:<its domain>'), or without nameConstraints"

/* Chrome's rule: the constraints of a root hold for every host it is asked
 * about; an endpoint of the host's roles outside them is an error. */
static void judge_nc(struct plan_store *ps, const struct conf_ca *ca, const struct config *cfg,
		     const struct conf_role *const *roles, size_t nroles)
{
	const struct conf_store *cs = ps->inst->conf;
	char *nc = nc_describe(ca->cert);
	bool refused = false;
	if (!nc)
		return;
	for (size_t r = 0; r < nroles; r++)
		for (size_t i = 0; i < roles[r]->nendpoints; i++) {
			const struct conf_endpoint *e = &roles[r]->endpoints[i];
			bool has;
			char *why = NULL;
			err_clear();
			if (!endpoint_reads(e, cfg, cs) ||
			    nc_host_judge(ca->cert, e->sni ? e->sni : e->host, &has, &why) != 1) {
				free(why);
				continue;
			}
			char *text = xasprintf(
			    "%s:%d:%d: CA \"%s\" (%s) has name constraints (%s) that leave out %s, "
			    "an endpoint of role \"%s\" (connects_to, line %d): " CHROME
			    ", reading this store, refuse it (\"%s\"). Fix: %s, and replace %s",
			    cfg->path, ca->file_pos.line, ca->file_pos.col, ca->name, ca->file, nc,
			    e->sni ? e->sni : e->host, roles[r]->name, e->line, why, FIX_NC,
			    ca->file);
			if (!said(&ps->actual, text))
				trust_set_ineffective(&ps->actual, "%s", text);
			refused = true;
			free(text);
			free(why);
		}
	if (!refused)
		trust_set_note(&ps->actual,
			       CLIENT_NOTE_PREFIX
			       "%s:%d:%d: CA \"%s\" (%s) has name constraints (%s): " CHROME
			       " refuse every host outside them (no connects_to endpoint of this "
			       "store is)",
			       cfg->path, ca->file_pos.line, ca->file_pos.col, ca->name, ca->file,
			       nc);
	free(nc);
}

void client_readers_store(struct plan_store *ps, const struct host_store *hs,
			  const struct config *cfg, const struct conf_role *const *roles,
			  size_t nroles)
{
	const struct conf_store *cs = ps->inst->conf;
	char *how = NULL;
	unsigned mask = store_clients(cs, &how);
	bool chrome = store_reads(cs, STORE_READ_CHROME);
	for (size_t i = 0; i < hs->ncas; i++) {
		const struct conf_ca *ca = hs->cas[i];
		if (ca->ensure != ENSURE_PRESENT || !ca->cert)
			continue;
		if (mask)
			judge_clients(ps, ca, cfg, mask, how);
		if (chrome)
			judge_nc(ps, ca, cfg, roles, nroles);
	}
	free(how);
}
