/* JSON output of plan, apply and show; see render_json.h. */
#include "reconcile/render_json.h"
#include "model/cert.h"
#include "reconcile/apply.h"
#include "reconcile/cbom.h"
#include "reconcile/check.h"
#include "reconcile/planfile.h"
#include "reconcile/render_json_int.h"
#include "reconcile/rotation.h"
#include "reconcile/verdict.h"
#include "schema/consumers.h"
#include "schema/gitsource.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* --- the document's head ------------------------------------------------------ */

static json_t *configuration(const struct json_doc *doc)
{
	json_t *c = json_object();
	char digest[FP_HEX_LEN + 1] = "";
	if (doc->cfg)
		planfile_config_digest(digest, doc->cfg);
	if (doc->git) {
		const struct git_checkout *g = doc->git;
		json_object_set_new(c, "source", jtext_new("git"));
		json_object_set_new(c, "url", jtext_new(g->url));
		json_object_set_new(c, "ref", jtext_new(g->ref));
		json_object_set_new(c, "path", jtext_new(g->path));
		json_object_set_new(c, "commit", jtext_new(g->commit));
		json_object_set_new(c, "commit_time", time_json(g->commit_time));
		json_object_set_new(c, "fetched", json_boolean(g->fresh));
		json_object_set_new(c, "fetched_at", time_json(g->fetched_at));
		json_object_set_new(c, "warning", str_or_null(g->warning));
		json_object_set_new(c, "signed_by", str_or_null(g->signed_by));
	} else {
		json_object_set_new(c, "source", jtext_new("file"));
		json_object_set_new(c, "path", str_or_null(doc->cfg ? doc->cfg->path : NULL));
	}
	json_object_set_new(c, "digest", *digest ? jtext_new(digest) : json_null());
	return c;
}

/* A diagnostic's range: where the item is written in the YAML. */
static void set_range(json_t *d, const char *file, int line, int col)
{
	json_t *r = json_object();
	json_object_set_new(r, "filename", jtext_new(file));
	if (line > 0) {
		json_t *start = json_object();
		json_object_set_new(start, "line", json_integer(line));
		json_object_set_new(start, "column", json_integer(col));
		json_object_set_new(r, "start", start);
	}
	json_object_set_new(d, "range", r);
}

/* A store's runtime error: the range of its entry under stores: (or its
 * section), the position plan_store_error names in the text. */
static void store_range(json_t *d, const struct plan_store *ps)
{
	if (ps->conf && ps->conf->config_file && *ps->conf->config_file)
		set_range(d, ps->conf->config_file, ps->conf->pos.line, ps->conf->pos.col);
}

static json_t *diagnostics(const struct json_doc *doc, const struct plan *p)
{
	json_t *arr = json_array();
	for (size_t i = 0; doc->diag && i < doc->diag->n; i++) {
		const struct diag_item *it = &doc->diag->items[i];
		json_t *d = json_object();
		json_object_set_new(d, "severity",
				    jtext_new(it->level == DIAG_ERROR ? "error" : "warning"));
		json_object_set_new(d, "summary", jtext_new(it->msg));
		if (it->file && *it->file)
			set_range(d, it->file, it->line, it->col);
		json_array_append_new(arr, d);
	}
	for (size_t i = 0; p && i < p->n; i++) {
		const struct plan_store *ps = &p->stores[i];
		const char *why[] = {ps->error, ps->apply_error};
		/* a runtime error of the store: with its position, as in text
		 * (plan_store_error puts it in the message; here it is also the
		 * diagnostic's range, format 1.5) */
		for (size_t j = 0; j < 2; j++) {
			if (!why[j])
				continue;
			json_t *d = json_object();
			json_object_set_new(d, "severity", jtext_new("error"));
			json_object_set_new(d, "summary", jtext_new(why[j]));
			json_object_set_new(d, "address", jtext_new(ps->address));
			store_range(d, ps);
			json_array_append_new(arr, d);
		}
		for (size_t j = 0; !ps->error && j < ps->actual.nineffective; j++) {
			json_t *d = json_object();
			json_object_set_new(d, "severity", jtext_new("error"));
			json_object_set_new(d, "summary", jtext_new("trust will not take effect"));
			json_object_set_new(d, "detail", jtext_new(ps->actual.ineffective[j]));
			json_object_set_new(d, "address", jtext_new(ps->address));
			store_range(d, ps);
			json_array_append_new(arr, d);
		}
	}
	return arr;
}

json_t *render_json_head(const char *operation, time_t now)
{
	json_t *o = json_object();
	json_object_set_new(o, "format_version", jtext_new(JSON_FORMAT_VERSION));
	json_object_set_new(o, "trustform_version", jtext_new(TRUSTFORM_VERSION));
	json_object_set_new(o, "operation", jtext_new(operation));
	json_object_set_new(o, "timestamp", time_json(now));
	return o;
}

static json_t *doc_head(const struct json_doc *doc)
{
	json_t *o = render_json_head(doc->operation, doc->now);
	json_object_set_new(o, "host", str_or_null(doc->host));
	json_t *roles = json_array();
	for (size_t i = 0; doc->res && i < doc->res->nroles; i++)
		json_array_append_new(roles, jtext_new(doc->res->roles[i]->name));
	json_object_set_new(o, "roles", roles);
	json_object_set_new(o, "configuration", configuration(doc));
	if (doc->saved_plan)
		json_object_set_new(o, "saved_plan", jtext_new(doc->saved_plan));
	return o;
}

static const char *const consumer_states[] = {
    [CONSUMER_CURRENT] = "current",
    [CONSUMER_PENDING] = "restart_pending",
    [CONSUMER_NOT_RUNNING] = "not_running",
    [CONSUMER_UNKNOWN] = "unknown",
};

/* The services whose processes read the store, and whether they hold the old trust. */
static json_t *consumers_json(const struct plan_store *ps, bool applied)
{
	json_t *arr = json_array();
	for (size_t k = 0; k < ps->nconsumers; k++) {
		const struct plan_consumer *c = &ps->consumers[k];
		json_t *o = json_object();
		json_object_set_new(o, "unit", jtext_new(c->unit));
		json_object_set_new(o, "on_change", jtext_new(consumer_action_name(c->on_change)));
		json_object_set_new(o, "source", jtext_new(c->source));
		json_object_set_new(o, "state", jtext_new(consumer_states[c->state]));
		json_object_set_new(o, "detail", str_or_null(c->detail));
		if (applied)
			json_object_set_new(o, "restart",
					    jtext_new(c->result == STEP_DONE	 ? "done"
						      : c->result == STEP_FAILED ? "failed"
										 : "not_run"));
		if (applied && c->error)
			json_object_set_new(o, "error", jtext_new(c->error));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *store_json(const struct plan_store *ps, bool applied)
{
	json_t *s = json_object();
	json_object_set_new(s, "address", jtext_new(ps->address));
	json_object_set_new(s, "title", jtext_new(ps->title));
	bool failed = plan_store_failed(ps) || (applied && ps->apply_error);
	for (size_t j = 0; applied && j < ps->n && !failed; j++)
		failed = plan_step_failed(&ps->steps[j]);
	json_object_set_new(s, "status", jtext_new(failed ? "error" : "ok"));
	json_object_set_new(s, "error", str_or_null(ps->error ? ps->error : ps->apply_error));
	if (applied && ps->stale_plan) /* run trustplan again, rather than fix something */
		json_object_set_new(s, "stale_plan", json_true());
	char digest[FP_HEX_LEN + 1];
	if (!ps->error) {
		planfile_store_digest(digest, &ps->actual);
		json_object_set_new(s, "state_digest", jtext_new(digest));
	} else {
		json_object_set_new(s, "state_digest", json_null());
	}
	json_object_set_new(s, "stale", str_or_null(ps->error ? NULL : ps->actual.stale));
	json_t *notes = json_array();
	for (size_t j = 0; j < ps->actual.nnotes; j++)
		json_array_append_new(notes, jtext_new(ps->actual.notes[j]));
	json_object_set_new(s, "notes", notes);
	json_t *ineffective = json_array();
	for (size_t j = 0; !ps->error && j < ps->actual.nineffective; j++)
		json_array_append_new(ineffective, jtext_new(ps->actual.ineffective[j]));
	json_object_set_new(s, "ineffective", ineffective);
	json_object_set_new(s, "consumers", consumers_json(ps, applied));
	/* what the store holds, for the inventory (format 1.4; `trustform report
	 * --format cyclonedx`): as read, so not after an apply */
	if (!applied && !ps->error) {
		json_t *certs = json_array();
		for (size_t j = 0; j < ps->actual.n; j++)
			if (!trust_entry_is_damaged(&ps->actual.items[j]))
				json_array_append_new(certs, cbom_entry_json(&ps->actual.items[j]));
		json_object_set_new(s, "certificates", certs);
	}
	return s;
}

static json_t *stores_json(const struct plan *p, bool applied)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < p->n; i++)
		json_array_append_new(arr, store_json(&p->stores[i], applied));
	return arr;
}

/* --- endpoints (check, and the plan's section) ------------------------------ */

static json_t *x509_json(X509 *x)
{
	json_t *c = json_object();
	char *subj = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
	char *iss = X509_NAME_oneline(X509_get_issuer_name(x), NULL, 0);
	json_object_set_new(c, "subject", json_string(subj ? subj : ""));
	json_object_set_new(c, "issuer", json_string(iss ? iss : ""));
	OPENSSL_free(subj);
	OPENSSL_free(iss);
	struct tm tm;
	const ASN1_TIME *na = X509_get0_notAfter(x);
	json_object_set_new(c, "not_after",
			    time_json(na && ASN1_TIME_to_tm(na, &tm) == 1 ? timegm(&tm) : 0));
	unsigned char md[32];
	unsigned int len = 0;
	char hex[65] = "";
	if (X509_digest(x, EVP_sha256(), md, &len) == 1 && len == 32)
		hex_encode(hex, md, 32);
	json_object_set_new(c, "sha256", json_string(hex));
	return c;
}

static json_t *verdict_json(const struct check_verdict *v)
{
	json_t *o = json_object();
	json_object_set_new(o, "store", json_string(v->ps->address));
	bool ok = !v->error && v->vr.cause == VERIFY_OK;
	json_object_set_new(o, "ok", json_boolean(ok));
	json_object_set_new(o, "cause",
			    v->error ? json_string("store_unreadable")
				     : json_string(verify_cause_name(v->vr.cause)));
	json_object_set_new(o, "message", json_string(v->error ? v->error : v->vr.why));
	json_object_set_new(o, "fix", str_or_null(v->error ? NULL : v->vr.fix));
	json_object_set_new(o, "note", str_or_null(v->note));
	return o;
}

static json_t *endpoints_json(const struct check_report *rep)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < rep->n; i++) {
		const struct check_endpoint *ce = &rep->eps[i];
		json_t *e = json_object();
		json_object_set_new(e, "url", json_string(ce->ep.url));
		json_object_set_new(e, "role", str_or_null(ce->role));
		json_object_set_new(e, "host", json_string(ce->ep.host));
		json_object_set_new(e, "port", json_integer(atoi(ce->ep.port)));
		json_object_set_new(e, "sni", str_or_null(ce->ep.sni));
		json_object_set_new(e, "reached", json_boolean(ce->probe.chain != NULL));
		json_object_set_new(e, "address", str_or_null(ce->probe.address));
		json_object_set_new(e, "error", str_or_null(ce->probe.error));
		json_object_set_new(e, "server_date", time_json(ce->probe.server_date));
		json_t *chain = json_array();
		for (int k = 0; ce->probe.chain && k < sk_X509_num(ce->probe.chain); k++)
			json_array_append_new(chain, x509_json(sk_X509_value(ce->probe.chain, k)));
		json_object_set_new(e, "chain", chain);
		json_object_set_new(e, "ok", json_boolean(ce->ok));
		/* format 1.4 */
		json_object_set_new(e, "removed_root",
				    ce->removed_root ? jtext_new(ce->removed_root) : json_null());
		json_t *stores = json_array();
		for (size_t k = 0; k < ce->nv; k++)
			json_array_append_new(stores, verdict_json(&ce->v[k]));
		json_object_set_new(e, "stores", stores);
		json_array_append_new(arr, e);
	}
	return arr;
}

static json_t *summary(const char *operation, const struct plan_counts *c)
{
	json_t *s = json_object();
	json_object_set_new(s, "add", json_integer((json_int_t)c->add));
	json_object_set_new(s, "change", json_integer((json_int_t)c->change));
	json_object_set_new(s, "remove", json_integer((json_int_t)c->destroy));
	json_object_set_new(s, "operation", jtext_new(operation));
	return s;
}

static void print_doc(FILE *out, json_t *o)
{
	json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	fputc('\n', out);
	fflush(out);
	json_decref(o);
}

void render_json_plan(FILE *out, const struct json_doc *doc, const struct plan *p,
		      const struct apply_result *res)
{
	json_t *o = doc_head(doc);
	bool applied = res != NULL;
	json_object_set_new(o, "stores", stores_json(p, applied));
	json_t *changes = json_array();
	for (size_t i = 0; i < p->n; i++)
		store_changes(changes, &p->stores[i], applied);
	json_object_set_new(o, "resource_changes", changes);
	json_object_set_new(o, "change_summary",
			    summary(doc->operation, applied ? &res->done : &p->counts));
	if (applied)
		json_object_set_new(o, "planned_summary", summary("plan", &p->counts));
	size_t failed = applied ? res->failed_stores : p->failed_stores;
	json_object_set_new(o, "changes_pending", json_boolean(plan_has_changes(p)));
	/* the one predicate (verdict.h): would a client fail */
	struct verdict v;
	verdict_make(&v, p, doc->check);
	json_object_set_new(o, "drift", json_boolean(verdict_drift(&v)));
	json_t *ds = json_object();
	json_object_set_new(ds, "changes", json_integer((json_int_t)v.changes));
	json_object_set_new(ds, "restart_pending", json_integer((json_int_t)v.pending_restarts));
	json_object_set_new(ds, "endpoints_failing", json_integer((json_int_t)v.endpoints_failing));
	json_object_set_new(ds, "endpoints_unchecked",
			    json_integer((json_int_t)v.endpoints_unchecked));
	json_object_set_new(o, "drift_summary", ds);
	/* a warning, not drift: within its renewal window, still trusted */
	json_object_set_new(o, "expiring", expiring_json(p, doc->now));
	json_object_set_new(o, "errored", json_boolean(failed > 0));
	json_object_set_new(o, "diagnostics", diagnostics(doc, p));
	if (doc->check)
		json_object_set_new(o, "endpoints", endpoints_json(doc->check));
	if (doc->rotations && doc->rotations->n)
		json_object_set_new(o, "rotations", rotation_json(doc->rotations));
	print_doc(out, o);
}

void render_json_check(FILE *out, const struct json_doc *doc, const struct plan *p,
		       const struct check_report *rep)
{
	json_t *o = doc_head(doc);
	json_object_set_new(o, "endpoints", endpoints_json(rep));
	json_t *s = json_object();
	json_object_set_new(s, "endpoints", json_integer((json_int_t)rep->n));
	json_object_set_new(s, "trusted",
			    json_integer((json_int_t)(rep->n - rep->failing - rep->errors)));
	json_object_set_new(s, "failing", json_integer((json_int_t)rep->failing));
	json_object_set_new(s, "unchecked", json_integer((json_int_t)rep->errors));
	json_object_set_new(s, "operation", json_string("check"));
	json_object_set_new(o, "check_summary", s);
	json_object_set_new(o, "expiring", expiring_json(p, doc->now));
	json_object_set_new(o, "errored", json_boolean(rep->errors > 0));
	json_t *diags = diagnostics(doc, p);
	for (size_t i = 0; i < rep->n; i++) {
		if (rep->eps[i].probe.chain)
			continue;
		json_t *d = json_object();
		json_object_set_new(d, "severity", json_string("error"));
		json_object_set_new(d, "summary", json_string("the endpoint could not be checked"));
		json_object_set_new(
		    d, "detail",
		    json_string(rep->eps[i].probe.error ? rep->eps[i].probe.error : "no answer"));
		json_object_set_new(d, "address", json_string(rep->eps[i].ep.url));
		json_array_append_new(diags, d);
	}
	json_object_set_new(o, "diagnostics", diags);
	print_doc(out, o);
}

/* --- show ---------------------------------------------------------------------- */

static void store_resources(json_t *arr, const struct plan_store *ps)
{
	struct addr_set as;
	addr_set_init(&as);
	for (size_t j = 0; j < ps->actual.n; j++)
		addr_set_see(&as, ps->actual.items[j].label);
	for (size_t j = 0; j < ps->actual.n; j++) {
		const struct trust_entry *e = &ps->actual.items[j];
		char *addr = addr_make(&as, ps->address, "ca", e->label, e->fphex);
		json_t *r = json_object();
		jtext_set(r, "address", addr);
		/* Terraform's modes: what trustform wrote is managed; what it only
		 * reads (foreign entries) is like a data source. */
		json_object_set_new(r, "mode", jtext_new(e->owned ? "managed" : "data"));
		json_object_set_new(r, "type", jtext_new("ca"));
		jtext_set(r, "name", e->label);
		json_object_set_new(r, "store", jtext_new(ps->address));
		json_t *v = entry_value(e);
		json_object_set_new(v, "fixed", json_boolean(e->fixed));
		json_object_set_new(v, "siblings", json_integer((json_int_t)e->siblings));
		json_object_set_new(r, "values", v);
		json_array_append_new(arr, r);
		free(addr);
	}
	addr_set_dispose(&as);
}

void render_json_show(FILE *out, const struct json_doc *doc, const struct plan *p)
{
	json_t *o = doc_head(doc);
	json_object_set_new(o, "stores", stores_json(p, false));
	json_t *resources = json_array();
	for (size_t i = 0; i < p->n; i++)
		if (!p->stores[i].error)
			store_resources(resources, &p->stores[i]);
	json_t *values = json_object(), *root = json_object();
	json_object_set_new(root, "resources", resources);
	json_object_set_new(values, "root_module", root);
	json_object_set_new(o, "values", values);
	json_object_set_new(o, "errored", json_boolean(p->failed_stores > 0));
	json_object_set_new(o, "diagnostics", diagnostics(doc, p));
	print_doc(out, o);
}

void render_json_error(FILE *out, const struct json_doc *doc, const char *message)
{
	json_t *o = doc_head(doc);
	json_object_set_new(o, "errored", json_true());
	json_t *d = diagnostics(doc, NULL);
	if (message) {
		json_t *e = json_object();
		json_object_set_new(e, "severity", jtext_new("error"));
		json_object_set_new(e, "summary", jtext_new(message));
		json_array_append_new(d, e);
	}
	json_object_set_new(o, "diagnostics", d);
	print_doc(out, o);
}

void render_json_rotation(FILE *out, const struct json_doc *doc, const struct plan *p,
			  const struct rotation_list *l)
{
	json_t *o = doc_head(doc);
	json_object_set_new(o, "rotations", rotation_json(l));
	size_t blocked = rotation_nblocked(l), errors = 0;
	for (size_t i = 0; i < l->n; i++)
		errors += l->items[i].errors;
	json_t *s = json_object();
	json_object_set_new(s, "rotations", json_integer((json_int_t)l->n));
	json_object_set_new(s, "blocked", json_integer((json_int_t)blocked));
	json_object_set_new(s, "operation", json_string("rotation"));
	json_object_set_new(o, "rotation_summary", s);
	json_object_set_new(o, "errored", json_boolean(errors > 0));
	json_object_set_new(o, "diagnostics", diagnostics(doc, p));
	print_doc(out, o);
}
