/* Small JSON values, resource addresses and resource_changes; see render_json_int.h. */
#include "model/cert.h"
#include "reconcile/apply.h"
#include "reconcile/check.h"
#include "reconcile/lifecycle.h"
#include "reconcile/planfile.h"
#include "reconcile/render_json.h"
#include "reconcile/render_json_int.h"
#include "schema/gitsource.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* --- small values ----------------------------------------------------------- */

json_t *str_or_null(const char *s)
{
	return jtext_new(s);
}

/* RFC 3339 in UTC, as Terraform's timestamps; null for "unknown". */
json_t *time_json(time_t t)
{
	if (!t)
		return json_null();
	char out[32];
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return jtext_new(out);
}

static void append_escaped(struct buf *b, const char *s)
{
	/* backslash, control characters and bytes that are not UTF-8 as the
	 * terminal sees them (util/text.h), and the quote: valid UTF-8, one line */
	struct buf t = BUF_INIT;
	text_escape(&t, s);
	for (const char *p = t.ptr; *p; p++) {
		if (*p == '"')
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_dispose(&t);
}

void addr_set_init(struct addr_set *a)
{
	memset(a, 0, sizeof(*a));
	strmap_init(&a->count);
}

void addr_set_see(struct addr_set *a, const char *name)
{
	size_t i = strmap_get(&a->count, name);
	if (i == STRMAP_NONE) {
		ARRAY_GROW(a->counts, a->n + 1, a->alloc);
		a->counts[a->n] = 0;
		i = a->n++;
		strmap_put(&a->count, name, i);
	}
	a->counts[i]++;
}

char *addr_make(const struct addr_set *a, const char *store, const char *type, const char *name,
		const char *fphex)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s.%s[\"", store, type);
	append_escaped(&b, name);
	buf_puts(&b, "\"]");
	size_t i = strmap_get(&a->count, name);
	if (fphex && i != STRMAP_NONE && a->counts[i] > 1)
		buf_printf(&b, "[\"%.12s\"]", fphex);
	return buf_detach(&b);
}

void addr_set_dispose(struct addr_set *a)
{
	strmap_dispose(&a->count);
	free(a->counts);
}

/* --- resource_changes ------------------------------------------------------------ */

static json_t *trust_word(const struct trust_entry *e)
{
	return jtext_new(e->flags ? e->flags : trust_state_name(e->state));
}

/* The object as a store holds it. */
json_t *entry_value(const struct trust_entry *e)
{
	json_t *v = json_object();
	jtext_set(v, "name", e->label);
	json_object_set_new(v, "sha256", jtext_new(e->fphex));
	jtext_set(v, "subject", e->subject);
	json_object_set_new(v, "not_after", time_json(e->not_after));
	json_object_set_new(v, "trust", trust_word(e));
	json_object_set_new(v, "owned", json_boolean(e->owned));
	jtext_set(v, "entry", e->where);
	return v;
}

/* The object as the configuration wants it. */
static json_t *desired_value(const struct conf_ca *ca, const char *trust)
{
	json_t *v = json_object();
	json_object_set_new(v, "name", jtext_new(ca->name));
	json_object_set_new(v, "sha256", jtext_new(ca->cert->fphex));
	json_object_set_new(v, "subject", jtext_new(ca->cert->subject));
	json_object_set_new(v, "not_after", time_json(ca->cert->not_after));
	json_object_set_new(v, "trust", jtext_new(trust));
	json_object_set_new(v, "owned", json_true());
	json_object_set_new(v, "entry", json_null()); /* the store picks it */
	return v;
}

static json_t *files_value(const char *detail, bool up_to_date)
{
	json_t *v = json_object();
	json_object_set_new(v, "up_to_date", json_boolean(up_to_date));
	json_t *lines = json_array();
	for (const char *p = detail; p && *p && !up_to_date;) {
		size_t n = strcspn(p, "\n");
		json_array_append_new(lines, json_stringn(p, n));
		p += n + (p[n] == '\n');
	}
	json_object_set_new(v, "detail", lines);
	return v;
}

static json_t *actions(enum plan_action a)
{
	json_t *arr = json_array();
	switch (a) {
	case ACT_CREATE:
		json_array_append_new(arr, jtext_new("create"));
		break;
	case ACT_UPDATE:
		json_array_append_new(arr, jtext_new("update"));
		break;
	case ACT_DELETE:
		json_array_append_new(arr, jtext_new("delete"));
		break;
	case ACT_REPLACE:
		/* Terraform's -/+ ; stores write the new entry first, so the CA is
		 * never missing in between, but the plan reads as a replacement. */
		json_array_append_new(arr, jtext_new("delete"));
		json_array_append_new(arr, jtext_new("create"));
		break;
	}
	return arr;
}

/* A store's finding about itself: a setting's value, or what must be reissued. */
static json_t *finding_value(const struct trust_finding *f, bool after)
{
	if (!f)
		return json_null();
	json_t *v = json_object();
	json_object_set_new(v, "name", jtext_new(f->name));
	if (f->kind == FINDING_SETTING) {
		const char *val = after ? f->want : f->have;
		json_object_set_new(v, "value", val ? jtext_new(val) : json_null());
	} else {
		json_object_set_new(v, "issued", jtext_new(after ? "reissued by the CA" : "stale"));
		if (!after && f->headline)
			json_object_set_new(v, "what", jtext_new(f->headline));
	}
	return v;
}

static void before_after(const struct plan_store *ps, const struct plan_step *st, json_t **before,
			 json_t **after)
{
	const char *want = ps->inst && ps->inst->want_flags ? ps->inst->want_flags : "trusted";
	*before = st->has_seen ? entry_value(&st->seen) : json_null();
	*after = json_null();
	switch (st->op) {
	case OP_ADD:
	case OP_REPLACE:
		*after = desired_value(st->ca, want);
		break;
	case OP_ADD_DISTRUSTED:
		*after = desired_value(st->ca, "distrusted");
		break;
	case OP_REMOVE:
		break;
	case OP_UPDATE:
	case OP_RETRUST:
	case OP_DISTRUST:
		*after = entry_value(&st->seen);
		if (st->op == OP_UPDATE) {
			jtext_set(*after, "name", st->name);
			json_object_set_new(*after, "owned", json_true());
		}
		json_object_set_new(*after, "trust",
				    jtext_new(st->op == OP_DISTRUST ? "distrusted" : want));
		break;
	case OP_REFRESH:
		json_decref(*before);
		*before = files_value(st->detail, false);
		*after = files_value(NULL, true);
		break;
	case OP_ROOT_DRIFT:
		/* before: the root the store has; after: the CA the config marks for it */
		if (st->ca && st->ca->cert)
			*after = desired_value(st->ca, "root");
		break;
	case OP_REISSUE:
	case OP_SET:
		json_decref(*before);
		*before = finding_value(st->finding, false);
		*after = finding_value(st->finding, true);
		break;
	default:
		/* An operation this renderer does not know in detail: what was seen
		 * and what the configuration wants, which is what a reviewer needs. */
		if (st->ca && st->ca->cert)
			*after = desired_value(st->ca, want);
		break;
	}
}

static const char *status_word(enum step_result r)
{
	switch (r) {
	case STEP_DONE:
		return "applied";
	case STEP_FAILED:
	case STEP_STALE: /* the store says why, and "stale_plan" marks it */
		return "failed";
	case STEP_PENDING:
		return "not_attempted";
	}
	return "not_attempted";
}

void store_changes(json_t *arr, const struct plan_store *ps, bool applied)
{
	struct addr_set as;
	addr_set_init(&as);
	for (size_t j = 0; j < ps->n; j++)
		if (ps->steps[j].op != OP_REFRESH)
			addr_set_see(&as, ps->steps[j].name);
	for (size_t j = 0; j < ps->n; j++) {
		const struct plan_step *st = &ps->steps[j];
		bool files = st->op == OP_REFRESH;
		const char *type = plan_step_resource(st);
		const char *fphex = st->has_seen	     ? st->seen.fphex
				    : st->ca && st->ca->cert ? st->ca->cert->fphex
							     : NULL;
		char *addr = files ? xasprintf("%s.files", ps->address)
				   : addr_make(&as, ps->address, type, st->name,
					       strcmp(type, "ca") ? NULL : fphex);
		json_t *rc = json_object();
		jtext_set(rc, "address", addr);
		json_object_set_new(rc, "mode", jtext_new("managed"));
		json_object_set_new(rc, "type", jtext_new(type));
		jtext_set(rc, "name", files ? ps->address : st->name);
		json_object_set_new(rc, "store", jtext_new(ps->address));
		json_object_set_new(rc, "op", jtext_new(plan_op_name(st->op)));
		json_t *change = json_object(), *before, *after;
		json_object_set_new(change, "actions", actions(st->action));
		before_after(ps, st, &before, &after);
		json_object_set_new(change, "before", before);
		json_object_set_new(change, "after", after);
		json_object_set_new(rc, "change", change);
		if (st->reason_code)
			json_object_set_new(rc, "action_reason", jtext_new(st->reason_code));
		json_object_set_new(rc, "reason", str_or_null(st->reason));
		json_t *br = json_array();
		for (size_t k = 0; k < st->nbreaks; k++) {
			json_t *b = json_object();
			jtext_set(b, "endpoint", st->breaks[k].url);
			json_object_set_new(b, "accepted", json_boolean(st->breaks[k].accepted));
			json_array_append_new(br, b);
		}
		json_object_set_new(rc, "breaks", br);
		/* format 1.3: a rotation blocks the removal (rotation.h) */
		if (st->blocked)
			jtext_set(rc, "blocked", st->blocked);
		if (st->refused)
			jtext_set(rc, "refused", st->refused);
		if (applied) {
			json_object_set_new(rc, "status", jtext_new(status_word(st->result)));
			json_object_set_new(rc, "error", str_or_null(st->error));
		}
		json_array_append_new(arr, rc);
		free(addr);
	}
	addr_set_dispose(&as);
}

/* --- expiry -------------------------------------------------------------------- */

json_t *expiring_json(const struct plan *p, time_t now)
{
	struct expiring_list l;
	expiring_collect(&l, p);
	json_t *arr = json_array();
	for (size_t i = 0; i < l.n; i++) {
		const struct trust_expiry *e = l.items[i].e;
		json_t *o = json_object();
		json_object_set_new(o, "kind", json_string(expiry_kind_name(e->kind)));
		json_object_set_new(o, "name", jtext_new(e->name));
		json_object_set_new(o, "sha256", str_or_null(e->fphex[0] ? e->fphex : NULL));
		json_object_set_new(o, "not_after", time_json(e->not_after));
		json_object_set_new(o, "renewal_from", time_json(e->renew_at));
		json_object_set_new(o, "days_left", json_integer(expiry_days_left(e, now)));
		json_object_set_new(o, "expired", json_boolean(e->not_after <= now));
		json_t *stores = json_array();
		for (size_t j = 0; j < l.items[i].nstores; j++)
			json_array_append_new(stores, jtext_new(l.items[i].stores[j]));
		json_object_set_new(o, "stores", stores);
		json_object_set_new(o, "message", jtext_new(e->message));
		json_array_append_new(arr, o);
	}
	expiring_dispose(&l);
	return arr;
}
