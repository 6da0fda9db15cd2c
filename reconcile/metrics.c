/* Prometheus textfile metrics; see metrics.h. */
#include "reconcile/metrics.h"
#include "model/cert.h"
#include "reconcile/check.h"
#include "reconcile/rotation.h"
#include "reconcile/verdict.h"
#include "schema/gitsource.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/strmap.h"

#include <string.h>

/* A label value as the exposition format wants it: \, " and newline escaped. */
static void label(struct buf *b, const char *name, const char *value, bool first)
{
	buf_printf(b, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			buf_putc(b, '\\');
		if (*p == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

static void family(struct buf *b, const char *name, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* name{host="h"[,key="value"]} */
static void sample_start(struct buf *b, const char *name, const struct metrics_input *in)
{
	buf_printf(b, "%s{", name);
	label(b, "host", in->host, true);
}

static void store_metrics(struct buf *b, const struct metrics_input *in)
{
	const struct plan *p = in->plan;
	family(b, "trustform_drift_items",
	       "Changes the plan would make to the store (0: it matches the configuration).");
	for (size_t i = 0; i < p->n; i++) {
		if (p->stores[i].error)
			continue; /* unknown: no sample, rather than a false 0 */
		sample_start(b, "trustform_drift_items", in);
		label(b, "store", p->stores[i].address, false);
		buf_printf(b, "} %zu\n", p->stores[i].n);
	}
	family(b, "trustform_store_up", "Whether the store could be read (1) or not (0).");
	for (size_t i = 0; i < p->n; i++) {
		sample_start(b, "trustform_store_up", in);
		label(b, "store", p->stores[i].address, false);
		buf_printf(b, "} %d\n", p->stores[i].error ? 0 : 1);
	}
	family(b, "trustform_store_effective",
	       "Whether what the store holds takes effect for its clients, as far as trustform "
	       "can see (0: see the plan's errors).");
	for (size_t i = 0; i < p->n; i++) {
		if (p->stores[i].error)
			continue;
		sample_start(b, "trustform_store_effective", in);
		label(b, "store", p->stores[i].address, false);
		buf_printf(b, "} %d\n", p->stores[i].actual.nineffective ? 0 : 1);
	}
}

/* Every CA the host must trust, once, with the seconds it has left. */
static void ca_metrics(struct buf *b, const struct metrics_input *in)
{
	struct strmap seen;
	strmap_init(&seen);
	family(b, "trustform_ca_expiry_seconds",
	       "Seconds until the CA certificate expires (negative: expired).");
	for (size_t i = 0; i < in->res->nstores; i++) {
		const struct host_store *hs = &in->res->stores[i];
		for (size_t j = 0; j < hs->ncas; j++) {
			const struct conf_ca *ca = hs->cas[j];
			if (ca->ensure != ENSURE_PRESENT || !ca->cert ||
			    strmap_get(&seen, ca->name) != STRMAP_NONE)
				continue;
			strmap_put(&seen, ca->name, 0);
			sample_start(b, "trustform_ca_expiry_seconds", in);
			label(b, "ca", ca->name, false);
			label(b, "sha256", ca->cert->fphex, false);
			buf_printf(b, "} %lld\n", (long long)(ca->cert->not_after - in->now));
		}
	}
	strmap_dispose(&seen);
}

/* One expiry family: a sample per certificate each store depends on. */
static void expiry_family(struct buf *b, const struct metrics_input *in, const char *name,
			  const char *help, int what)
{
	family(b, name, help);
	for (size_t i = 0; i < in->plan->n; i++) {
		const struct plan_store *ps = &in->plan->stores[i];
		for (size_t j = 0; j < ps->expiring.n; j++) {
			const struct trust_expiry *e = &ps->expiring.items[j];
			sample_start(b, name, in);
			label(b, "store", ps->address, false);
			label(b, "kind", expiry_kind_name(e->kind), false);
			label(b, "ca", e->name, false);
			label(b, "sha256", e->fphex, false);
			long long v = what == 0	  ? (long long)e->not_after
				      : what == 1 ? (long long)e->renew_at
						  : (long long)e->due;
			buf_printf(b, "} %lld\n", v);
		}
	}
}

/* The lifecycle (model/expiry.h): per store, each configured CA and the
 * store's own certificates (Caddy's root and intermediate), with the date
 * their renewal window opens and whether it is open: the window is
 * trustform's, so an alert on trustform_ca_expiring agrees with the plan. */
static void expiry_metrics(struct buf *b, const struct metrics_input *in)
{
	expiry_family(b, in, "trustform_ca_expiry_timestamp_seconds",
		      "When the certificate expires (Unix time), per store that depends on it; "
		      "kind: ca, caddy_root or caddy_intermediate.",
		      0);
	expiry_family(b, in, "trustform_ca_renewal_timestamp_seconds",
		      "When the certificate's renewal window opens (Unix time): 30 days before "
		      "a CA expires, Caddy's own renewal point for its intermediate.",
		      1);
	expiry_family(b, in, "trustform_ca_expiring",
		      "Whether the certificate is within its renewal window (1): a warning, "
		      "with the date in the plan, JSON and syslog.",
		      2);
}

static void git_metrics(struct buf *b, const struct metrics_input *in)
{
	const struct git_checkout *g = in->git;
	family(b, "trustform_git_fetch_age_seconds",
	       "Seconds since the configuration's repository was last fetched (0: this run).");
	sample_start(b, "trustform_git_fetch_age_seconds", in);
	long long age = g->fresh || !g->fetched_at ? 0 : (long long)(in->now - g->fetched_at);
	buf_printf(b, "} %lld\n", age);
	family(b, "trustform_git_fetch_fresh",
	       "Whether this run fetched the repository (1) or fell back to the cache (0).");
	sample_start(b, "trustform_git_fetch_fresh", in);
	buf_printf(b, "} %d\n", g->fresh ? 1 : 0);
}

/* Each endpoint the host's roles call, per store, as the plan judged it after
 * apply; an endpoint that was not reached has no sample (unknown, not 0). */
static void endpoint_metrics(struct buf *b, const struct metrics_input *in)
{
	const struct check_report *rep = in->check;
	family(b, "trustform_endpoint_ok",
	       "Whether the store's clients will accept the endpoint's chain after apply (1) "
	       "or not (0).");
	for (size_t i = 0; i < rep->n; i++)
		for (size_t j = 0; j < rep->eps[i].nv; j++) {
			const struct check_verdict *v = &rep->eps[i].v[j];
			if (v->error)
				continue;
			sample_start(b, "trustform_endpoint_ok", in);
			label(b, "endpoint", rep->eps[i].ep.url, false);
			label(b, "store", v->ps->address, false);
			buf_printf(b, "} %d\n", v->vr.cause == VERIFY_OK ? 1 : 0);
		}
	family(b, "trustform_endpoint_leaf_expiry_seconds",
	       "Seconds until the certificate the endpoint serves expires (negative: expired).");
	for (size_t i = 0; i < rep->n; i++) {
		const struct tls_probe *pr = &rep->eps[i].probe;
		if (!pr->chain)
			continue;
		const ASN1_TIME *na = X509_get0_notAfter(sk_X509_value(pr->chain, 0));
		struct tm tm;
		if (!na || ASN1_TIME_to_tm(na, &tm) != 1)
			continue;
		sample_start(b, "trustform_endpoint_leaf_expiry_seconds", in);
		label(b, "endpoint", rep->eps[i].ep.url, false);
		buf_printf(b, "} %lld\n", (long long)(timegm(&tm) - in->now));
	}
	family(b, "trustform_endpoint_up", "Whether the endpoint answered the TLS handshake.");
	for (size_t i = 0; i < rep->n; i++) {
		sample_start(b, "trustform_endpoint_up", in);
		label(b, "endpoint", rep->eps[i].ep.url, false);
		buf_printf(b, "} %d\n", rep->eps[i].probe.chain ? 1 : 0);
	}
}

/* The one predicate, and the services that still run with the old trust. */
static void drift_metrics(struct buf *b, const struct metrics_input *in)
{
	const struct plan *p = in->plan;
	struct verdict v;
	verdict_make(&v, p, in->check);
	family(b, "trustform_drift",
	       "Whether some client would fail (1): the stores differ from the configuration, a "
	       "service's restart is pending, or an endpoint is refused even after apply.");
	sample_start(b, "trustform_drift", in);
	buf_printf(b, "} %d\n", verdict_drift(&v) ? 1 : 0);
	family(b, "trustform_restart_pending",
	       "Whether the service's running process holds the store's old trust (1); no "
	       "sample when systemd could not be asked.");
	for (size_t i = 0; i < p->n; i++)
		for (size_t k = 0; k < p->stores[i].nconsumers; k++) {
			const struct plan_consumer *c = &p->stores[i].consumers[k];
			if (c->state == CONSUMER_UNKNOWN)
				continue;
			sample_start(b, "trustform_restart_pending", in);
			label(b, "store", p->stores[i].address, false);
			label(b, "unit", c->unit, false);
			buf_printf(b, "} %d\n", c->state == CONSUMER_PENDING ? 1 : 0);
		}
}

/* The removal-break analysis (check.c's find_breaks): steps that would break
 * a connects_to endpoint, and those apply refuses (a break not accepted). Only
 * when the endpoints were checked: otherwise a 0 would be a guess. */
static void break_metrics(struct buf *b, const struct metrics_input *in)
{
	const struct plan *p = in->plan;
	static const char *const names[] = {"trustform_breaking_steps",
					    "trustform_breaking_steps_refused"};
	static const char *const helps[] = {
	    "Removals and distrusts of the plan that would break a connects_to endpoint.",
	    "Of those, the steps apply refuses: a break that the CA's accept_breaking does not "
	    "accept."};
	for (size_t f = 0; f < 2; f++) {
		family(b, names[f], helps[f]);
		for (size_t i = 0; i < p->n; i++) {
			if (p->stores[i].error)
				continue;
			size_t n = 0;
			for (size_t j = 0; j < p->stores[i].n; j++) {
				const struct plan_step *st = &p->stores[i].steps[j];
				bool refused = false;
				for (size_t k = 0; k < st->nbreaks; k++)
					refused |= !st->breaks[k].accepted;
				n += f ? refused : st->nbreaks > 0;
			}
			sample_start(b, names[f], in);
			label(b, "store", p->stores[i].address, false);
			buf_printf(b, "} %zu\n", n);
		}
	}
}

/* Each rotation (`replaces:`) that concerns the host: its phase as a number
 * (0 overlap, 1 switch, 2 retire, 3 done), so that an alert can ask "below
 * retire", and how many stores and endpoints block its next phase (none in
 * retire and done; endpoints whose break accept_breaking accepts count as
 * accepted, not blocking). */
static void rotation_metrics(struct buf *b, const struct metrics_input *in)
{
	const struct rotation_list *l = in->rotations;
	family(b, "trustform_rotation_phase",
	       "The phase of the rotation of CA replaces to CA ca on this host: 0 overlap (a "
	       "store lacks the new CA), 1 switch (an endpoint chains only to the old CA), 2 "
	       "retire (the old CA may be removed), 3 done.");
	for (size_t i = 0; i < l->n; i++) {
		sample_start(b, "trustform_rotation_phase", in);
		label(b, "ca", l->items[i].new->name, false);
		label(b, "replaces", l->items[i].old->name, false);
		buf_printf(b, "} %d\n", (int)l->items[i].phase);
	}
	family(b, "trustform_rotation_blockers",
	       "What blocks the rotation's next phase: stores that lack the new CA (kind "
	       "stores), endpoints that chain only to the old CA or could not be checked (kind "
	       "endpoints); 0 when nothing blocks it or accept_breaking accepts every break.");
	for (size_t i = 0; i < l->n; i++) {
		const struct rotation *r = &l->items[i];
		size_t n[2] = {0, 0};
		if (r->phase == ROT_OVERLAP)
			n[0] = r->lacking;
		else if (r->phase == ROT_SWITCH && !r->accepted)
			n[1] = r->old_only + r->unchecked;
		static const char *const kinds[] = {"stores", "endpoints"};
		for (size_t k = 0; k < 2; k++) {
			sample_start(b, "trustform_rotation_blockers", in);
			label(b, "ca", r->new->name, false);
			label(b, "replaces", r->old->name, false);
			label(b, "kind", kinds[k], false);
			buf_printf(b, "} %zu\n", n[k]);
		}
	}
}

void metrics_render(struct buf *b, const struct metrics_input *in)
{
	if (in->check)
		endpoint_metrics(b, in);
	if (in->plan) {
		store_metrics(b, in);
		drift_metrics(b, in);
		if (in->check)
			break_metrics(b, in);
		expiry_metrics(b, in);
	}
	if (in->res)
		ca_metrics(b, in);
	if (in->rotations && in->rotations->n)
		rotation_metrics(b, in);
	if (in->git)
		git_metrics(b, in);
	if (in->config_origin) {
		family(b, "trustform_config_info", "The configuration the last run used.");
		sample_start(b, "trustform_config_info", in);
		label(b, "config", in->config_origin, false);
		label(b, "commit", in->git ? in->git->commit : "", false);
		buf_puts(b, "} 1\n");
	}
	family(b, "trustform_last_run_timestamp_seconds", "When the drift check last ran.");
	sample_start(b, "trustform_last_run_timestamp_seconds", in);
	buf_printf(b, "} %lld\n", (long long)in->now);
	family(b, "trustform_last_run_success",
	       "Whether the last drift check read the configuration and every store (1) or "
	       "not (0).");
	sample_start(b, "trustform_last_run_success", in);
	buf_printf(b, "} %d\n", in->success ? 1 : 0);
}

int metrics_write(const char *path, const struct metrics_input *in)
{
	struct buf b = BUF_INIT;
	metrics_render(&b, in);
	int rc = atomic_write(path, b.ptr, b.len, 0644);
	if (rc < 0)
		err_prefix("--prometheus %s: cannot write the metrics", path);
	buf_dispose(&b);
	return rc;
}
