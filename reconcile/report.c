/* The fleet report; see report.h. */
#include "reconcile/report.h"
#include "reconcile/cbom.h"
#include "reconcile/render_json.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mdtext.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* msg: allocated, taken over */
static void add_error(struct report_host *h, char *msg)
{
	h->errored = true;
	h->errors = xrealloc(h->errors, (h->nerrors + 1) * sizeof(*h->errors));
	h->errors[h->nerrors++] = msg;
}

static const char *str_at(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A plan's count: a whole number from 0 to REPORT_COUNT_MAX (so that no sum
 * over a fleet can overflow), or -1 when it is something else. */
#define REPORT_COUNT_MAX 1000000000LL

static long long count_at(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > REPORT_COUNT_MAX)
		return -1;
	return (long long)json_integer_value(v);
}

/* A count of obj (named objname in the document), or 0 with an error naming
 * the file when it is not a whole number in range. */
static long long read_count(struct report_host *h, const char *file, const json_t *obj,
			    const char *objname, const char *key)
{
	long long n = count_at(obj, key);
	if (n >= 0)
		return n;
	add_error(h, xasprintf("%s: %s.%s is not a count (a whole number from 0 to %lld); "
			       "give the output of `trustplan --json` as it was written",
			       file, objname, key, REPORT_COUNT_MAX));
	return 0;
}

static void read_change(struct report_host *h, const json_t *c)
{
	const json_t *ch = json_object_get(c, "change");
	const json_t *actions = json_object_get(ch, "actions");
	struct buf a = BUF_INIT;
	size_t i;
	const json_t *v;
	json_array_foreach(actions, i, v)
	    buf_printf(&a, "%s%s", i ? "," : "", json_is_string(v) ? json_string_value(v) : "?");
	const char *sym = !strcmp(a.ptr, "create")	    ? "+"
			  : !strcmp(a.ptr, "delete")	    ? "-"
			  : !strcmp(a.ptr, "delete,create") ? "-/+"
							    : "~";
	const char *fp = str_at(json_object_get(ch, "after"), "sha256");
	if (!fp)
		fp = str_at(json_object_get(ch, "before"), "sha256");
	const char *addr = str_at(c, "address"), *op = str_at(c, "op");
	h->changes = xrealloc(h->changes, (h->nchanges + 1) * sizeof(*h->changes));
	struct report_change *rc = &h->changes[h->nchanges++];
	*rc = (struct report_change){
	    .address = xstrdup(addr ? addr : "?"),
	    .symbol = sym,
	    .actions = buf_detach(&a),
	    .op = xstrdup(op ? op : ""),
	    .sha256 = fp ? xstrdup(fp) : NULL,
	};
	/* what the step would break (the plan's breaks) */
	struct buf br = BUF_INIT;
	json_array_foreach(json_object_get(c, "breaks"), i, v)
	{
		const char *url = str_at(v, "endpoint");
		bool accepted = json_is_true(json_object_get(v, "accepted"));
		buf_printf(&br, "%s%s%s", br.len ? ", " : "", url ? url : "?",
			   accepted ? " (accepted)" : "");
		rc->nbreaks++;
		rc->nrefused += !accepted;
	}
	rc->breaks = br.len ? buf_detach(&br) : NULL;
	buf_dispose(&br);
	h->breaking += rc->nbreaks > 0;
}

/* "CA \"x\" expires on 2026-12-12 (in 4 days; stores: system, app)" */
static const char *const expiring_titles[][2] = {
    {"ca", "CA"}, {"caddy_root", "Caddy's root"}, {"caddy_intermediate", "Caddy's intermediate"}};

static void expiring_text(struct buf *b, const struct report_expiring *x)
{
	const char *title = x->kind;
	for (size_t k = 0; k < sizeof(expiring_titles) / sizeof(*expiring_titles); k++)
		if (!strcmp(x->kind, expiring_titles[k][0]))
			title = expiring_titles[k][1];
	buf_printf(b, "%s \"%s\" %s %.10s (", title, x->name,
		   x->days_left < 0 ? "expired on" : "expires on", x->not_after);
	if (x->days_left >= 0)
		buf_printf(b, "in %lld days; ", x->days_left);
	buf_printf(b, "stores: %s)", x->stores);
}

/* The plan's certificates within their renewal window (format 1.2). */
static void read_expiring(struct report_host *h, const json_t *d)
{
	const json_t *arr = json_object_get(d, "expiring");
	size_t i;
	const json_t *v;
	if (!json_is_array(arr) || !json_array_size(arr))
		return;
	h->expiring = xcalloc(json_array_size(arr), sizeof(*h->expiring));
	json_array_foreach(arr, i, v)
	{
		struct report_expiring *x = &h->expiring[h->nexpiring++];
		const char *kind = str_at(v, "kind"), *name = str_at(v, "name");
		const char *na = str_at(v, "not_after");
		x->kind = xstrdup(kind ? kind : "ca");
		x->name = xstrdup(name ? name : "?");
		x->not_after = xstrdup(na ? na : "?");
		x->days_left = count_at(v, "days_left");
		struct buf st = BUF_INIT;
		size_t j;
		const json_t *s;
		json_array_foreach(json_object_get(v, "stores"), j, s) buf_printf(
		    &st, "%s%s", j ? ", " : "", json_is_string(s) ? json_string_value(s) : "?");
		x->stores = st.ptr ? st.ptr : xstrdup("");
	}
}

static void read_plan(struct report_host *h, const char *file, struct cbom *inv)
{
	json_error_t e;
	struct buf raw = BUF_INIT;
	h->file = xstrdup(file);
	/* the bounded reader: a regular file of at most its limit (a FIFO or a
	 * device is refused, never waited on) */
	if (buf_read_file(&raw, file) < 0) {
		add_error(h,
			  xasprintf("%s: cannot read: %s; give the output of `trustplan "
				    "--json` as a regular file",
				    file, err_msg() && *err_msg() ? err_msg() : strerror(errno)));
		err_clear();
		h->host = xstrdup(file);
		buf_dispose(&raw);
		return;
	}
	json_t *d = json_loadb(raw.ptr, raw.len, JSON_REJECT_DUPLICATES, &e);
	buf_dispose(&raw);
	if (!d || !json_is_object(d)) {
		char *where = d ? xstrdup("not a JSON object")
				: xasprintf("%d:%d: %s", e.line, e.column, e.text);
		add_error(h,
			  xasprintf("%s: %s; give the output of `trustplan --json`", file, where));
		free(where);
		h->host = xstrdup(file);
		json_decref(d);
		return;
	}
	const char *host = str_at(d, "host"), *op = str_at(d, "operation");
	h->host = xstrdup(host ? host : file);
	if (!op || strcmp(op, "plan")) {
		add_error(h, xasprintf("%s: a \"%s\" document, not a plan; give the output of "
				       "`trustplan --json`",
				       file, op ? op : "(no operation)"));
		json_decref(d);
		return;
	}
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(d, "diagnostics"), i, v)
	{
		const char *sev = str_at(v, "severity"), *sum = str_at(v, "summary");
		if (sev && !strcmp(sev, "error") && sum && !str_at(v, "address"))
			add_error(h, xstrdup(sum));
	}
	json_array_foreach(json_object_get(d, "stores"), i, v)
	{
		const char *st = str_at(v, "status"), *err = str_at(v, "error");
		if (st && !strcmp(st, "error"))
			add_error(h, xasprintf("%s: %s",
					       str_at(v, "address") ? str_at(v, "address") : "?",
					       err ? err : "failed"));
	}
	if (json_is_true(json_object_get(d, "errored")) && !h->nerrors)
		add_error(h, xasprintf("%s: the run failed", file));
	json_array_foreach(json_object_get(d, "resource_changes"), i, v) read_change(h, v);
	read_expiring(h, d);
	report_read_rotations(h, d);
	char *why = NULL;
	if (inv && cbom_add_plan_json(inv, h->host, d, &why) < 0)
		add_error(h, xasprintf("%s: %s", file, why));
	free(why);
	const json_t *s = json_object_get(d, "change_summary");
	static const char *const keys[] = {"add", "change", "remove"};
	long long *counts[] = {&h->add, &h->change, &h->remove};
	for (size_t k = 0; k < 3; k++)
		*counts[k] = read_count(h, file, s, "change_summary", keys[k]);
	/* the plan's one predicate (verdict.h); a 1.0 document: its endpoints */
	const json_t *ds = json_object_get(d, "drift_summary");
	if (ds) {
		h->restart_pending = read_count(h, file, ds, "drift_summary", "restart_pending");
		h->endpoints_failing =
		    read_count(h, file, ds, "drift_summary", "endpoints_failing");
	} else {
		json_array_foreach(json_object_get(d, "endpoints"), i, v)
		{
			if (json_is_false(json_object_get(v, "ok")))
				h->endpoints_failing++;
		}
	}
	json_decref(d);
}

static bool host_drift(const struct report_host *h)
{
	return h->restart_pending || h->endpoints_failing;
}

/* ", 1 restart(s) pending, 2 endpoint(s) refused even after apply" */
static void drift_text(FILE *out, const struct report_host *h)
{
	if (h->breaking)
		fprintf(out, "; %lld step(s) would break endpoints", h->breaking);
	if (h->restart_pending)
		fprintf(out, "; %lld restart(s) pending", h->restart_pending);
	if (h->endpoints_failing)
		fprintf(out, "; %lld endpoint(s) refused even after apply", h->endpoints_failing);
}

static int host_cmp(const void *a, const void *b)
{
	const struct report_host *x = a, *y = b;
	int c = strcmp(x->host, y->host);
	return c ? c : strcmp(x->file, y->file);
}

void report_build(struct report *r, char *const *files, size_t nfiles, struct cbom *inv)
{
	memset(r, 0, sizeof(*r));
	r->hosts = xcalloc(nfiles ? nfiles : 1, sizeof(*r->hosts));
	for (size_t i = 0; i < nfiles; i++) {
		struct report_host *h = &r->hosts[r->nhosts++];
		read_plan(h, files[i], inv);
		if (h->errored)
			r->errored++;
		else if (h->nchanges)
			r->changed++;
		else if (host_drift(h))
			r->drifted++;
		else
			r->unchanged++;
		if (h->nexpiring)
			r->expiring++;
		r->add += h->add;
		r->change += h->change;
		r->remove += h->remove;
		r->breaking += h->breaking;
	}
	qsort(r->hosts, r->nhosts, sizeof(*r->hosts), host_cmp);
}

void report_dispose(struct report *r)
{
	for (size_t i = 0; i < r->nhosts; i++) {
		struct report_host *h = &r->hosts[i];
		for (size_t j = 0; j < h->nerrors; j++)
			free(h->errors[j]);
		free(h->errors);
		for (size_t j = 0; j < h->nchanges; j++) {
			free(h->changes[j].address);
			free(h->changes[j].actions);
			free(h->changes[j].op);
			free(h->changes[j].sha256);
			free(h->changes[j].breaks);
		}
		free(h->changes);
		for (size_t j = 0; j < h->nexpiring; j++) {
			free(h->expiring[j].kind);
			free(h->expiring[j].name);
			free(h->expiring[j].not_after);
			free(h->expiring[j].stores);
		}
		free(h->expiring);
		report_rotations_dispose(h);
		free(h->host);
		free(h->file);
	}
	free(r->hosts);
	memset(r, 0, sizeof(*r));
}

static void summary(FILE *out, const struct report *r)
{
	fprintf(out, "%zu host%s: %zu with changes, ", r->nhosts, r->nhosts == 1 ? "" : "s",
		r->changed);
	if (r->drifted)
		fprintf(out, "%zu with drift (a restart pending or an endpoint refused), ",
			r->drifted);
	fprintf(out, "%zu without, %zu errored; %lld to add, %lld to change, %lld to remove.",
		r->unchanged, r->errored, r->add, r->change, r->remove);
	if (r->expiring)
		fprintf(out, " %zu host%s with a certificate within its renewal window.",
			r->expiring, r->expiring == 1 ? "" : "s");
	if (r->breaking)
		fprintf(out, " %lld step%s would break endpoints.", r->breaking,
			r->breaking == 1 ? "" : "s");
}

void report_render_text(FILE *out, const struct report *r)
{
	fputs("trustform report\n", out);
	for (size_t i = 0; i < r->nhosts; i++) {
		const struct report_host *h = &r->hosts[i];
		fprintf(out, "\nhost %s (%s): ", text_disp(h->host), text_disp(h->file));
		if (h->errored)
			fputs("ERROR", out);
		else if (!h->nchanges)
			fputs(host_drift(h) ? "no store changes, but clients would fail"
					    : "no changes",
			      out);
		else
			fprintf(out, "%lld to add, %lld to change, %lld to remove", h->add,
				h->change, h->remove);
		drift_text(out, h);
		fputs("\n", out);
		for (size_t j = 0; j < h->nerrors; j++)
			fprintf(out, "  ! %s\n", text_disp(h->errors[j]));
		for (size_t j = 0; j < h->nexpiring; j++) {
			struct buf b = BUF_INIT;
			expiring_text(&b, &h->expiring[j]);
			fprintf(out, "  warning: %s\n", text_disp(b.ptr));
			buf_dispose(&b);
		}
		report_rotations_text(out, h);
		for (size_t j = 0; j < h->nchanges; j++) {
			const struct report_change *c = &h->changes[j];
			fprintf(out, "  %3s %s", c->symbol, text_disp(c->address));
			if (c->sha256)
				fprintf(out, " sha256 %.16s…", text_disp(c->sha256));
			fputs("\n", out);
			if (c->breaks)
				fprintf(out, "      would break: %s%s\n", text_disp(c->breaks),
					c->nrefused ? " (apply refuses the step)" : "");
		}
	}
	fputs("\nReport: ", out);
	summary(out, r);
	fputs("\n", out);
}

void report_render_markdown(FILE *out, const struct report *r)
{
	fputs("### trustform report\n\n**", out);
	summary(out, r);
	fputs("**\n\n| host | status | + | ~ | - |\n|---|---|---|---|---|\n", out);
	for (size_t i = 0; i < r->nhosts; i++) {
		const struct report_host *h = &r->hosts[i];
		fprintf(out, "| %s | %s | %lld | %lld | %lld |\n", md_code(h->host, true),
			h->errored	? "**error**"
			: h->nchanges	? "changes"
			: host_drift(h) ? "**drift**"
					: "no changes",
			h->add, h->change, h->remove);
	}
	report_rotations_markdown(out, r);
	for (size_t i = 0; i < r->nhosts; i++) {
		const struct report_host *h = &r->hosts[i];
		if (!h->errored && !h->nchanges && !host_drift(h) && !h->nexpiring)
			continue;
		fprintf(out, "\n#### %s\n\n", md_code(h->host, false));
		if (h->restart_pending)
			fprintf(out, "- %lld restart(s) pending\n", h->restart_pending);
		if (h->endpoints_failing)
			fprintf(out, "- %lld endpoint(s) refused even after apply\n",
				h->endpoints_failing);
		for (size_t j = 0; j < h->nchanges; j++)
			if (h->changes[j].breaks)
				fprintf(out, "- %s would break: %s%s\n",
					md_code(h->changes[j].address, false),
					md_text(h->changes[j].breaks),
					h->changes[j].nrefused ? " (apply refuses the step)" : "");
		for (size_t j = 0; j < h->nerrors; j++)
			fprintf(out, "- error: %s\n", md_text(h->errors[j]));
		for (size_t j = 0; j < h->nexpiring; j++) {
			struct buf b = BUF_INIT;
			expiring_text(&b, &h->expiring[j]);
			fprintf(out, "- warning: %s\n", md_text(b.ptr));
			buf_dispose(&b);
		}
		if (!h->nchanges)
			continue;
		fputs(h->nerrors ? "\n" : "", out);
		fputs("| | resource | sha256 |\n|---|---|---|\n", out);
		for (size_t j = 0; j < h->nchanges; j++) {
			const struct report_change *c = &h->changes[j];
			char fp[17] = "";
			if (c->sha256)
				snprintf(fp, sizeof(fp), "%s", c->sha256);
			struct buf short_fp = BUF_INIT;
			if (c->sha256)
				buf_printf(&short_fp, "%s…", fp);
			fprintf(out, "| %s | %s | %s |\n", c->symbol, md_code(c->address, true),
				c->sha256 ? md_code(short_fp.ptr, true) : "");
			buf_dispose(&short_fp);
		}
	}
}

void report_render_json(FILE *out, const struct report *r, time_t now)
{
	json_t *o = render_json_head("report", now);
	json_t *hosts = json_array();
	for (size_t i = 0; i < r->nhosts; i++) {
		const struct report_host *h = &r->hosts[i];
		json_t *ho = json_object();
		json_object_set_new(ho, "host", json_string(h->host));
		json_object_set_new(ho, "file", json_string(h->file));
		json_object_set_new(ho, "status",
				    json_string(h->errored	? "errored"
						: h->nchanges	? "changed"
						: host_drift(h) ? "drift"
								: "unchanged"));
		json_object_set_new(ho, "restart_pending", json_integer(h->restart_pending));
		json_object_set_new(ho, "endpoints_failing", json_integer(h->endpoints_failing));
		json_object_set_new(ho, "breaking_steps", json_integer(h->breaking));
		json_t *errs = json_array();
		for (size_t j = 0; j < h->nerrors; j++)
			json_array_append_new(errs, json_string(h->errors[j]));
		json_object_set_new(ho, "errors", errs);
		json_t *s = json_object();
		json_object_set_new(s, "add", json_integer(h->add));
		json_object_set_new(s, "change", json_integer(h->change));
		json_object_set_new(s, "remove", json_integer(h->remove));
		json_object_set_new(ho, "change_summary", s);
		json_t *rc = json_array();
		for (size_t j = 0; j < h->nchanges; j++) {
			const struct report_change *c = &h->changes[j];
			json_t *co = json_object();
			json_object_set_new(co, "address", json_string(c->address));
			json_object_set_new(co, "symbol", json_string(c->symbol));
			json_object_set_new(co, "op", json_string(c->op));
			json_object_set_new(co, "sha256",
					    c->sha256 ? json_string(c->sha256) : json_null());
			json_object_set_new(co, "breaks", json_integer((json_int_t)c->nbreaks));
			json_array_append_new(rc, co);
		}
		json_object_set_new(ho, "resource_changes", rc);
		json_t *xs = json_array();
		for (size_t j = 0; j < h->nexpiring; j++) {
			const struct report_expiring *x = &h->expiring[j];
			json_t *xo = json_object();
			json_object_set_new(xo, "kind", json_string(x->kind));
			json_object_set_new(xo, "name", jtext_new(x->name));
			json_object_set_new(xo, "not_after", jtext_new(x->not_after));
			json_object_set_new(xo, "days_left", json_integer(x->days_left));
			json_object_set_new(xo, "stores", jtext_new(x->stores));
			json_array_append_new(xs, xo);
		}
		json_object_set_new(ho, "expiring", xs);
		if (h->nrotations)
			json_object_set_new(ho, "rotations", report_rotations_json(h));
		json_array_append_new(hosts, ho);
	}
	json_object_set_new(o, "hosts", hosts);
	json_t *s = json_object();
	json_object_set_new(s, "hosts", json_integer((json_int_t)r->nhosts));
	json_object_set_new(s, "changed", json_integer((json_int_t)r->changed));
	json_object_set_new(s, "unchanged", json_integer((json_int_t)r->unchanged));
	json_object_set_new(s, "drift", json_integer((json_int_t)r->drifted));
	json_object_set_new(s, "errored", json_integer((json_int_t)r->errored));
	json_object_set_new(s, "expiring", json_integer((json_int_t)r->expiring));
	json_object_set_new(s, "add", json_integer(r->add));
	json_object_set_new(s, "change", json_integer(r->change));
	json_object_set_new(s, "remove", json_integer(r->remove));
	json_object_set_new(s, "breaking_steps", json_integer(r->breaking));
	json_object_set_new(o, "change_summary", s);
	json_object_set_new(o, "changes_pending", json_boolean(r->changed + r->drifted > 0));
	json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	fputs("\n", out);
	json_decref(o);
}
