/* The fleet diff's model; see fleetdiff.h. Rendering is in fleetdiff_render.c. */
#include "reconcile/fleetdiff.h"
#include "model/cert.h"
#include "schema/resolve.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* One CA as one store of one host should hold it, by fingerprint. */
struct want {
	const char *fp;
	const char *name;
	enum fd_state state;
};

struct wants {
	struct want *v;
	size_t n;
	struct strmap by_fp; /* fingerprint -> its first want */
};

static enum fd_state state_of(enum ensure e)
{
	return e == ENSURE_ABSENT ? FD_ABSENT : e == ENSURE_DISTRUSTED ? FD_DISTRUSTED : FD_PRESENT;
}

static void wants_of(struct wants *w, const struct host_store *hs)
{
	w->v = xcalloc(hs && hs->ncas ? hs->ncas : 1, sizeof(*w->v));
	w->n = 0;
	strmap_init(&w->by_fp);
	for (size_t i = 0; hs && i < hs->ncas; i++) {
		const struct conf_ca *ca = hs->cas[i];
		if (!ca->cert)
			continue; /* the loader reported it: the diff is not run */
		w->v[w->n] = (struct want){ca->cert->fphex, ca->name, state_of(ca->ensure)};
		if (strmap_get(&w->by_fp, ca->cert->fphex) == STRMAP_NONE)
			strmap_put(&w->by_fp, ca->cert->fphex, w->n);
		w->n++;
	}
}

static void wants_dispose(struct wants *w)
{
	strmap_dispose(&w->by_fp);
	free(w->v);
}

static const struct want *find_fp(const struct wants *w, const char *fp)
{
	size_t i = strmap_get(&w->by_fp, fp);
	return i == STRMAP_NONE ? NULL : &w->v[i];
}

static const struct host_store *find_store(const struct resolved *r, const char *name)
{
	for (size_t i = 0; r && i < r->nstores; i++)
		if (!strcmp(r->stores[i].store->name, name))
			return &r->stores[i];
	return NULL;
}

static void classify(struct fd_change *c)
{
	static const struct {
		const char *op, *symbol;
	} kinds[] = {
	    {"add", "+"},     {"remove", "-"},	   {"distrust", "~"},
	    {"retrust", "~"}, {"undistrust", "~"}, {"release", "~"},
	};
	size_t k;
	if (c->after == FD_PRESENT)
		k = c->before == FD_DISTRUSTED ? 3 : 0;
	else if (c->after == FD_DISTRUSTED)
		k = 2;
	else if (c->before == FD_PRESENT || c->after == FD_ABSENT)
		k = 1; /* trusted before, or now removed wherever found */
	else if (c->before == FD_DISTRUSTED)
		k = 4; /* no longer distrusted, not trusted either */
	else
		k = 5; /* ensure: absent dropped: no longer removed */
	c->op = kinds[k].op;
	c->symbol = kinds[k].symbol;
}

static int change_cmp(const void *a, const void *b)
{
	const struct fd_change *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	c = strcmp(x->op, y->op);
	if (c)
		return c;
	return strcmp(x->fp_after ? x->fp_after : x->fp_before,
		      y->fp_after ? y->fp_after : y->fp_before);
}

static void push(struct fd_host *h, const struct fd_change *c)
{
	h->changes = xrealloc(h->changes, (h->nchanges + 1) * sizeof(*h->changes));
	h->changes[h->nchanges++] = *c;
}

/* Same name, trusted before and after, new fingerprint: the add and the
 * removal of the store's changes (from first on) become one replacement, -/+.
 * A CA name is one key of its file, so a store has at most one add and one
 * such removal of a name: a map from name to removal pairs them. */
static void pair_replacements(struct fd_host *h, size_t first)
{
	struct strmap rm; /* name -> the index of its removal */
	strmap_init(&rm);
	for (size_t j = first; j < h->nchanges; j++) {
		const struct fd_change *c = &h->changes[j];
		if (!strcmp(c->op, "remove") && c->before == FD_PRESENT && c->after == FD_NONE &&
		    strmap_get(&rm, c->name) == STRMAP_NONE)
			strmap_put(&rm, c->name, j);
	}
	bool *gone = xcalloc(h->nchanges - first + 1, sizeof(*gone));
	for (size_t i = first; rm.n && i < h->nchanges; i++) {
		struct fd_change *add = &h->changes[i];
		if (strcmp(add->op, "add") || add->before != FD_NONE)
			continue;
		size_t j = strmap_del(&rm, add->name);
		if (j == STRMAP_NONE)
			continue;
		add->op = "replace";
		add->symbol = "-/+";
		add->before = FD_PRESENT;
		add->fp_before = h->changes[j].fp_before;
		gone[j - first] = true;
	}
	size_t k = first;
	for (size_t i = first; i < h->nchanges; i++)
		if (!gone[i - first])
			h->changes[k++] = h->changes[i];
	h->nchanges = k;
	free(gone);
	strmap_dispose(&rm);
}

/* The changes of one store: every fingerprint whose state differs; an add and
 * a removal under the same CA name become one replacement. */
static void diff_store(struct fd_host *h, const char *store, const struct host_store *o,
		       const struct host_store *n)
{
	struct wants wo, wn;
	wants_of(&wo, o);
	wants_of(&wn, n);
	size_t first = h->nchanges;
	for (size_t i = 0; i < wo.n; i++) {
		const struct want *a = &wo.v[i], *b = find_fp(&wn, a->fp);
		if (b && b->state == a->state)
			continue;
		struct fd_change c = {.store = store,
				      .name = b ? b->name : a->name,
				      .before = a->state,
				      .after = b ? b->state : FD_NONE,
				      .fp_before = a->fp,
				      .fp_after = b ? b->fp : NULL};
		classify(&c);
		push(h, &c);
	}
	for (size_t i = 0; i < wn.n; i++) {
		const struct want *b = &wn.v[i];
		if (find_fp(&wo, b->fp))
			continue;
		struct fd_change c = {.store = store,
				      .name = b->name,
				      .before = FD_NONE,
				      .after = b->state,
				      .fp_after = b->fp};
		classify(&c);
		push(h, &c);
	}
	pair_replacements(h, first);
	if (h->nchanges > first)
		qsort(h->changes + first, h->nchanges - first, sizeof(*h->changes), change_cmp);
	wants_dispose(&wo);
	wants_dispose(&wn);
}

static char *roles_text(const struct resolved *r)
{
	if (!r)
		return NULL;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < r->nroles; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", r->roles[i]->name);
	return buf_detach(&b);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Store names of the host in either file, sorted, once. */
static char **store_names(const struct resolved *o, const struct resolved *n, size_t *count)
{
	size_t max = (o ? o->nstores : 0) + (n ? n->nstores : 0);
	char **v = xcalloc(max ? max : 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; o && i < o->nstores; i++)
		v[k++] = o->stores[i].store->name;
	for (size_t i = 0; n && i < n->nstores; i++)
		if (!find_store(o, n->stores[i].store->name))
			v[k++] = n->stores[i].store->name;
	qsort(v, k, sizeof(*v), str_cmp);
	*count = k;
	return v;
}

/* xo, xn: the host entries of the old and the new file, indexed once for all hosts */
static void diff_host(struct fleet_diff *d, struct fd_host *h, const struct host_index *xo,
		      const struct host_index *xn)
{
	struct resolved *o = resolve_host_indexed(xo, h->name, NULL, 0);
	struct resolved *n = resolve_host_indexed(xn, h->name, NULL, 0);
	err_clear(); /* matching no entry is an answer here, not an error */
	h->roles_before = roles_text(o);
	h->roles_after = roles_text(n);
	size_t ns;
	char **names = store_names(o, n, &ns);
	for (size_t i = 0; n && i < ns; i++) {
		const struct host_store *so = find_store(o, names[i]),
					*sn = find_store(n, names[i]);
		if (!sn) {
			h->stores_dropped =
			    xrealloc(h->stores_dropped, (h->nstores_dropped + 1) * sizeof(char *));
			h->stores_dropped[h->nstores_dropped++] = xstrdup(names[i]);
			continue;
		}
		/* the name of a store is the new file's; its CAs point into both */
		diff_store(h, sn->store->name, so, sn);
	}
	free(names);
	if (!o && !n)
		h->status = FD_UNCHANGED;
	else if (!o)
		h->status = FD_APPEARS;
	else if (!n)
		h->status = FD_DISAPPEARS;
	else if (h->nchanges || h->nstores_dropped || strcmp(h->roles_before, h->roles_after))
		h->status = FD_CHANGED;
	else
		h->status = FD_UNCHANGED;
	for (size_t i = 0; i < h->nchanges; i++) {
		const char *op = h->changes[i].op;
		size_t *count = !strcmp(op, "add")	  ? &d->add
				: !strcmp(op, "remove")	  ? &d->remove
				: !strcmp(op, "replace")  ? &d->replace
				: !strcmp(op, "distrust") ? &d->distrust
							  : &d->other;
		(*count)++;
	}
	d->changed += h->status == FD_CHANGED;
	d->appear += h->status == FD_APPEARS;
	d->disappear += h->status == FD_DISAPPEARS;
	resolved_free(o);
	resolved_free(n);
}

void fleet_diff_build(struct fleet_diff *d, const struct config *old, const struct config *new,
		      char *const *hosts, size_t nhosts)
{
	memset(d, 0, sizeof(*d));
	d->old = old;
	d->new = new;
	char **names;
	size_t n = 0;
	if (hosts) {
		names = xcalloc(nhosts ? nhosts : 1, sizeof(*names));
		for (size_t i = 0; i < nhosts; i++)
			names[n++] = hosts[i];
	} else {
		names = xcalloc(old->nhosts + new->nhosts + 1, sizeof(*names));
		for (size_t i = 0; i < old->nhosts; i++)
			names[n++] = old->hosts[i].pattern;
		for (size_t i = 0; i < new->nhosts; i++)
			names[n++] = new->hosts[i].pattern;
	}
	qsort(names, n, sizeof(*names), str_cmp);
	struct host_index xo, xn;
	host_index_init(&xo, old);
	host_index_init(&xn, new);
	d->hosts = xcalloc(n ? n : 1, sizeof(*d->hosts));
	for (size_t i = 0; i < n; i++) {
		if (d->nhosts && !strcmp(d->hosts[d->nhosts - 1].name, names[i]))
			continue;
		struct fd_host *h = &d->hosts[d->nhosts++];
		h->name = xstrdup(names[i]);
		diff_host(d, h, &xo, &xn);
	}
	host_index_dispose(&xo);
	host_index_dispose(&xn);
	free(names);
}

bool fleet_diff_pending(const struct fleet_diff *d)
{
	return d->changed || d->appear || d->disappear;
}

void fleet_diff_dispose(struct fleet_diff *d)
{
	for (size_t i = 0; i < d->nhosts; i++) {
		struct fd_host *h = &d->hosts[i];
		free(h->name);
		free(h->roles_before);
		free(h->roles_after);
		for (size_t j = 0; j < h->nstores_dropped; j++)
			free(h->stores_dropped[j]);
		free(h->stores_dropped);
		free(h->changes);
	}
	free(d->hosts);
	memset(d, 0, sizeof(*d));
}
