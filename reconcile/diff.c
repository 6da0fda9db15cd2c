/*
 * The one diff engine (SPEC §2 semantics). Stores only report what they hold;
 * every decision about adding, replacing or removing is made here, the same
 * way for every store, so a plan reads the same whatever the backend.
 */
#include "model/cert.h"
#include "reconcile/plan.h"
#include "stores/storeopt.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static struct plan_step *add_step(struct plan_store *ps, enum plan_action action, enum plan_op op,
				  const char *name, const struct conf_ca *ca,
				  const struct trust_entry *seen)
{
	return plan_store_add_step(ps, action, op, name, ca, seen);
}

static void set_reason(struct plan_step *st, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_reason(struct plan_step *st, const char *code, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	st->reason_code = code;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(st->reason);
	st->reason = buf_detach(&b);
}

static bool flags_ok(const struct plan_store *ps, const struct trust_entry *e)
{
	const char *want = ps->inst ? ps->inst->want_flags : NULL;
	if (!want)
		return true;
	return e->flags && strcmp(e->flags, want) == 0;
}

/* Trust flags are comma-separated fields of letters (NSS: "CT,C,C"). An entry
 * trustform wrote must carry exactly the wanted flags (flags_ok); one it did
 * not write trusts enough when each of its fields holds at least the wanted
 * letters, and is left as it is rather than stripped down to the wanted ones. */
static bool flags_enough(const struct plan_store *ps, const struct trust_entry *e)
{
	const char *want = ps->inst ? ps->inst->want_flags : NULL;
	if (!want)
		return true;
	const char *have = e->flags ? e->flags : "";
	for (;;) {
		size_t wn = strcspn(want, ","), hn = strcspn(have, ",");
		for (size_t i = 0; i < wn; i++)
			if (!memchr(have, want[i], hn))
				return false;
		if (!want[wn])
			return true;
		if (!have[hn])
			return false; /* fewer fields than wanted */
		want += wn + 1;
		have += hn + 1;
	}
}

/* Whether the store's backend carries out op (stores/store.h: STORE_OP). */
static bool store_can(const struct plan_store *ps, enum plan_op op)
{
	return ps->inst && (ps->inst->backend->ops & STORE_OP(op));
}

/* The one refusal of a step whose op the store's backend lacks: made here,
 * once, for every store; apply fails the step with it. */
static void refuse_unsupported(struct plan_store *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		struct plan_step *st = &ps->steps[i];
		if (store_can(ps, st->op))
			continue;
		const char *type = ps->inst && ps->inst->conf ? ps->inst->conf->type : "?";
		const char *op = plan_op_name(st->op);
		/* a CA's step follows from the configuration; the others (refresh,
		 * root-drift, reissue, set) only from what the store itself read */
		bool of_ca = st->op != OP_REFRESH && st->op != OP_ROOT_DRIFT &&
			     st->op != OP_REISSUE && st->op != OP_SET;
		char *msg =
		    of_ca ? xasprintf("refused: %s cannot %s \"%s\" (a %s store does not carry "
				      "out \"%s\"); take \"%s\" off the roles that list it for "
				      "this store, or list it for a store type that can %s it",
				      ps->title, op, st->name, type, op, st->name, op)
			  : xasprintf("refused: %s cannot %s \"%s\" (a %s store does not carry "
				      "out \"%s\", yet its read asked for it); this is a bug in "
				      "trustform, please report it",
				      ps->title, op, st->name, type, op);
		st->refused = plan_store_error(ps, msg);
		free(msg);
	}
}

/* Entries by fingerprint, and owned entries by label: each a chain through
 * next[], so that a diff is linear in the number of entries and CAs. */
struct index {
	struct strmap by_fp, by_label;
	size_t *next_fp, *next_label;
};

static void index_build(struct index *ix, const struct trust_set *a)
{
	strmap_init(&ix->by_fp);
	strmap_init(&ix->by_label);
	ix->next_fp = xcalloc(a->n ? a->n : 1, sizeof(size_t));
	ix->next_label = xcalloc(a->n ? a->n : 1, sizeof(size_t));
	for (size_t i = a->n; i-- > 0;) {
		const struct trust_entry *e = &a->items[i];
		ix->next_fp[i] = strmap_put(&ix->by_fp, e->fphex, i);
		ix->next_label[i] = STRMAP_NONE;
		if (e->owned)
			ix->next_label[i] = strmap_put(&ix->by_label, e->label, i);
	}
}

static void index_dispose(struct index *ix)
{
	strmap_dispose(&ix->by_fp);
	strmap_dispose(&ix->by_label);
	free(ix->next_fp);
	free(ix->next_label);
}

#define FOR_FP(ix, fphex, i)                                                                       \
	for (size_t i = strmap_get(&(ix)->by_fp, (fphex)); i != STRMAP_NONE; i = (ix)->next_fp[i])
#define FOR_LABEL(ix, label, i)                                                                    \
	for (size_t i = strmap_get(&(ix)->by_label, (label)); i != STRMAP_NONE;                    \
	     i = (ix)->next_label[i])

static void diff_present(struct plan_store *ps, const struct conf_ca *ca, unsigned char *used,
			 const struct index *ix)
{
	struct trust_set *a = &ps->actual;
	struct trust_entry *owned = NULL, *same_label = NULL, *foreign_ok = NULL,
			   *foreign_other = NULL;

	FOR_FP(ix, ca->cert->fphex, i)
	{
		struct trust_entry *e = &a->items[i];
		if (e->owned) {
			if (!owned || strcmp(e->label, ca->name) == 0)
				owned = e;
		} else if (e->state == TS_TRUSTED && flags_enough(ps, e)) {
			foreign_ok = e;
		} else {
			foreign_other = e;
		}
	}
	FOR_LABEL(ix, ca->name, i)
	{
		struct trust_entry *e = &a->items[i];
		if (!used[i] && memcmp(e->fp, ca->cert->fp, FP_LEN) != 0)
			same_label = e;
	}

	if (owned) {
		used[owned - a->items] = 1;
		bool renamed = strcmp(owned->label, ca->name) != 0;
		bool reflag = !flags_ok(ps, owned) || owned->state != TS_TRUSTED;
		if (renamed || reflag) {
			struct plan_step *st =
			    add_step(ps, ACT_UPDATE, OP_UPDATE, ca->name, ca, owned);
			if (renamed)
				set_reason(st, "update_because_renamed",
					   "because it was renamed from \"%s\"", owned->label);
			else
				set_reason(st, "update_because_trust_flags",
					   "because its trust is \"%s\", not \"%s\"",
					   owned->flags ? owned->flags
							: trust_state_name(owned->state),
					   ps->inst->want_flags ? ps->inst->want_flags : "trusted");
		}
		if (same_label) {
			used[same_label - a->items] = 1;
			struct plan_step *st = add_step(ps, ACT_DELETE, OP_REMOVE,
							same_label->label, NULL, same_label);
			set_reason(st, "delete_because_older_copy",
				   "because it is an older copy of \"%s\"", ca->name);
		}
		return;
	}
	if (same_label) {
		used[same_label - a->items] = 1;
		if (foreign_ok) {
			struct plan_step *st =
			    add_step(ps, ACT_DELETE, OP_REMOVE, ca->name, NULL, same_label);
			set_reason(st, "delete_because_content_changed",
				   "because its content changed and the new certificate is "
				   "already held as \"%s\"",
				   foreign_ok->label);
		} else {
			struct plan_step *st =
			    add_step(ps, ACT_REPLACE, OP_REPLACE, ca->name, ca, same_label);
			set_reason(st, "replace_because_content_changed",
				   "because %s changed content under the same name", ca->name);
		}
		return;
	}
	if (foreign_ok)
		return; /* already trusted by an entry trustform did not write */
	if (foreign_other && store_can(ps, OP_RETRUST) && !foreign_other->fixed) {
		struct plan_step *st =
		    add_step(ps, ACT_UPDATE, OP_RETRUST, ca->name, ca, foreign_other);
		set_reason(st, "update_because_trust_flags",
			   "because it is held as \"%s\" with trust \"%s\"", foreign_other->label,
			   foreign_other->flags ? foreign_other->flags
						: trust_state_name(foreign_other->state));
		return;
	}
	add_step(ps, ACT_CREATE, OP_ADD, ca->name, ca, NULL);
}

static void diff_absent(struct plan_store *ps, const struct conf_ca *ca, unsigned char *used,
			const struct index *ix)
{
	struct trust_set *a = &ps->actual;
	bool seen_any = false;
	FOR_FP(ix, ca->cert->fphex, i)
	{
		struct trust_entry *e = &a->items[i];
		used[i] = 1;
		seen_any = true;
		if (ca->ensure == ENSURE_ABSENT) {
			if (e->fixed && e->state != TS_TRUSTED)
				continue; /* as absent as this store can make it */
			struct plan_step *st = add_step(ps, ACT_DELETE, OP_REMOVE, ca->name, ca, e);
			set_reason(st, "delete_because_ensure_absent",
				   "because %s is ensure: absent%s%s%s", ca->name,
				   e->owned ? "" : " (held as \"", e->owned ? "" : e->label,
				   e->owned ? "" : "\")");
			continue;
		}
		if (e->state == TS_DISTRUSTED)
			continue;
		if (e->can_distrust) {
			struct plan_step *st =
			    add_step(ps, ACT_UPDATE, OP_DISTRUST, ca->name, ca, e);
			set_reason(st, "update_because_ensure_distrusted",
				   "because %s is ensure: distrusted%s%s%s", ca->name,
				   e->owned ? "" : " (held as \"", e->owned ? "" : e->label,
				   e->owned ? "" : "\")");
		} else {
			struct plan_step *st = add_step(ps, ACT_DELETE, OP_REMOVE, ca->name, ca, e);
			set_reason(st, "delete_because_ensure_distrusted",
				   "because %s is ensure: distrusted and this store can only "
				   "remove it",
				   ca->name);
		}
	}
	if (ca->ensure == ENSURE_DISTRUSTED && !seen_any && store_can(ps, OP_ADD_DISTRUSTED)) {
		struct plan_step *st =
		    add_step(ps, ACT_CREATE, OP_ADD_DISTRUSTED, ca->name, ca, NULL);
		set_reason(st, "create_because_ensure_distrusted",
			   "because %s is ensure: distrusted", ca->name);
	}
}

/* A store that is a CA itself: its root must be one of the CAs the config
 * marks for it. Nothing marked: the plan says how to mark it. */
static void diff_own_root(struct plan_store *ps, const struct config *cfg)
{
	struct trust_set *a = &ps->actual;
	const struct conf_ca *expected = NULL;
	size_t marked = 0;
	for (size_t i = 0; cfg && i < cfg->ncas; i++) {
		const struct conf_ca *ca = &cfg->cas[i];
		if (!ca->caddy || strcmp(ca->caddy, a->own_root_id) || !ca->cert)
			continue;
		if (ca->ensure == ENSURE_PRESENT && !memcmp(ca->cert->fp, a->own_root.fp, FP_LEN))
			return;
		marked++;
		if (!expected ||
		    (expected->ensure != ENSURE_PRESENT && ca->ensure == ENSURE_PRESENT))
			expected = ca;
	}
	if (!marked) {
		trust_set_note(a,
			       "no CA in the configuration is marked `caddy: %s`, so nothing "
			       "checks Caddy's root (sha256 %s, %s); export it with `%s`, add it "
			       "under cas: with `caddy: %s`, and list it in the roles that must "
			       "trust it",
			       a->own_root_id, a->own_root.fphex,
			       a->own_root.subject ? a->own_root.subject : "?",
			       a->own_root_export ? a->own_root_export : "", a->own_root_id);
		return;
	}
	struct plan_step *st =
	    add_step(ps, ACT_UPDATE, OP_ROOT_DRIFT, expected->name, expected, &a->own_root);
	if (expected->ensure != ENSURE_PRESENT)
		set_reason(st, "update_because_root_not_wanted",
			   "because Caddy's root is %s, which is ensure: %s", expected->name,
			   ensure_name(expected->ensure));
	else
		set_reason(st, "update_because_root_drift",
			   "because %s holds another certificate: Caddy made a new root, or "
			   "the configuration has an old one",
			   a->own_root.where);
}

static void diff_findings(struct plan_store *ps)
{
	struct trust_set *a = &ps->actual;
	for (size_t i = 0; i < a->nfindings; i++) {
		const struct trust_finding *f = &a->findings[i];
		struct plan_step *st = NULL;
		switch (f->kind) {
		case FINDING_REISSUE:
			st = add_step(ps, ACT_REPLACE, OP_REISSUE, f->name, NULL, NULL);
			break;
		case FINDING_SETTING:
			if (f->have_canon && f->want_canon && !strcmp(f->have_canon, f->want_canon))
				continue;
			st = add_step(ps, ACT_UPDATE, OP_SET, f->name, NULL, NULL);
			break;
		}
		st->finding = f;
		if (f->reason)
			set_reason(st,
				   f->kind == FINDING_REISSUE ? "replace_because_stale_issuance"
							      : "update_because_setting_differs",
				   "%s", f->reason);
	}
}

static int step_cmp(const void *x, const void *y)
{
	const struct plan_step *a = x, *b = y;
	if ((a->op == OP_REFRESH) != (b->op == OP_REFRESH))
		return a->op == OP_REFRESH ? 1 : -1;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	if (a->has_seen && b->has_seen)
		return strcmp(a->seen.where, b->seen.where);
	return (int)a->action - (int)b->action;
}

void plan_diff_store(struct plan_store *ps, const struct host_store *hs, const struct config *cfg)
{
	struct trust_set *a = &ps->actual;
	unsigned char *used = xcalloc(a->n ? a->n : 1, 1);
	struct index ix;
	struct strmap wanted; /* fingerprints this store is told about */
	index_build(&ix, a);
	strmap_init(&wanted);

	for (size_t i = 0; i < hs->ncas; i++) {
		const struct conf_ca *ca = hs->cas[i];
		if (!ca->cert)
			continue;
		strmap_put(&wanted, ca->cert->fphex, i);
		if (ca->ensure == ENSURE_PRESENT)
			diff_present(ps, ca, used, &ix);
		else
			diff_absent(ps, ca, used, &ix);
	}
	/* What trustform put here and the configuration no longer asks for. */
	for (size_t i = 0; i < a->n; i++) {
		struct trust_entry *e = &a->items[i];
		if (!e->owned || used[i])
			continue;
		struct plan_step *st = add_step(ps, ACT_DELETE, OP_REMOVE, e->label, NULL, e);
		const struct conf_ca *still = config_find_ca(cfg, e->label);
		if (strmap_get(&wanted, e->fphex) != STRMAP_NONE)
			set_reason(st, "delete_because_duplicate",
				   "because it duplicates another entry of the same certificate");
		else if (still && still->ensure == ENSURE_PRESENT)
			set_reason(st, "delete_because_not_listed",
				   "because no role of this host lists %s for this store",
				   e->label);
		else
			set_reason(st, "delete_because_no_resource_config",
				   "because it is not in the configuration");
	}
	if (a->stale) {
		struct plan_step *st = add_step(ps, ACT_UPDATE, OP_REFRESH, "", NULL, NULL);
		st->detail = xstrdup(a->stale);
		st->reason_code = "update_because_derived_files_stale";
	}
	if (a->has_own_root)
		diff_own_root(ps, cfg);
	diff_findings(ps);
	refuse_unsupported(ps);
	if (ps->n > 1)
		qsort(ps->steps, ps->n, sizeof(*ps->steps), step_cmp);
	index_dispose(&ix);
	strmap_dispose(&wanted);
	free(used);
}
