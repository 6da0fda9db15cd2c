/* The phases of each rotation on this host, from what the run observed; see rotation.h. */
#include "reconcile/rotation.h"
#include "model/verify.h"
#include "reconcile/check.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

const char *rotation_phase_name(enum rotation_phase ph)
{
	switch (ph) {
	case ROT_OVERLAP:
		return "overlap";
	case ROT_SWITCH:
		return "switch";
	case ROT_RETIRE:
		return "retire";
	case ROT_DONE:
		return "done";
	}
	return "?";
}

/* The configured store a plan store is an instance of. */
static const struct host_store *host_store_of(const struct resolved *res,
					      const struct plan_store *ps)
{
	for (size_t i = 0; i < res->nstores; i++) {
		const struct conf_store *cs = res->stores[i].store;
		if (ps->inst) {
			if (ps->inst->conf == cs)
				return &res->stores[i];
			continue;
		}
		size_t n = strlen(cs->name);
		if (!strncmp(ps->address, cs->name, n) &&
		    (ps->address[n] == 0 || ps->address[n] == '['))
			return &res->stores[i];
	}
	return NULL;
}

static bool wants(const struct host_store *hs, const struct conf_ca *ca)
{
	for (size_t i = 0; hs && i < hs->ncas; i++)
		if (hs->cas[i] == ca)
			return ca->ensure == ENSURE_PRESENT;
	return false;
}

/* The store's roles name the CA, whatever its ensure (an absent CA is
 * every store's). */
static bool lists(const struct host_store *hs, const struct conf_ca *ca)
{
	for (size_t i = 0; hs && i < hs->ncas; i++)
		if (hs->cas[i] == ca)
			return true;
	return false;
}

static bool trusts(const struct plan_store *ps, const struct conf_ca *ca)
{
	for (size_t i = 0; ca->cert && i < ps->actual.n; i++) {
		const struct trust_entry *e = &ps->actual.items[i];
		if (e->state == TS_TRUSTED && !memcmp(e->fp, ca->cert->fp, FP_LEN))
			return true;
	}
	return false;
}

/* Why the new CA is not effective in a store that should hold the old one. */
static char *lacks_why(const struct plan_store *ps, const struct rotation *r, bool want_new,
		       bool has_new)
{
	if (ps->error)
		return xasprintf("the store could not be read (%s): read it, then judge again",
				 ps->error);
	if (ps->actual.nineffective) {
		char *t = plan_store_error(ps, ps->actual.ineffective[0]);
		char *why = xasprintf("its trust does not take effect: %s", t);
		free(t);
		return why;
	}
	if (has_new && ps->actual.stale)
		return xasprintf("\"%s\" is there, but the derived files are out of date (%s): "
				 "apply regenerates them",
				 r->new->name, ps->actual.stale);
	if (has_new)
		return NULL;
	if (want_new)
		return xasprintf("lacks \"%s\": apply adds it", r->new->name);
	return xasprintf("lacks \"%s\", and no role of this host lists it for this store: add "
			 "CA \"%s\" to the roles that list \"%s\" here",
			 r->new->name, r->new->name, r->old->name);
}

static void judge_stores(struct rotation *r, const struct rotation_params *p, bool *concerns)
{
	for (size_t i = 0; i < p->plan->n; i++) {
		const struct plan_store *ps = &p->plan->stores[i];
		if (ps->inst && ps->inst->conf && ps->inst->conf->section)
			continue; /* Caddy's own PKI holds no CA of the configuration */
		const struct host_store *hs = host_store_of(p->res, ps);
		bool want_old = wants(hs, r->old), want_new = wants(hs, r->new);
		bool has_old = !ps->error && trusts(ps, r->old);
		bool has_new = !ps->error && trusts(ps, r->new);
		*concerns |= want_old || want_new || has_old || has_new;
		if (!want_old && !has_old)
			continue;
		r->stores = xrealloc(r->stores, (r->nstores + 1) * sizeof(*r->stores));
		struct rotation_store *rs = &r->stores[r->nstores++];
		rs->address = ps->address;
		rs->title = ps->title;
		rs->holds_old = has_old;
		rs->unread = ps->error ? "it could not be read" : NULL;
		rs->why = lacks_why(ps, r, want_new, has_new);
		rs->trusts_new = rs->why == NULL;
		r->lacking += !rs->trusts_new;
		r->holding_old += has_old;
		r->errors += ps->error != NULL;
	}
}

/* The stores of the host that --target left out of the plan and that should
 * hold the old CA: not read, so not known to trust the new one. */
static void judge_left_out(struct rotation *r, const struct rotation_params *p)
{
	struct resolved *all = resolve_host(p->cfg, p->host, NULL, 0);
	for (size_t i = 0; all && i < all->nstores; i++) {
		const struct host_store *hs = &all->stores[i];
		bool planned = false;
		for (size_t j = 0; j < p->res->nstores && !planned; j++)
			planned = p->res->stores[j].store == hs->store;
		if (planned || hs->store->section || (!lists(hs, r->old) && !wants(hs, r->new)))
			continue;
		r->stores = xrealloc(r->stores, (r->nstores + 1) * sizeof(*r->stores));
		struct rotation_store *rs = &r->stores[r->nstores++];
		rs->address = hs->store->name;
		rs->title = hs->store->name;
		rs->holds_old = false;
		rs->trusts_new = false;
		rs->unread = "--target left it out";
		rs->why = xasprintf("not read in this run (--target leaves it out): whether it "
				    "trusts \"%s\" is not known; run without --target",
				    r->new->name);
		r->lacking++;
	}
	resolved_free(all);
}

static bool verifies_with(const struct check_endpoint *ce, const struct conf_ca *ca, time_t now)
{
	if (!ca->cert)
		return false;
	const struct cert *anchor = ca->cert;
	struct verify_input in = {
	    .served = ce->probe.chain,
	    .trusted = &anchor,
	    .ntrusted = 1,
	    .host = ce->ep.sni ? ce->ep.sni : ce->ep.host,
	    .now = now,
	    .server_date = ce->probe.server_date,
	};
	struct verify_result vr = {0};
	verify_chain(&in, &vr);
	bool ok = vr.cause == VERIFY_OK;
	verify_result_dispose(&vr);
	return ok;
}

static void add_ep(struct rotation *r, const char *url, enum rotation_chain chain, char *why)
{
	r->eps = xrealloc(r->eps, (r->neps + 1) * sizeof(*r->eps));
	r->eps[r->neps++] = (struct rotation_endpoint){url, chain, why};
	r->old_only += chain == ROT_CHAIN_OLD;
	r->unchecked += chain == ROT_CHAIN_UNKNOWN;
}

static void judge_endpoints(struct rotation *r, const struct rotation_params *p)
{
	const struct check_report *rep = p->check;
	if (!rep) {
		for (size_t i = 0; i < p->res->nroles; i++)
			for (size_t j = 0; j < p->res->roles[i]->nendpoints; j++)
				add_ep(r, p->res->roles[i]->endpoints[j].url, ROT_CHAIN_UNKNOWN,
				       xasprintf("not checked (%s)",
						 p->not_checked ? p->not_checked : "no check"));
		return;
	}
	for (size_t i = 0; i < rep->n; i++) {
		const struct check_endpoint *ce = &rep->eps[i];
		if (!ce->probe.chain) {
			add_ep(r, ce->ep.url, ROT_CHAIN_UNKNOWN,
			       xasprintf("could not be checked: %s",
					 ce->probe.error ? ce->probe.error : "no answer"));
			continue;
		}
		bool old = verifies_with(ce, r->old, p->now);
		bool new = verifies_with(ce, r->new, p->now);
		if (new)
			add_ep(r, ce->ep.url, ROT_CHAIN_NEW, NULL);
		else if (old)
			add_ep(r, ce->ep.url, ROT_CHAIN_OLD, NULL);
	}
}

static void list_stores(struct buf *b, const struct rotation *r)
{
	for (size_t i = 0, k = 0; i < r->nstores; i++)
		if (!r->stores[i].trusts_new)
			buf_printf(b, "%s%s%s%s%s", k++ ? ", " : "", r->stores[i].title,
				   r->stores[i].unread ? " (not read: " : "",
				   r->stores[i].unread ? r->stores[i].unread : "",
				   r->stores[i].unread ? ")" : "");
}

static void list_eps(struct buf *b, const struct rotation *r, enum rotation_chain c)
{
	for (size_t i = 0, k = 0; i < r->neps; i++)
		if (r->eps[i].chain == c)
			buf_printf(b, "%s%s", k++ ? ", " : "", r->eps[i].url);
}

#define S(n) ((n) == 1 ? "" : "s")

/* Caddy's switch: the CA its sites already use (the old one's id) takes the
 * new CA's root and intermediate, by a reload; the sites' issuer does not
 * change. Caddy 2.11 drops a site's certificate from its cache before it loads
 * one from another issuer (a reload that changes the issuer's CA id fails
 * handshakes), while a certificate of the same issuer is replaced in place
 * when Caddy renews it: so no handshake fails (README, "Caddy's own root"). */
static char *caddy_switch_next(const struct rotation *r)
{
	const char *id = r->new->caddy, *n = r->new->name;
	const char *old = r->old->caddy ? r->old->caddy : "local";
	return xasprintf(
	    "retire, once every endpoint is served from \"%s\": give Caddy's CA \"%s\" the "
	    "root and intermediate of its CA \"%s\", keeping the sites' issuer (Caddyfile "
	    "pki option: `ca %s { root { cert D/root.crt key D/root.key } intermediate { cert "
	    "D/intermediate.crt key D/intermediate.key } }`, D being "
	    "<data_dir>/pki/authorities/%s; JSON: the CA's \"root\" and \"intermediate\"), "
	    "then reload Caddy (`caddy reload`, not a restart; do not move the sites to CA "
	    "\"%s\": that reload fails handshakes); Caddy serves the new chain from each "
	    "site's next renewal (in the last third of its lifetime); when \"%s\" is "
	    "retired, set caddy.ca: %s",
	    n, old, id, old, id, id, r->old->name, id);
}

/* Switch, blocked only by endpoints that chain only to the old CA, each
 * named in its accept_breaking: those URLs; anything else (an endpoint not
 * named, one not checked) leaves the block, and NULL. */
static char *accepted_breaks(const struct rotation *r)
{
	if (!r->old_only || r->unchecked)
		return NULL;
	for (size_t i = 0; i < r->neps; i++)
		if (r->eps[i].chain == ROT_CHAIN_OLD &&
		    !conf_ca_accepts_break(r->old, r->eps[i].url))
			return NULL;
	struct buf b = BUF_INIT;
	list_eps(&b, r, ROT_CHAIN_OLD);
	return buf_detach(&b);
}

static void summarize(struct rotation *r)
{
	struct buf b = BUF_INIT;
	const char *o = r->old->name, *n = r->new->name;
	if (!r->nstores) {
		r->phase = ROT_DONE;
		r->summary = xasprintf("done (%s is in no store of this host)", o);
		r->next = xasprintf("when every host is done, delete `replaces:` from \"%s\"", n);
	} else if (r->lacking) {
		r->phase = ROT_OVERLAP;
		r->summary = xasprintf("overlap (%zu store%s still lack%s %s)", r->lacking,
				       S(r->lacking), r->lacking == 1 ? "s" : "", n);
		buf_printf(&b, "%zu store%s still lack%s \"%s\": ", r->lacking, S(r->lacking),
			   r->lacking == 1 ? "s" : "", n);
		list_stores(&b, r);
		r->next = xasprintf("switch, once every store that holds \"%s\" trusts \"%s\" "
				    "(apply with both CAs present)%s",
				    o, n,
				    r->caddy ? "; not before: Caddy must not issue from the new "
					       "root until every host trusts it"
					     : "");
	} else if (r->old_only || r->unchecked) {
		r->phase = ROT_SWITCH;
		if (r->old_only)
			r->summary =
			    xasprintf("switch (%zu endpoint%s still chain%s only to %s%s)",
				      r->old_only, S(r->old_only), r->old_only == 1 ? "s" : "", o,
				      r->unchecked ? ", some not checked" : "");
		else
			r->summary = xasprintf("switch (%zu endpoint%s not checked)", r->unchecked,
					       S(r->unchecked));
		if (r->old_only) {
			buf_printf(&b, "%zu endpoint%s still chain%s only to \"%s\": ", r->old_only,
				   S(r->old_only), r->old_only == 1 ? "s" : "", o);
			list_eps(&b, r, ROT_CHAIN_OLD);
		}
		if (r->unchecked) {
			buf_printf(&b, "%s%zu endpoint%s could not be checked: ", b.len ? "; " : "",
				   r->unchecked, S(r->unchecked));
			list_eps(&b, r, ROT_CHAIN_UNKNOWN);
		}
		r->next = r->caddy ? caddy_switch_next(r)
				   : xasprintf("retire, once every endpoint is served from \"%s\" "
					       "(issue the servers' certificates from it)",
					       n);
		r->accepted = accepted_breaks(r);
	} else {
		r->phase = ROT_RETIRE;
		r->summary =
		    xasprintf("retire (%s may be removed: %zu store%s still hold%s it)", o,
			      r->holding_old, S(r->holding_old), r->holding_old == 1 ? "s" : "");
		if (r->caddy && r->old->caddy)
			r->next =
			    xasprintf("remove \"%s\": set it `ensure: absent` (or distrusted), "
				      "set the caddy: section's `ca: %s` (Caddy's PKI is "
				      "then read from its CA %s), and apply",
				      o, r->new->caddy, r->new->caddy);
		else
			r->next = xasprintf("remove \"%s\": set it `ensure: absent` (or "
					    "distrusted) and apply",
					    o);
	}
	r->blocks = b.len ? xstrdup(b.ptr) : NULL;
	buf_dispose(&b);
}

void rotation_judge(struct rotation_list *l, const struct rotation_params *p)
{
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < p->cfg->ncas; i++) {
		const struct conf_ca *nw = &p->cfg->cas[i];
		if (!nw->replaced)
			continue;
		struct rotation r = {.old = nw->replaced, .new = nw, .caddy = nw->caddy != NULL};
		bool concerns = false;
		judge_stores(&r, p, &concerns);
		if (concerns && p->targeted && p->host)
			judge_left_out(&r, p);
		if (!concerns) {
			free(r.stores);
			continue;
		}
		judge_endpoints(&r, p);
		summarize(&r);
		l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
		l->items[l->n++] = r;
	}
}

size_t rotation_block_steps(const struct rotation_list *l, struct plan *p)
{
	size_t n = 0;
	for (size_t k = 0; k < l->n; k++) {
		const struct rotation *r = &l->items[k];
		if (!r->blocks || r->accepted || !r->old->cert)
			continue;
		for (size_t i = 0; i < p->n; i++)
			for (size_t j = 0; j < p->stores[i].n; j++) {
				struct plan_step *st = &p->stores[i].steps[j];
				if ((st->op != OP_REMOVE && st->op != OP_DISTRUST) ||
				    !st->has_seen || st->blocked ||
				    memcmp(st->seen.fp, r->old->cert->fp, FP_LEN))
					continue;
				st->blocked = xasprintf(
				    "the rotation \"%s\" -> \"%s\", in its %s phase: %s; finish "
				    "that phase first (trustform rotation status), keeping \"%s\" "
				    "until then",
				    r->old->name, r->new->name, rotation_phase_name(r->phase),
				    r->blocks, r->old->name);
				n++;
			}
	}
	return n;
}

size_t rotation_nblocked(const struct rotation_list *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->items[i].blocks && !l->items[i].accepted;
	return n;
}

bool rotation_blocked(const struct rotation_list *l)
{
	return rotation_nblocked(l) > 0;
}

void rotation_list_dispose(struct rotation_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct rotation *r = &l->items[i];
		for (size_t j = 0; j < r->nstores; j++)
			free(r->stores[j].why);
		free(r->stores);
		for (size_t j = 0; j < r->neps; j++)
			free(r->eps[j].why);
		free(r->eps);
		free(r->summary);
		free(r->blocks);
		free(r->next);
		free(r->accepted);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}
