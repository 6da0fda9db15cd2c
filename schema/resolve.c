/* Host resolution; see resolve.h. */
#include "schema/resolve.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int ca_cmp(const void *a, const void *b)
{
	const struct conf_ca *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

/* By name; a store configured by a top-level section (caddy) after the
 * stores: entries, so that its steps come after those of the stores it may
 * read (Caddy's reissue after the stores got its new root). */
static int store_cmp(const void *a, const void *b)
{
	const struct host_store *x = a, *y = b;
	if (x->store->section != y->store->section)
		return x->store->section ? 1 : -1;
	return strcmp(x->store->name, y->store->name);
}

static void add_role(struct resolved *r, const struct conf_role *role)
{
	for (size_t i = 0; i < r->nroles; i++)
		if (r->roles[i] == role)
			return;
	r->roles = xrealloc(r->roles, (r->nroles + 1) * sizeof(*r->roles));
	r->roles[r->nroles++] = role;
}

static bool targeted(const char *name, char *const *targets, size_t n)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(targets[i], name) == 0)
			return true;
	return false;
}

static void fill_store(const struct config *cfg, const struct resolved *r, size_t si,
		       struct host_store *hs)
{
	/* A byte per CA marks membership: linear in roles × their CAs. */
	unsigned char *in = xcalloc(cfg->ncas ? cfg->ncas : 1, 1);
	for (size_t i = 0; i < r->nroles; i++) {
		const struct conf_role *role = r->roles[i];
		bool lists = false;
		for (size_t j = 0; j < role->nstores; j++)
			lists |= role->stores[j] == si;
		if (!lists)
			continue;
		for (size_t j = 0; j < role->ncas; j++)
			in[role->cas[j]] = 1;
	}
	for (size_t i = 0; i < cfg->ncas; i++)
		if (cfg->cas[i].ensure != ENSURE_PRESENT)
			in[i] = 1;
	hs->store = &cfg->stores[si];
	hs->cas = xcalloc(cfg->ncas ? cfg->ncas : 1, sizeof(*hs->cas));
	for (size_t i = 0; i < cfg->ncas; i++)
		if (in[i])
			hs->cas[hs->ncas++] = &cfg->cas[i];
	qsort(hs->cas, hs->ncas, sizeof(*hs->cas), ca_cmp);
	free(in);
}

void host_index_init(struct host_index *x, const struct config *cfg)
{
	memset(x, 0, sizeof(*x));
	x->cfg = cfg;
	strmap_init(&x->exact);
	x->globs = xcalloc(cfg->nhosts ? cfg->nhosts : 1, sizeof(*x->globs));
	for (size_t i = 0; i < cfg->nhosts; i++) {
		if (has_glob(cfg->hosts[i].pattern))
			x->globs[x->nglobs++] = i;
		else
			strmap_put(&x->exact, cfg->hosts[i].pattern, i); /* the last one counts */
	}
}

void host_index_dispose(struct host_index *x)
{
	strmap_dispose(&x->exact);
	free(x->globs);
	memset(x, 0, sizeof(*x));
}

/* The roles of the host's entries: its exact entry alone if it has one,
 * else those of every glob that matches it, in the file's order. */
static bool match_roles(const struct host_index *x, const char *host, struct resolved *r)
{
	const struct config *cfg = x->cfg;
	size_t exact = strmap_get(&x->exact, host);
	if (exact != STRMAP_NONE) {
		const struct conf_host *h = &cfg->hosts[exact];
		for (size_t j = 0; j < h->nroles; j++)
			add_role(r, &cfg->roles[h->roles[j]]);
		return true;
	}
	bool matched = false;
	for (size_t i = 0; i < x->nglobs; i++) {
		const struct conf_host *h = &cfg->hosts[x->globs[i]];
		if (fnmatch(h->pattern, host, 0) != 0)
			continue;
		matched = true;
		for (size_t j = 0; j < h->nroles; j++)
			add_role(r, &cfg->roles[h->roles[j]]);
	}
	return matched;
}

struct resolved *resolve_host(const struct config *cfg, const char *host, char *const *targets,
			      size_t ntargets)
{
	struct host_index x;
	host_index_init(&x, cfg);
	struct resolved *r = resolve_host_indexed(&x, host, targets, ntargets);
	host_index_dispose(&x);
	return r;
}

struct resolved *resolve_host_indexed(const struct host_index *x, const char *host,
				      char *const *targets, size_t ntargets)
{
	const struct config *cfg = x->cfg;
	struct resolved *r = xcalloc(1, sizeof(*r));

	if (!match_roles(x, host, r)) {
		err_set("%s: host \"%s\" matches no entry under hosts:; add `%s: [role]` or a "
			"glob that matches it, or pass --host NAME",
			cfg->path, host, host);
		goto fail;
	}

	/* The stores of the host: those its roles list, and the section's store
	 * (caddy) when one of them sets its key (`caddy: true`). */
	unsigned char *used = xcalloc(cfg->nstores ? cfg->nstores : 1, 1);
	bool section_used = false;
	for (size_t i = 0; i < r->nroles; i++) {
		section_used |= r->roles[i]->caddy && cfg->caddy.present;
		for (size_t j = 0; j < r->roles[i]->nstores; j++)
			used[r->roles[i]->stores[j]] = 1;
	}
	for (size_t t = 0; t < ntargets; t++) {
		const struct conf_store *cs = config_find_store(cfg, targets[t]);
		if (!cs) {
			err_set("--target %s: no store of that name in %s", targets[t], cfg->path);
			free(used);
			goto fail;
		}
		if (cs->section ? !section_used : !used[cs - cfg->stores]) {
			err_set("--target %s: host \"%s\" does not use that store (%s in %s)",
				targets[t], host,
				cs->section ? "none of its roles sets `caddy: true`"
					    : "its roles do not list it",
				cfg->path);
			free(used);
			goto fail;
		}
	}
	r->stores = xcalloc(cfg->nstores + 1, sizeof(*r->stores));
	for (size_t i = 0; i < cfg->nstores; i++)
		if (used[i] && targeted(cfg->stores[i].name, targets, ntargets))
			fill_store(cfg, r, i, &r->stores[r->nstores++]);
	free(used);
	/* A section's store holds no CAs of the roles: the planner compares the
	 * store's own root with the CAs marked for it (`caddy: <id>`). */
	if (section_used && targeted(cfg->caddy.store.name, targets, ntargets)) {
		struct host_store *hs = &r->stores[r->nstores++];
		hs->store = &cfg->caddy.store;
		hs->cas = xcalloc(1, sizeof(*hs->cas));
	}
	qsort(r->stores, r->nstores, sizeof(*r->stores), store_cmp);
	return r;
fail:
	resolved_free(r);
	return NULL;
}

void resolved_free(struct resolved *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nstores; i++)
		free(r->stores[i].cas);
	free(r->stores);
	free(r->roles);
	free(r);
}
