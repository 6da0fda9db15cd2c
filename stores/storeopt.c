/* What a store's backend asks of its configured store; see storeopt.h. */
#include "stores/storeopt.h"
#include "schema/resolve.h"
#include "stores/store.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void store_conf_error(struct diag *d, const struct conf_store *cs, const struct ynode *n,
		      const char *fmt, ...)
{
	char *prefix = xasprintf("store \"%s\": ", cs->name);
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, DIAG_ERROR, cs->config_file, n ? n->line : cs->pos.line,
		  n ? n->col : cs->pos.col, prefix, fmt, ap);
	va_end(ap);
	free(prefix);
}

char *store_opt_pos(const struct conf_store *cs, const char *key)
{
	const struct ynode *n = key ? conf_store_node(cs, key) : NULL;
	if (n)
		return xasprintf("%s:%d:%d", cs->config_file, n->line, n->col);
	return xasprintf("%s:%d:%d", cs->config_file, cs->pos.line, cs->pos.col);
}

char *store_error_text(const struct conf_store *cs, const char *msg)
{
	if (!cs)
		return xstrdup(msg);
	return xasprintf("%s (store at %s:%d:%d)", msg, cs->config_file, cs->pos.line, cs->pos.col);
}

/* The store's host as the configuration resolves it, or NULL (no
 * configuration or host in this context, or one that does not resolve: the
 * plan says that elsewhere). */
static struct resolved *host_resolved(const struct store_inst *s)
{
	if (!s->ctx->cfg || !s->ctx->host)
		return NULL;
	struct resolved *r = resolve_host(s->ctx->cfg, s->ctx->host, NULL, 0);
	if (!r)
		err_clear();
	return r;
}

size_t store_cas_outside_system(const struct store_inst *s, const struct conf_ca ***out)
{
	size_t n = 0;
	*out = NULL;
	struct resolved *r = host_resolved(s);
	if (!r)
		return 0;
	const struct host_store *mine = NULL;
	for (size_t i = 0; i < r->nstores; i++)
		if (r->stores[i].store == s->conf)
			mine = &r->stores[i];
	for (size_t c = 0; mine && c < mine->ncas; c++) {
		const struct conf_ca *ca = mine->cas[c];
		if (ca->ensure != ENSURE_PRESENT)
			continue;
		bool held = false;
		for (size_t i = 0; i < r->nstores && !held; i++) {
			const struct host_store *hs = &r->stores[i];
			if (strcmp(hs->store->type, "system"))
				continue;
			for (size_t k = 0; k < hs->ncas && !held; k++)
				held = hs->cas[k] == ca;
		}
		if (!held) {
			*out = xrealloc(*out, (n + 1) * sizeof(**out));
			(*out)[n++] = ca;
		}
	}
	resolved_free(r);
	return n;
}

size_t store_host_stores(const struct store_inst *s, const struct conf_store ***out)
{
	size_t n = 0;
	*out = NULL;
	struct resolved *r = host_resolved(s);
	if (!r)
		return 0;
	*out = xcalloc(r->nstores ? r->nstores : 1, sizeof(**out));
	for (size_t i = 0; i < r->nstores; i++)
		if (!r->stores[i].store->section)
			(*out)[n++] = r->stores[i].store;
	resolved_free(r);
	return n;
}

const struct host_store *store_desired(const struct store_inst *s, struct resolved **r)
{
	*r = NULL;
	if (s->desired)
		return s->desired;
	if (!(*r = host_resolved(s)))
		return NULL;
	for (size_t i = 0; i < (*r)->nstores; i++)
		if ((*r)->stores[i].store == s->conf)
			return &(*r)->stores[i];
	return NULL;
}

size_t store_cas_present(const struct store_inst *s)
{
	size_t n = 0;
	struct resolved *r;
	const struct host_store *hs = store_desired(s, &r);
	for (size_t c = 0; hs && c < hs->ncas; c++)
		n += hs->cas[c]->ensure == ENSURE_PRESENT;
	resolved_free(r);
	return n;
}

bool store_host_has_system(const struct store_inst *s)
{
	bool has = false;
	struct resolved *r = host_resolved(s);
	if (!r)
		return false;
	for (size_t i = 0; i < r->nstores && !has; i++)
		has = !r->stores[i].store->section && !strcmp(r->stores[i].store->type, "system");
	resolved_free(r);
	return has;
}
