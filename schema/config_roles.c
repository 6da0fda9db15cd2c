/* The roles and hosts sections of the configuration; see config_int.h. */
#include "schema/config_int.h"
#include "schema/endpoint.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* --- roles and hosts ------------------------------------------------------- */

static const struct key_spec role_keys[] = {
    {"cas", false}, {"stores", false}, {"caddy", false}, {"connects_to", false}, {NULL, false},
};

static size_t *resolve_refs(struct loadctx *lc, const struct ynode *list, const char *what,
			    const char *owner, size_t *nout, const struct strmap *index,
			    size_t space, const char *hint)
{
	*nout = 0;
	if (!list)
		return NULL;
	if (!lc_expect(lc, list, YNODE_SEQ, what))
		return NULL;
	size_t *idx = xcalloc(list->n ? list->n : 1, sizeof(*idx));
	unsigned char *seen = xcalloc(space ? space : 1, 1);
	for (size_t i = 0; i < list->n; i++) {
		const char *name = lc_expect_scalar(lc, list->items[i], what);
		if (!name)
			continue;
		size_t at = strmap_get(index, name);
		if (at == STRMAP_NONE) {
			lc_error_at(lc, list->items[i],
				    "%s uses %s \"%s\", which is not defined; %s", owner, what,
				    name, hint);
			continue;
		}
		if (seen[at]) {
			lc_error_at(lc, list->items[i], "%s lists %s \"%s\" twice; remove one",
				    owner, what, name);
			continue;
		}
		seen[at] = 1;
		idx[(*nout)++] = at;
	}
	free(seen);
	return idx;
}

static long index_get(const struct strmap *m, const char *name)
{
	size_t i = strmap_get(m, name);
	return i == STRMAP_NONE ? -1 : (long)i;
}

long lc_find_ca_idx(const struct config *c, const char *name)
{
	return index_get(&c->ca_index, name);
}

long lc_find_store_idx(const struct config *c, const char *name)
{
	return index_get(&c->store_index, name);
}

static void load_endpoints(struct loadctx *lc, struct conf_role *r, const struct ynode *list)
{
	const char **names = xcalloc(r->nstores ? r->nstores : 1, sizeof(*names));
	for (size_t i = 0; i < r->nstores; i++)
		names[i] = lc->cfg->stores[r->stores[i]].name;
	struct endpoint_role er = {r->name, lc->cfg->path, names, r->stores, r->nstores};
	endpoint_load_list(&r->endpoints, &r->nendpoints, list, &er, lc->d);
	free(names);
}

void lc_load_roles(struct loadctx *lc, const struct ynode *roles)
{
	struct config *cfg = lc->cfg;
	if (!lc_expect(lc, roles, YNODE_MAP, "roles"))
		return;
	cfg->roles = xcalloc(roles->n ? roles->n : 1, sizeof(*cfg->roles));
	for (size_t i = 0; i < roles->n; i++) {
		const struct ynode *k = roles->keys[i], *v = roles->items[i];
		struct conf_role *r = &cfg->roles[cfg->nroles++];
		r->name = xstrdup(k->text);
		strmap_put(&cfg->role_index, r->name, cfg->nroles - 1);
		r->pos = lc_pos_of(k);
		lc_check_name(lc, k, "role");
		struct buf where = BUF_INIT;
		buf_printf(&where, "role \"%s\"", k->text);
		if (lc_expect(lc, v, YNODE_MAP, where.ptr)) {
			lc_check_keys(lc, v, role_keys, where.ptr);
			r->cas = resolve_refs(lc, ymap_get(v, "cas"), "CA", where.ptr, &r->ncas,
					      &cfg->ca_index, cfg->ncas, "define it under cas:");
			r->stores = resolve_refs(lc, ymap_get(v, "stores"), "store", where.ptr,
						 &r->nstores, &cfg->store_index, cfg->nstores,
						 "define it under stores:");
			const struct ynode *c = ymap_get(v, "caddy");
			if (c)
				r->caddy = lc_parse_bool(lc, c, "caddy") == 1;
			if (r->caddy && !lc->cfg->caddy.present)
				lc_error_at(lc, c,
					    "%s sets caddy: true but there is no top-level "
					    "caddy: section; add one with data_dir and ca",
					    where.ptr);
			const struct ynode *ct = ymap_get(v, "connects_to");
			if (ct)
				load_endpoints(lc, r, ct);
		}
		buf_dispose(&where);
	}
}

static bool host_pattern_ok(const char *s)
{
	if (!*s || strlen(s) > 253)
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!isalnum(c) && !strchr(".-_*?[]!", c))
			return false;
	}
	return true;
}

void lc_load_hosts(struct loadctx *lc, const struct ynode *hosts)
{
	struct config *cfg = lc->cfg;
	if (!lc_expect(lc, hosts, YNODE_MAP, "hosts"))
		return;
	cfg->hosts = xcalloc(hosts->n ? hosts->n : 1, sizeof(*cfg->hosts));
	for (size_t i = 0; i < hosts->n; i++) {
		const struct ynode *k = hosts->keys[i], *v = hosts->items[i];
		struct conf_host *h = &cfg->hosts[cfg->nhosts++];
		h->pattern = xstrdup(k->text);
		h->pos = lc_pos_of(k);
		if (!host_pattern_ok(k->text))
			lc_error_at(lc, k,
				    "host \"%s\" is not a host name or glob: use letters, "
				    "digits, . - _ and the glob characters * ? [ ]",
				    k->text);
		struct buf where = BUF_INIT;
		buf_printf(&where, "host \"%s\"", k->text);
		if (v->kind == YNODE_SCALAR && v->plain && !*v->text)
			lc_error_at(lc, v, "%s has no roles; write `%s: [role]`", where.ptr,
				    k->text);
		else
			h->roles =
			    resolve_refs(lc, v, "role", where.ptr, &h->nroles, &cfg->role_index,
					 cfg->nroles, "define it under roles:");
		buf_dispose(&where);
	}
}

/* Warn about definitions that nothing uses: usually a typo elsewhere. */
void lc_warn_unused(struct loadctx *lc)
{
	struct config *cfg = lc->cfg;
	unsigned char *ca_used = xcalloc(cfg->ncas ? cfg->ncas : 1, 1);
	unsigned char *store_used = xcalloc(cfg->nstores ? cfg->nstores : 1, 1);
	for (size_t r = 0; r < cfg->nroles; r++) {
		for (size_t j = 0; j < cfg->roles[r].ncas; j++)
			ca_used[cfg->roles[r].cas[j]] = 1;
		for (size_t j = 0; j < cfg->roles[r].nstores; j++)
			store_used[cfg->roles[r].stores[j]] = 1;
	}
	for (size_t i = 0; i < cfg->ncas; i++)
		if (cfg->cas[i].ensure == ENSURE_PRESENT && !ca_used[i])
			diag_add(lc->d, DIAG_WARNING, cfg->path, cfg->cas[i].pos.line,
				 cfg->cas[i].pos.col, "CA \"%s\" is defined but no role uses it",
				 cfg->cas[i].name);
	for (size_t i = 0; i < cfg->nstores; i++)
		if (!store_used[i])
			diag_add(lc->d, DIAG_WARNING, cfg->path, cfg->stores[i].pos.line,
				 cfg->stores[i].pos.col,
				 "store \"%s\" is defined but no role uses it",
				 cfg->stores[i].name);
	free(ca_used);
	free(store_used);
}

/* accept_breaking names endpoints some role calls, on a CA the configuration
 * removes or distrusts (a CA kept present breaks nothing). */
void lc_check_accept_breaking(struct loadctx *lc)
{
	struct config *cfg = lc->cfg;
	size_t nurls = 0;
	for (size_t r = 0; r < cfg->nroles; r++)
		nurls += cfg->roles[r].nendpoints;
	const char **urls = xcalloc(nurls + 1, sizeof(*urls));
	size_t k = 0;
	for (size_t r = 0; r < cfg->nroles; r++)
		for (size_t j = 0; j < cfg->roles[r].nendpoints; j++)
			urls[k++] = cfg->roles[r].endpoints[j].url;
	for (size_t i = 0; i < cfg->ncas; i++) {
		const struct conf_ca *ca = &cfg->cas[i];
		if (!ca->accept_node)
			continue;
		if (ca->ensure == ENSURE_PRESENT)
			lc_error_at(lc, ca->accept_node,
				    "CA \"%s\": accept_breaking is for a CA that is removed or "
				    "distrusted; add `ensure: absent` (or distrusted), or delete "
				    "accept_breaking",
				    ca->name);
		for (size_t j = 0; j < ca->accept_node->n; j++) {
			const struct ynode *it = ca->accept_node->items[j];
			if (it->kind != YNODE_SCALAR)
				continue;
			bool found = false;
			for (size_t u = 0; u < nurls && !found; u++)
				found = !strcmp(urls[u], it->text);
			if (found)
				continue;
			const char *near = suggest_word((const char *const *)urls, it->text);
			if (near)
				lc_error_at(lc, it,
					    "CA \"%s\": accept_breaking lists \"%s\", which no "
					    "role's connects_to lists; did you mean \"%s\"?",
					    ca->name, it->text, near);
			else
				lc_error_at(lc, it,
					    "CA \"%s\": accept_breaking lists \"%s\", which no "
					    "role's connects_to lists; write an endpoint URL "
					    "exactly as connects_to gives it",
					    ca->name, it->text);
		}
	}
	free(urls);
}
