/*
 * The fleet diff as text (the plan's symbols, grouped by host then store), as
 * Markdown for a pull-request comment (a table per host, one row per change
 * with the stores it touches), and as JSON (schema/output.schema.json, the
 * "diff" document).
 */
#include "reconcile/fleetdiff.h"
#include "reconcile/render_json.h"
#include "util/buf.h"
#include "util/hex.h"
#include "util/mdtext.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHORT_FP 16

static const char *note(const struct fd_change *c)
{
	if (!strcmp(c->op, "remove"))
		return c->after == FD_ABSENT
			   ? (c->before == FD_PRESENT ? "ensure: absent"
						      : "ensure: absent, removed wherever found")
			   : NULL;
	if (!strcmp(c->op, "distrust"))
		return "distrusted";
	if (!strcmp(c->op, "retrust"))
		return "distrusted -> trusted";
	if (!strcmp(c->op, "undistrust"))
		return "no longer distrusted";
	if (!strcmp(c->op, "release"))
		return "ensure: absent dropped, no longer removed";
	return NULL;
}

static void fp_text(struct buf *b, const struct fd_change *c, const char *quote)
{
	if (!strcmp(c->op, "replace"))
		buf_printf(b, "%s%.*s…%s -> %s%.*s…%s", quote, SHORT_FP, c->fp_before, quote, quote,
			   SHORT_FP, c->fp_after, quote);
	else
		buf_printf(b, "%s%.*s…%s", quote, SHORT_FP,
			   c->fp_after ? c->fp_after : c->fp_before, quote);
}

static void roles_text(struct buf *b, const struct fd_host *h)
{
	if (h->status == FD_DISAPPEARS)
		buf_puts(b, h->roles_before);
	else if (h->status == FD_APPEARS || !strcmp(h->roles_before, h->roles_after))
		buf_puts(b, h->roles_after);
	else
		buf_printf(b, "%s -> %s", h->roles_before, h->roles_after);
}

static void summary(struct buf *b, const struct fleet_diff *d)
{
	size_t changes = d->changed + d->appear + d->disappear;
	buf_printf(b,
		   "%zu of %zu host%s change%s (%zu appear%s, %zu disappear%s): %zu to add, "
		   "%zu to replace, %zu to remove, %zu to distrust, %zu other.",
		   changes, d->nhosts, d->nhosts == 1 ? "" : "s", changes == 1 ? "s" : "",
		   d->appear, d->appear == 1 ? "s" : "", d->disappear, d->disappear == 1 ? "s" : "",
		   d->add, d->replace, d->remove, d->distrust, d->other);
}

static const char *status_word(const struct fd_host *h)
{
	switch (h->status) {
	case FD_APPEARS:
		return "appears: no entry of the old file matched it";
	case FD_DISAPPEARS:
		return "disappears: no entry of the new file matches it; its "
		       "stores keep what they hold";
	case FD_UNCHANGED:
		return "no changes";
	default:
		return NULL;
	}
}

void fleet_diff_render_text(FILE *out, const struct fleet_diff *d)
{
	struct buf b = BUF_INIT;
	fprintf(out, "trustform diff\n  old: %s\n  new: %s\n", text_disp(d->old->origin),
		text_disp(d->new->origin));
	for (size_t i = 0; i < d->nhosts; i++) {
		const struct fd_host *h = &d->hosts[i];
		if (!h->roles_before && !h->roles_after) {
			fprintf(out, "\nhost %s: no host entry of either file matches it\n",
				text_disp(h->name));
			continue;
		}
		buf_reset(&b);
		roles_text(&b, h);
		const char *w = status_word(h);
		fprintf(out, "\nhost %s (%s)%s%s\n", text_disp(h->name), text_disp(b.ptr),
			w ? ": " : "", w ? w : "");
		const char *store = NULL;
		for (size_t j = 0; j < h->nchanges; j++) {
			const struct fd_change *c = &h->changes[j];
			if (!store || strcmp(store, c->store))
				fprintf(out, "  # %s\n", text_disp(store = c->store));
			buf_reset(&b);
			fp_text(&b, c, "");
			const char *n = note(c);
			fprintf(out, "  %3s ca \"%s\" sha256 %s%s%s%s\n", c->symbol,
				text_disp(c->name), text_disp(b.ptr), n ? " (" : "", n ? n : "",
				n ? ")" : "");
		}
		for (size_t j = 0; j < h->nstores_dropped; j++)
			fprintf(out,
				"  # %s: no role of this host lists it any more; trustform "
				"leaves it as it is\n",
				text_disp(h->stores_dropped[j]));
	}
	buf_reset(&b);
	summary(&b, d);
	fprintf(out, "\nDiff: %s\n", b.ptr);
	if (!fleet_diff_pending(d))
		fputs("No changes. Every host's stores are configured the same.\n", out);
	buf_dispose(&b);
}

/* Markdown: a host's changes, one row per (change, CA, fingerprints) with the
 * stores it touches, so five stores gaining one CA is one row. */
static bool same_row(const struct fd_change *a, const struct fd_change *b)
{
	return !strcmp(a->op, b->op) && !strcmp(a->name, b->name) &&
	       (a->fp_before == b->fp_before ||
		(a->fp_before && b->fp_before && !strcmp(a->fp_before, b->fp_before))) &&
	       (a->fp_after == b->fp_after ||
		(a->fp_after && b->fp_after && !strcmp(a->fp_after, b->fp_after)));
}

static void markdown_host(FILE *out, const struct fd_host *h, struct buf *b)
{
	buf_reset(b);
	roles_text(b, h);
	fprintf(out, "\n#### %s (%s)", md_code(h->name, false), md_text(b->ptr));
	if (h->status == FD_APPEARS)
		fputs(": new host", out);
	else if (h->status == FD_DISAPPEARS)
		fputs(": no longer matched; its stores keep what they hold", out);
	fputs("\n", out);
	if (!h->nchanges && !h->nstores_dropped)
		return;
	fputs("\n| | CA | sha256 | stores | note |\n|---|---|---|---|---|\n", out);
	bool *done = xcalloc(h->nchanges ? h->nchanges : 1, sizeof(bool));
	for (size_t j = 0; j < h->nchanges; j++) {
		if (done[j])
			continue;
		const struct fd_change *c = &h->changes[j];
		buf_reset(b);
		fp_text(b, c, "`");
		fprintf(out, "| %s | %s | %s | ", c->symbol, md_text(c->name), b->ptr);
		for (size_t k = j; k < h->nchanges; k++) {
			if (done[k] || !same_row(c, &h->changes[k]))
				continue;
			done[k] = true;
			fprintf(out, "%s%s", k == j ? "" : ", ", md_text(h->changes[k].store));
		}
		const char *n = note(c);
		fprintf(out, " | %s |\n", n ? n : "");
	}
	free(done);
	for (size_t j = 0; j < h->nstores_dropped; j++)
		fprintf(out, "| | | | %s | no longer managed on this host; left as it is |\n",
			md_text(h->stores_dropped[j]));
}

void fleet_diff_render_markdown(FILE *out, const struct fleet_diff *d)
{
	struct buf b = BUF_INIT;
	summary(&b, d);
	fprintf(out, "### trustform diff\n\n%s → %s\n\n**%s**\n", md_code(d->old->origin, false),
		md_code(d->new->origin, false), b.ptr);
	size_t unchanged = 0;
	for (size_t i = 0; i < d->nhosts; i++) {
		if (d->hosts[i].status == FD_UNCHANGED)
			unchanged++;
		else
			markdown_host(out, &d->hosts[i], &b);
	}
	if (unchanged) {
		fputs("\nUnchanged:", out);
		size_t k = 0;
		for (size_t i = 0; i < d->nhosts; i++)
			if (d->hosts[i].status == FD_UNCHANGED)
				fprintf(out, "%s %s", k++ ? "," : "",
					md_code(d->hosts[i].name, false));
		fputs(".\n", out);
	}
	fputs("\nSymbols as in `trustplan`: `+` add, `-` remove, `-/+` replace (same name, "
	      "new fingerprint), `~` trust changes.\n",
	      out);
	buf_dispose(&b);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static const char *state_name(enum fd_state s)
{
	static const char *names[] = {"none", "present", "absent", "distrusted"};
	return names[s];
}

static json_t *ca_side(const struct fd_change *c, const char *fp, enum fd_state st)
{
	if (!fp)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "sha256", json_string(fp));
	json_object_set_new(o, "ensure", json_string(state_name(st)));
	return o;
}

static json_t *change_json(const struct fd_change *c)
{
	json_t *o = json_object();
	char *addr = xasprintf("%s.ca[\"%s\"]", c->store, c->name);
	json_object_set_new(o, "address", json_string(addr));
	free(addr);
	json_object_set_new(o, "store", json_string(c->store));
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "op", json_string(c->op));
	json_object_set_new(o, "symbol", json_string(c->symbol));
	json_t *actions = json_array();
	if (!strcmp(c->op, "add")) {
		json_array_append_new(actions, json_string("create"));
	} else if (!strcmp(c->op, "remove")) {
		json_array_append_new(actions, json_string("delete"));
	} else if (!strcmp(c->op, "replace")) {
		json_array_append_new(actions, json_string("delete"));
		json_array_append_new(actions, json_string("create"));
	} else {
		json_array_append_new(actions, json_string("update"));
	}
	json_t *ch = json_object();
	json_object_set_new(ch, "actions", actions);
	json_object_set_new(ch, "before", ca_side(c, c->fp_before, c->before));
	json_object_set_new(ch, "after", ca_side(c, c->fp_after, c->after));
	json_object_set_new(o, "change", ch);
	const char *n = note(c);
	json_object_set_new(o, "reason", str_or_null(n));
	return o;
}

static json_t *config_json(const struct config *c)
{
	char hex[65];
	hex_encode(hex, c->digest, 32);
	json_t *o = json_object();
	json_object_set_new(o, "origin", json_string(c->origin));
	json_object_set_new(o, "digest", json_string(hex));
	return o;
}

static json_t *roles_json(const char *text)
{
	if (!text)
		return json_null();
	json_t *a = json_array();
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, ",");
		char *r = xstrndup(p, n);
		json_array_append_new(a, json_string(r));
		free(r);
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return a;
}

void fleet_diff_render_json(FILE *out, const struct fleet_diff *d, time_t now)
{
	static const char *status[] = {"unchanged", "changed", "appears", "disappears"};
	json_t *o = render_json_head("diff", now);
	json_object_set_new(o, "old", config_json(d->old));
	json_object_set_new(o, "new", config_json(d->new));
	json_t *hosts = json_array();
	for (size_t i = 0; i < d->nhosts; i++) {
		const struct fd_host *h = &d->hosts[i];
		json_t *ho = json_object();
		json_object_set_new(ho, "host", json_string(h->name));
		json_object_set_new(ho, "status", json_string(status[h->status]));
		json_object_set_new(ho, "roles_before", roles_json(h->roles_before));
		json_object_set_new(ho, "roles_after", roles_json(h->roles_after));
		json_t *dropped = json_array();
		for (size_t j = 0; j < h->nstores_dropped; j++)
			json_array_append_new(dropped, json_string(h->stores_dropped[j]));
		json_object_set_new(ho, "stores_dropped", dropped);
		json_t *rc = json_array();
		for (size_t j = 0; j < h->nchanges; j++)
			json_array_append_new(rc, change_json(&h->changes[j]));
		json_object_set_new(ho, "resource_changes", rc);
		json_array_append_new(hosts, ho);
	}
	json_object_set_new(o, "hosts", hosts);
	json_t *s = json_object();
	json_object_set_new(s, "hosts", json_integer((json_int_t)d->nhosts));
	json_object_set_new(s, "changed", json_integer((json_int_t)d->changed));
	json_object_set_new(s, "appear", json_integer((json_int_t)d->appear));
	json_object_set_new(s, "disappear", json_integer((json_int_t)d->disappear));
	json_object_set_new(s, "add", json_integer((json_int_t)d->add));
	json_object_set_new(s, "replace", json_integer((json_int_t)d->replace));
	json_object_set_new(s, "remove", json_integer((json_int_t)d->remove));
	json_object_set_new(s, "distrust", json_integer((json_int_t)d->distrust));
	json_object_set_new(s, "other", json_integer((json_int_t)d->other));
	json_object_set_new(o, "change_summary", s);
	json_object_set_new(o, "changes_pending", json_boolean(fleet_diff_pending(d)));
	json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	fputs("\n", out);
	json_decref(o);
}
