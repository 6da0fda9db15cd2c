/* Effective trust of the host's endpoints, per store, after apply; see check.h. */
#include "reconcile/check.h"
#include "model/cert.h"
#include "reconcile/distroset.h"
#include "stores/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool check_host_has_endpoints(const struct resolved *res)
{
	for (size_t i = 0; res && i < res->nroles; i++)
		if (res->roles[i]->nendpoints)
			return true;
	return false;
}

static void endpoint_copy(struct conf_endpoint *dst, const struct conf_endpoint *src)
{
	*dst = *src;
	dst->url = xstrdup(src->url);
	dst->host = xstrdup(src->host);
	dst->port = xstrdup(src->port);
	dst->sni = src->sni ? xstrdup(src->sni) : NULL;
	dst->stores = xcalloc(src->nstores ? src->nstores : 1, sizeof(*dst->stores));
	memcpy(dst->stores, src->stores, src->nstores * sizeof(*dst->stores));
}

static struct check_endpoint *add_endpoint(struct check_report *rep)
{
	rep->eps = xrealloc(rep->eps, (rep->n + 1) * sizeof(*rep->eps));
	struct check_endpoint *ce = &rep->eps[rep->n++];
	memset(ce, 0, sizeof(*ce));
	return ce;
}

/* The same URL listed by two roles is checked once, for the stores of both. */
static void merge_stores(struct conf_endpoint *into, const struct conf_endpoint *from)
{
	for (size_t i = 0; i < from->nstores; i++) {
		bool have = false;
		for (size_t j = 0; j < into->nstores; j++)
			have |= into->stores[j] == from->stores[i];
		if (!have) {
			into->stores =
			    xrealloc(into->stores, (into->nstores + 1) * sizeof(*into->stores));
			into->stores[into->nstores++] = from->stores[i];
		}
	}
}

int check_collect(struct check_report *rep, const struct check_params *p)
{
	memset(rep, 0, sizeof(*rep));
	rep->now = p->now;
	for (size_t i = 0; i < p->nurls; i++) {
		struct conf_endpoint e = {0};
		char *why = NULL;
		if (endpoint_parse_url(&e, p->urls[i], &why) < 0) {
			err_set("%s", why);
			free(why);
			endpoint_dispose(&e);
			return -1;
		}
		/* a URL given on the command line: every store of the host */
		e.stores = xcalloc(p->res->nstores ? p->res->nstores : 1, sizeof(*e.stores));
		for (size_t j = 0; j < p->res->nstores; j++)
			if (!p->res->stores[j].store->section) /* Caddy's PKI is no client's */
				e.stores[e.nstores++] =
				    (size_t)(p->res->stores[j].store - p->cfg->stores);
		add_endpoint(rep)->ep = e;
	}
	if (p->nurls)
		return 0;
	for (size_t i = 0; i < p->res->nroles; i++) {
		const struct conf_role *r = p->res->roles[i];
		for (size_t j = 0; j < r->nendpoints; j++) {
			struct check_endpoint *same = NULL;
			for (size_t k = 0; k < rep->n && !same; k++)
				if (!strcmp(rep->eps[k].ep.url, r->endpoints[j].url))
					same = &rep->eps[k];
			if (same) {
				merge_stores(&same->ep, &r->endpoints[j]);
				continue;
			}
			struct check_endpoint *ce = add_endpoint(rep);
			endpoint_copy(&ce->ep, &r->endpoints[j]);
			ce->role = r->name;
		}
	}
	return 0;
}

/* --- what a store's clients will trust after apply ------------------------ */

struct anchors {
	const struct cert **trusted;
	size_t nt, at;
	const struct cert **untrusted; /* held without TLS trust (NSS ",,") */
	size_t nu, au;
	size_t uncertain; /* trusted entries whose certificate is unknown */
};

static bool has_cert(const struct cert **list, size_t n, const struct cert *c)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(list[i]->fp, c->fp, FP_LEN))
			return true;
	return false;
}

static void push(const struct cert ***list, size_t *n, size_t *alloc, const struct cert *c)
{
	if (!c || has_cert(*list, *n, c))
		return;
	if (*n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 64;
		*list = xrealloc(*list, *alloc * sizeof(**list));
	}
	(*list)[(*n)++] = c;
}

static void anchors_dispose(struct anchors *a)
{
	free(a->trusted);
	free(a->untrusted);
	memset(a, 0, sizeof(*a));
}

static bool step_sees(const struct plan_step *st, const struct trust_entry *e)
{
	return st->has_seen && !memcmp(st->seen.fp, e->fp, FP_LEN) &&
	       !strcmp(st->seen.label, e->label);
}

/* The store's actual set with the plan's steps carried out on it (with none
 * of them: now). */
static void anchors_of(struct anchors *a, const struct plan_store *ps, bool now)
{
	bool flags = ps->inst && (ps->inst->backend->caps & STORE_HAS_TRUST_FLAGS);
	for (size_t i = 0; i < ps->actual.n; i++) {
		const struct trust_entry *e = &ps->actual.items[i];
		enum trust_state st = e->state;
		bool gone = false;
		for (size_t j = 0; j < ps->n && !now; j++) {
			if (!step_sees(&ps->steps[j], e))
				continue;
			switch (ps->steps[j].op) {
			case OP_REMOVE:
			case OP_REPLACE:
				gone = true;
				break;
			case OP_DISTRUST:
				st = TS_DISTRUSTED;
				break;
			case OP_RETRUST:
			case OP_UPDATE:
				st = TS_TRUSTED;
				break;
			default:
				break;
			}
		}
		if (gone)
			continue;
		if (!e->cert) {
			a->uncertain += st == TS_TRUSTED;
			continue;
		}
		if (st == TS_TRUSTED)
			push(&a->trusted, &a->nt, &a->at, e->cert);
		else if (st == TS_INERT && flags)
			push(&a->untrusted, &a->nu, &a->au, e->cert);
	}
	for (size_t j = 0; j < ps->n && !now; j++) {
		const struct plan_step *st = &ps->steps[j];
		if (!st->ca || !st->ca->cert)
			continue;
		if (st->op == OP_ADD || st->op == OP_REPLACE || st->op == OP_UPDATE ||
		    st->op == OP_RETRUST)
			push(&a->trusted, &a->nt, &a->at, st->ca->cert);
	}
	/* an entry given TLS trust by the plan is no longer "present, untrusted" */
	size_t k = 0;
	for (size_t i = 0; i < a->nu; i++)
		if (!has_cert(a->trusted, a->nt, a->untrusted[i]))
			a->untrusted[k++] = a->untrusted[i];
	a->nu = k;
}

static void anchors_after_apply(struct anchors *a, const struct plan_store *ps)
{
	anchors_of(a, ps, false);
}

static bool env_lists(const struct conf_store *cs, const char *var)
{
	const struct ynode *env = conf_store_node(cs, "env");
	for (size_t i = 0; env && env->kind == YNODE_SEQ && i < env->n; i++)
		if (env->items[i]->kind == YNODE_SCALAR && !strcmp(env->items[i]->text, var))
			return true;
	return false;
}

static const struct plan_store *system_store(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->stores[i].inst && store_reads(p->stores[i].inst->conf, STORE_READ_SYSTEM))
			return &p->stores[i];
	return NULL;
}

/* Node reads its bundled roots plus NODE_EXTRA_CA_CERTS, or with
 * NODE_USE_SYSTEM_CA the system store as well (now, or after apply). Node's
 * bundled roots are not on disk: Mozilla's set, which Debian ships from the
 * same source (ca-certificates' mozilla/), stands in for them. */
static char *node_anchors(struct anchors *a, const struct plan_store *ps,
			  const struct check_params *p, struct distro_set *moz, bool now)
{
	const struct conf_store *cs = ps->inst->conf;
	struct buf note = BUF_INIT;
	if (env_lists(cs, "NODE_EXTRA_CA_CERTS")) {
		distro_set_load(moz);
		for (size_t i = 0; i < moz->n; i++)
			push(&a->trusted, &a->nt, &a->at, moz->certs[i]);
		buf_printf(&note,
			   "Node: the bundle plus Node's bundled roots (the system's "
			   "Mozilla set, %zu CAs, stands in for them)",
			   moz->n);
	}
	if (env_lists(cs, "NODE_USE_SYSTEM_CA")) {
		const struct plan_store *sys = system_store(p->plan);
		if (sys && !sys->error)
			anchors_of(a, sys, now);
		buf_printf(&note, "%sNode with NODE_USE_SYSTEM_CA: %s", note.len ? "; " : "",
			   sys ? "the system store too"
			       : "the system store is not read in this "
				 "run (not a store of the host)");
	}
	char *s = note.len ? xstrdup(note.ptr) : NULL;
	buf_dispose(&note);
	return s;
}

/* --- judging --------------------------------------------------------------- */

static bool store_matches(const struct plan_store *ps, const struct conf_store *cs)
{
	if (ps->inst)
		return ps->inst->conf == cs;
	size_t n = strlen(cs->name);
	return !strncmp(ps->address, cs->name, n) && (ps->address[n] == 0 || ps->address[n] == '[');
}

/* Would a client with anchors a accept the endpoint's chain? */
static void verify_with(const struct check_endpoint *ce, const struct check_params *p,
			const struct verify_ca *cas, size_t ncas, const struct anchors *a,
			struct verify_result *vr)
{
	/* the roots this host's own CAs use now (Caddy's), for which side of a
	 * regenerated CA is new */
	const struct cert **known = xcalloc(p->plan->n + 1, sizeof(*known));
	const char **export = xcalloc(p->plan->n + 1, sizeof(*export));
	size_t nknown = 0;
	for (size_t i = 0; i < p->plan->n; i++) {
		const struct trust_set *t = &p->plan->stores[i].actual;
		if (t->has_own_root && t->own_root.cert) {
			export[nknown] = t->own_root_export;
			known[nknown++] = t->own_root.cert;
		}
	}
	struct verify_input in = {
	    .served = ce->probe.chain,
	    .known = known,
	    .known_export = export,
	    .nknown = nknown,
	    .trusted = a->trusted,
	    .ntrusted = a->nt,
	    .untrusted = a->untrusted,
	    .nuntrusted = a->nu,
	    .config = cas,
	    .nconfig = ncas,
	    .host = ce->ep.sni ? ce->ep.sni : ce->ep.host,
	    .now = p->now,
	    .server_date = ce->probe.server_date,
	};
	verify_chain(&in, vr);
	free(known);
	free(export);
}

/* The endpoint verifies now and not after apply (anchors a): each removal or
 * distrust of the store whose entry, kept, would make it verify is where its
 * chain ends; the step records the break (accepted when its CA lists the URL
 * under accept_breaking). */
static void find_breaks(const struct check_endpoint *ce, const struct plan_store *ps,
			const struct check_params *p, const struct verify_ca *cas, size_t ncas,
			struct anchors *a, struct verify_result *after, struct distro_set *moz)
{
	struct anchors now = {0};
	struct verify_result vr = {0};
	anchors_of(&now, ps, true);
	/* a Node store's clients, now: Node's bundled roots (and the system
	 * store as it is), as after apply */
	if (store_reads(ps->inst->conf, STORE_READ_NODE))
		free(node_anchors(&now, ps, p, moz, true));
	verify_with(ce, p, cas, ncas, &now, &vr);
	bool ok_now = vr.cause == VERIFY_OK;
	verify_result_dispose(&vr);
	anchors_dispose(&now);
	for (size_t j = 0; ok_now && j < ps->n; j++) {
		/* the plan is the run's: the check annotates its steps */
		struct plan_step *st = (struct plan_step *)&ps->steps[j];
		if ((st->op != OP_REMOVE && st->op != OP_DISTRUST) || !st->has_seen ||
		    !st->seen.cert || has_cert(a->trusted, a->nt, st->seen.cert))
			continue;
		size_t nt = a->nt;
		push(&a->trusted, &a->nt, &a->at, st->seen.cert);
		memset(&vr, 0, sizeof(vr));
		verify_with(ce, p, cas, ncas, a, &vr);
		a->nt = nt;
		bool accepted = conf_ca_accepts_break(st->ca, ce->ep.url);
		if (vr.cause == VERIFY_OK) {
			plan_step_add_break(st, ce->ep.url, accepted);
			/* the verdict's fix is about the removal, not a CA to add */
			free(after->fix);
			after->fix = xasprintf(
			    "trusted now: the plan's %s of CA \"%s\", where its chain ends, "
			    "breaks it; %s",
			    st->op == OP_DISTRUST ? "distrust" : "removal", st->name,
			    accepted
				? "the CA's accept_breaking accepts that"
				: "serve it from a CA that stays trusted, or list it under "
				  "the CA's accept_breaking (apply refuses the step otherwise)");
		}
		verify_result_dispose(&vr);
	}
}

/* Add ps's verdict on ce; false when the store has no instance on this host
 * (no user, no database): no client of it calls anything. */
static bool judge(struct check_endpoint *ce, const struct plan_store *ps,
		  const struct check_params *p, const struct verify_ca *cas, size_t ncas,
		  struct distro_set *moz)
{
	if (!ps->inst && !ps->error)
		return false;
	ce->v = xrealloc(ce->v, (ce->nv + 1) * sizeof(*ce->v));
	struct check_verdict *v = &ce->v[ce->nv++];
	memset(v, 0, sizeof(*v));
	v->ps = ps;
	if (ps->error || !ps->inst) {
		v->error = xasprintf("the store could not be read (%s)",
				     ps->error ? ps->error : "not opened");
		return true;
	}
	struct anchors a = {0};
	anchors_after_apply(&a, ps);
	if (store_reads(ps->inst->conf, STORE_READ_NODE))
		v->note = node_anchors(&a, ps, p, moz, false);
	if (a.uncertain && !v->note)
		v->note = xasprintf("%zu trusted entries of the store were not read in full; "
				    "they are left out",
				    a.uncertain);
	verify_with(ce, p, cas, ncas, &a, &v->vr);
	if (v->vr.cause != VERIFY_OK)
		find_breaks(ce, ps, p, cas, ncas, &a, &v->vr, moz);
	anchors_dispose(&a);
	return true;
}

/* A system store refuses it: the distribution's own set is in question. */
static bool fails_in_system(const struct check_endpoint *ce)
{
	for (size_t i = 0; i < ce->nv; i++)
		if (!ce->v[i].error && ce->v[i].vr.cause != VERIFY_OK && ce->v[i].ps->inst &&
		    store_reads(ce->v[i].ps->inst->conf, STORE_READ_SYSTEM))
			return true;
	return false;
}

void check_run(struct check_report *rep, const struct check_params *p)
{
	check_start(rep, p);
	check_judge(rep, p);
}

bool check_beside_reads(const struct resolved *res)
{
	for (size_t i = 0; res && i < res->nstores; i++)
		if (store_forks_workers(res->stores[i].store))
			return false;
	return true;
}

void check_judge(struct check_report *rep, const struct check_params *p)
{
	if (!rep->probing) /* not started beside the reads: connect now */
		check_start(rep, p);
	check_wait(rep);
	struct verify_ca *cas = xcalloc(p->cfg->ncas ? p->cfg->ncas : 1, sizeof(*cas));
	size_t ncas = 0;
	for (size_t i = 0; i < p->cfg->ncas; i++)
		if (p->cfg->cas[i].cert)
			cas[ncas++] = (struct verify_ca){p->cfg->cas[i].name, p->cfg->cas[i].cert};
	struct distro_set moz;
	distro_set_init(&moz, p->root);
	for (size_t i = 0; i < rep->n; i++) {
		struct check_endpoint *ce = &rep->eps[i];
		if (!ce->probe.chain) {
			rep->errors++;
			continue;
		}
		bool ok = true, err = false;
		for (size_t s = 0; s < ce->ep.nstores; s++) {
			const struct conf_store *cs = &p->cfg->stores[ce->ep.stores[s]];
			for (size_t k = 0; k < p->plan->n; k++) {
				if (!store_matches(&p->plan->stores[k], cs))
					continue;
				if (!judge(ce, &p->plan->stores[k], p, cas, ncas, &moz))
					continue;
				const struct check_verdict *v = &ce->v[ce->nv - 1];
				err |= v->error != NULL;
				ok &= !v->error && v->vr.cause == VERIFY_OK;
			}
		}
		/* no store judged it (all left out by --target, or without an
		 * instance here): unchecked, never "trusted" */
		if (!ce->nv)
			ok = false, err = true;
		ce->ok = ok;
		if (!ok && !err && fails_in_system(ce))
			ce->removed_root = distro_set_removed_root(&moz, ce->probe.chain);
		if (err)
			rep->errors++;
		else if (!ok)
			rep->failing++;
	}
	distro_set_dispose(&moz);
	free(cas);
}

void check_report_dispose(struct check_report *rep)
{
	check_wait(rep);
	for (size_t i = 0; i < rep->n; i++) {
		struct check_endpoint *ce = &rep->eps[i];
		for (size_t j = 0; j < ce->nv; j++) {
			free(ce->v[j].error);
			free(ce->v[j].note);
			verify_result_dispose(&ce->v[j].vr);
		}
		free(ce->v);
		free(ce->removed_root);
		tls_probe_dispose(&ce->probe);
		endpoint_dispose(&ce->ep);
	}
	free(rep->eps);
	memset(rep, 0, sizeof(*rep));
}
