/*
 * Load the desired-state file: structure, names, references and store options.
 * CA files are loaded and checked by ca_check.c; host resolution is resolve.c.
 * Validation never stops at the first problem: every finding goes to diag.
 */
#include "schema/config.h"
#include "model/cert.h"
#include "schema/ca_check.h"
#include "schema/config_int.h"
#include "schema/endpoint.h"
#include "schema/keys.h"
#include "schema/pin.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const char *const ensure_words[] = {"present", "absent", "distrusted", NULL};

const char *ensure_name(enum ensure e)
{
	switch (e) {
	case ENSURE_PRESENT:
		return "present";
	case ENSURE_ABSENT:
		return "absent";
	case ENSURE_DISTRUSTED:
		return "distrusted";
	}
	return "?";
}

/* --- top level ----------------------------------------------------------- */

static const struct key_spec top_keys[] = {
    {"version", true}, {"cas", true},	{"stores", true}, {"caddy", false},
    {"roles", true},   {"hosts", true}, {NULL, false},
};

static const struct key_spec ca_keys[] = {
    {"file", true},   {"sha256", false},	  {"ensure", false},
    {"caddy", false}, {"accept_breaking", false}, {"replaces", false},
    {NULL, false},
};

bool conf_ca_accepts_break(const struct conf_ca *ca, const char *url)
{
	for (size_t i = 0; ca && i < ca->naccept; i++)
		if (!strcmp(ca->accept_breaking[i], url))
			return true;
	return false;
}

/* accept_breaking: a list of URLs; checked against the roles' connects_to
 * once they are loaded (lc_check_accept_breaking). */
static void load_accept(struct loadctx *lc, struct conf_ca *ca, const struct ynode *ab)
{
	if (!ab || !lc_expect(lc, ab, YNODE_SEQ, "accept_breaking"))
		return;
	ca->accept_node = ab;
	ca->accept_breaking = xcalloc(ab->n ? ab->n : 1, sizeof(*ca->accept_breaking));
	for (size_t i = 0; i < ab->n; i++) {
		const char *u = lc_expect_scalar(lc, ab->items[i], "accept_breaking");
		if (u && conf_ca_accepts_break(ca, u))
			lc_error_at(lc, ab->items[i],
				    "CA \"%s\": accept_breaking lists \"%s\" twice; remove one",
				    ca->name, u);
		else if (u)
			ca->accept_breaking[ca->naccept++] = xstrdup(u);
	}
}

/* --- cas ------------------------------------------------------------------ */

static void load_cas(struct loadctx *lc, const struct ynode *cas)
{
	struct config *cfg = lc->cfg;
	if (!lc_expect(lc, cas, YNODE_MAP, "cas"))
		return;
	cfg->cas = xcalloc(cas->n ? cas->n : 1, sizeof(*cfg->cas));
	for (size_t i = 0; i < cas->n; i++) {
		const struct ynode *k = cas->keys[i], *v = cas->items[i];
		struct conf_ca *ca = &cfg->cas[cfg->ncas++];
		ca->name = xstrdup(k->text);
		strmap_put(&cfg->ca_index, ca->name, cfg->ncas - 1);
		ca->pos = lc_pos_of(k);
		lc_check_name(lc, k, "CA");
		struct buf where = BUF_INIT;
		buf_printf(&where, "CA \"%s\"", k->text);
		if (lc_expect(lc, v, YNODE_MAP, where.ptr)) {
			lc_check_keys(lc, v, ca_keys, where.ptr);
			const struct ynode *f = ymap_get(v, "file");
			const char *file = lc_expect_scalar(lc, f, "file");
			if (file && !*file)
				lc_error_at(
				    lc, f, "%s: file is empty; give the path of the CA certificate",
				    where.ptr);
			else if (file)
				ca->file = xstrdup(file), ca->file_pos = lc_pos_of(f);
			const struct ynode *pin = ymap_get(v, "sha256");
			const char *p = lc_expect_scalar(lc, pin, "sha256");
			if (p) {
				ca->pin = xstrdup(p);
				ca->pin_pos = lc_pos_of(pin);
				const char *why = pin_parse(ca->pin_fp, p);
				ca->pin_ok = !why;
				if (why)
					lc_error_at(lc, pin,
						    "%s: sha256 %s; get it with `openssl x509 "
						    "-noout -fingerprint -sha256 -in %s`",
						    where.ptr, why, ca->file ? ca->file : "CA.pem");
			}
			const struct ynode *en = ymap_get(v, "ensure");
			const char *e = lc_expect_scalar(lc, en, "ensure");
			if (e) {
				if (strcmp(e, "present") == 0)
					ca->ensure = ENSURE_PRESENT;
				else if (strcmp(e, "absent") == 0)
					ca->ensure = ENSURE_ABSENT;
				else if (strcmp(e, "distrusted") == 0)
					ca->ensure = ENSURE_DISTRUSTED;
				else if (suggest_word(ensure_words, e))
					lc_error_at(lc, en,
						    "%s: ensure must be present, absent or "
						    "distrusted, not \"%s\"; did you mean \"%s\"?",
						    where.ptr, e, suggest_word(ensure_words, e));
				else
					lc_error_at(lc, en,
						    "%s: ensure must be present, absent or "
						    "distrusted, not \"%s\"",
						    where.ptr, e);
			}
			const struct ynode *cd = ymap_get(v, "caddy");
			const char *cid = lc_expect_scalar(lc, cd, "caddy");
			if (cid) {
				if (!config_name_ok(cid))
					lc_error_at(lc, cd,
						    "%s: caddy must name a Caddy CA id such as "
						    "\"local\"",
						    where.ptr);
				ca->caddy = xstrdup(cid);
			}
			load_accept(lc, ca, ymap_get(v, "accept_breaking"));
			lc_load_replaces(lc, ca, ymap_get(v, "replaces"));
		}
		buf_dispose(&where);
	}
}

/* --- stores ----------------------------------------------------------------- */

static void load_store(struct loadctx *lc, struct conf_store *cs, const struct ynode *v)
{
	struct buf where = BUF_INIT;
	buf_printf(&where, "store \"%s\"", cs->name);
	if (!lc_expect(lc, v, YNODE_MAP, where.ptr))
		goto out;
	cs->node = v;
	const struct ynode *t = ymap_get(v, "type");
	if (!t) {
		/* the registry names its types (schema/ does not know them) */
		if (lc->opts->check_store)
			lc->opts->check_store(cs, lc->d);
		else
			lc_error_at(lc, v, "%s has no type; add `type:` with its store type",
				    where.ptr);
		goto out;
	}
	const char *type = lc_expect_scalar(lc, t, "type");
	if (!type)
		goto out;
	cs->type = xstrdup(type);
	if (lc->opts->check_store)
		lc->opts->check_store(cs, lc->d);
	const struct ynode *cons = ymap_get(v, "consumers");
	if (cons)
		conf_consumers_load(&cs->consumers, cs->name, cs->config_file, cons, lc->d);
out:
	buf_dispose(&where);
}

static void load_stores(struct loadctx *lc, const struct ynode *stores)
{
	struct config *cfg = lc->cfg;
	if (!lc_expect(lc, stores, YNODE_MAP, "stores"))
		return;
	cfg->stores = xcalloc(stores->n ? stores->n : 1, sizeof(*cfg->stores));
	for (size_t i = 0; i < stores->n; i++) {
		struct conf_store *cs = &cfg->stores[cfg->nstores++];
		cs->name = xstrdup(stores->keys[i]->text);
		strmap_put(&cfg->store_index, cs->name, cfg->nstores - 1);
		cs->pos = lc_pos_of(stores->keys[i]);
		cs->config_file = cfg->path;
		lc_check_name(lc, stores->keys[i], "store");
		load_store(lc, cs, stores->items[i]);
	}
}

static void load_all(struct loadctx *lc)
{
	struct config *cfg = lc->cfg;
	const struct ynode *t = cfg->tree;
	if (t->kind != YNODE_MAP) {
		lc_error_at(lc, t,
			    "the file must be a mapping with version, cas, stores, roles "
			    "and hosts; see examples/");
		return;
	}
	lc_check_keys(lc, t, top_keys, "the top level");
	const struct ynode *v = ymap_get(t, "version");
	const char *vs = lc_expect_scalar(lc, v, "version");
	if (vs) {
		if (strcmp(vs, "1") != 0)
			lc_error_at(lc, v,
				    "version %s is not supported by trustform %s; this "
				    "version reads `version: 1`",
				    vs, TRUSTFORM_VERSION);
		else
			cfg->version = 1;
	}
	const struct ynode *caddy = ymap_get(t, "caddy");
	if (caddy && lc_expect(lc, caddy, YNODE_MAP, "caddy")) {
		cfg->caddy.present = true;
		cfg->caddy.pos = lc_pos_of(caddy);
		cfg->caddy.node = caddy;
		struct conf_store *cs = &cfg->caddy.store;
		cs->name = xstrdup("caddy");
		cs->type = xstrdup("caddy");
		cs->pos = cfg->caddy.pos;
		cs->node = caddy;
		cs->config_file = cfg->path;
		cs->section = true;
		if (lc->opts->check_store)
			lc->opts->check_store(cs, lc->d);
	}
	load_cas(lc, ymap_get(t, "cas"));
	load_stores(lc, ymap_get(t, "stores"));
	lc_load_roles(lc, ymap_get(t, "roles"));
	lc_load_hosts(lc, ymap_get(t, "hosts"));
	lc_warn_unused(lc);
	lc_check_accept_breaking(lc);
	lc_check_replaces(lc);
	ca_check_all(cfg, lc->opts, lc->d);
}

struct config *config_load_buffer(const char *name, const char *dir, const char *data, size_t len,
				  const struct config_load_opts *opts, struct diag *d)
{
	struct yerror where = {0};
	struct ynode *tree = ytree_parse(name, data, len, &where);
	if (!tree) {
		diag_add(d, DIAG_ERROR, name, where.line, where.col, "%s", where.msg);
		return NULL;
	}
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = xstrdup(name);
	cfg->dir = xstrdup(dir);
	cfg->root = xstrdup(opts->root ? opts->root : "");
	cfg->origin = xstrdup(name);
	cfg->tree = tree;
	unsigned int mdlen;
	EVP_Digest(data, len, cfg->digest, &mdlen, EVP_sha256(), NULL);
	struct loadctx lc = {cfg, d, opts};
	load_all(&lc);
	return cfg;
}

struct config *config_load(const char *path, const struct config_load_opts *opts, struct diag *d)
{
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, path) < 0) {
		diag_add(d, DIAG_ERROR, path, 0, 0,
			 "cannot read the configuration: %s; "
			 "give its path with --config",
			 buf_strerror(errno));
		return NULL;
	}
	char *dir;
	const char *slash = strrchr(path, '/');
	dir = slash ? xstrndup(path, (size_t)(slash - path) + (slash == path)) : xstrdup(".");
	struct config *cfg = config_load_buffer(path, dir, b.ptr, b.len, opts, d);
	free(dir);
	buf_dispose(&b);
	return cfg;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ncas; i++) {
		struct conf_ca *ca = &c->cas[i];
		free(ca->name);
		free(ca->file);
		free(ca->file_path);
		free(ca->pin);
		free(ca->caddy);
		for (size_t j = 0; j < ca->naccept; j++)
			free(ca->accept_breaking[j]);
		free(ca->accept_breaking);
		free(ca->replaces);
		cert_free(ca->cert);
	}
	free(c->cas);
	for (size_t i = 0; i < c->nstores; i++) {
		free(c->stores[i].name);
		free(c->stores[i].type);
		conf_consumers_free(&c->stores[i].consumers);
	}
	free(c->stores);
	free(c->caddy.store.name);
	free(c->caddy.store.type);
	for (size_t i = 0; i < c->nroles; i++) {
		free(c->roles[i].name);
		free(c->roles[i].cas);
		free(c->roles[i].stores);
		for (size_t j = 0; j < c->roles[i].nendpoints; j++)
			endpoint_dispose(&c->roles[i].endpoints[j]);
		free(c->roles[i].endpoints);
	}
	free(c->roles);
	for (size_t i = 0; i < c->nhosts; i++) {
		free(c->hosts[i].pattern);
		free(c->hosts[i].roles);
	}
	free(c->hosts);
	strmap_dispose(&c->ca_index);
	strmap_dispose(&c->store_index);
	strmap_dispose(&c->role_index);
	ytree_free(c->tree);
	free(c->path);
	free(c->dir);
	free(c->root);
	free(c->origin);
	free(c);
}

const struct conf_ca *config_find_ca(const struct config *c, const char *name)
{
	long i = lc_find_ca_idx(c, name);
	return i < 0 ? NULL : &c->cas[i];
}

const struct conf_store *config_find_store(const struct config *c, const char *name)
{
	long i = lc_find_store_idx(c, name);
	if (i >= 0)
		return &c->stores[i];
	return c->caddy.present && !strcmp(c->caddy.store.name, name) ? &c->caddy.store : NULL;
}

const struct ynode *conf_store_node(const struct conf_store *s, const char *key)
{
	return ymap_get(s->node, key);
}

const char *conf_store_str(const struct conf_store *s, const char *key)
{
	const struct ynode *n = ymap_get(s->node, key);
	return n && n->kind == YNODE_SCALAR ? n->text : NULL;
}

bool conf_store_bool(const struct conf_store *s, const char *key, bool dflt)
{
	const struct ynode *n = ymap_get(s->node, key);
	if (!n || n->kind != YNODE_SCALAR)
		return dflt;
	return strcmp(n->text, "true") == 0;
}
