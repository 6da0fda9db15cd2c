/* Text rendering of a plan; see render.h. */
#include "reconcile/render.h"
#include "model/cert.h"
#include "reconcile/apply.h"
#include "reconcile/lifecycle.h"
#include "reconcile/verdict.h"
#include "schema/consumers.h"
#include "stores/storeopt.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define C_RESET	 "\033[0m"
#define C_BOLD	 "\033[1m"
#define C_GREEN	 "\033[32m"
#define C_RED	 "\033[31m"
#define C_YELLOW "\033[33m"

static const char *col(const struct render_opts *o, const char *code)
{
	return o->color ? code : "";
}

void render_short_fp(char out[20], const char *fphex)
{
	snprintf(out, 20, "%.12s…", fphex);
}

void render_header(FILE *out, const struct render_opts *o)
{
	fprintf(out, "%strustform %s · host %s · roles %s · config %s%s%s%s\n\n", col(o, C_BOLD),
		o->verb, o->host, o->roles && *o->roles ? o->roles : "(none)", o->origin,
		o->root && *o->root ? " · root " : "", o->root && *o->root ? o->root : "",
		col(o, C_RESET));
}

static void symbol(FILE *out, const struct render_opts *o, enum plan_action a)
{
	switch (a) {
	case ACT_CREATE:
		fprintf(out, "  %s+%s", col(o, C_GREEN), col(o, C_RESET));
		break;
	case ACT_DELETE:
		fprintf(out, "  %s-%s", col(o, C_RED), col(o, C_RESET));
		break;
	case ACT_UPDATE:
		fprintf(out, "  %s~%s", col(o, C_YELLOW), col(o, C_RESET));
		break;
	case ACT_REPLACE:
		fprintf(out, "%s-%s/%s+%s", col(o, C_RED), col(o, C_RESET), col(o, C_GREEN),
			col(o, C_RESET));
		break;
	}
}

static void attr(FILE *out, const struct render_opts *o, char sym, const char *key, const char *val)
{
	const char *c = sym == '+' ? C_GREEN : sym == '-' ? C_RED : C_YELLOW;
	fprintf(out, "      %s%c%s %-7s = \"%s\"\n", col(o, c), sym, col(o, C_RESET), key,
		text_disp(val));
}

static void attr_change(FILE *out, const struct render_opts *o, const char *key, const char *from,
			const char *to)
{
	fprintf(out, "      %s~%s %-7s = \"%s\" -> \"%s\"\n", col(o, C_YELLOW), col(o, C_RESET),
		key, text_disp(from), text_disp(to));
}

static void cert_attrs(FILE *out, const struct render_opts *o, char sym, const struct cert *c)
{
	char fp[20], date[11];
	render_short_fp(fp, c->fphex);
	cert_date(date, c->not_after);
	attr(out, o, sym, "sha256", fp);
	attr(out, o, sym, "subject", c->subject);
	attr(out, o, sym, "expires", date);
}

static const char *headline(const struct plan_step *st)
{
	switch (st->op) {
	case OP_ADD:
		return "will be added";
	case OP_ADD_DISTRUSTED:
		return "will be added as distrusted";
	case OP_REMOVE:
		return st->seen.fixed ? "will be deselected" : "will be removed";
	case OP_REPLACE:
		return "changed content under the same name";
	case OP_UPDATE:
		return "will be updated in place";
	case OP_RETRUST:
		return "will be trusted";
	case OP_DISTRUST:
		return "will be marked distrusted";
	case OP_REFRESH:
		return "generated files are out of date with their sources";
	case OP_ROOT_DRIFT:
		return "is not the root Caddy uses";
	case OP_REISSUE:
	case OP_SET:
		return st->finding && st->finding->headline ? st->finding->headline : "";
	}
	return "";
}

static void finding_lines(FILE *out, const struct render_opts *o, const struct trust_finding *f)
{
	for (size_t i = 0; i < f->nlines; i++) {
		const struct finding_line *l = &f->lines[i];
		if (l->sym == '#')
			fprintf(out, "      # %s%s%s\n", text_disp(l->key), *l->key ? " " : "",
				text_disp(l->value));
		else
			attr(out, o, l->sym, l->key, l->value);
	}
}

static void render_root_drift(FILE *out, const struct plan_store *ps, const struct plan_step *st,
			      const struct render_opts *o)
{
	const struct cert *want = st->ca->cert;
	const struct trust_entry *have = &st->seen;
	char fp[20], fp2[20], d1[11], d2[11];
	render_short_fp(fp, want->fphex);
	render_short_fp(fp2, have->fphex);
	fprintf(out, " root \"%s\" {\n", text_disp(st->name));
	attr_change(out, o, "sha256", fp, fp2);
	if (have->subject && strcmp(have->subject, want->subject))
		attr_change(out, o, "subject", want->subject, have->subject);
	cert_date(d1, want->not_after);
	cert_date(d2, have->not_after);
	if (strcmp(d1, d2))
		attr_change(out, o, "expires", d1, d2);
	fprintf(out, "      # Caddy's root now: sha256 %s\n", have->fphex);
	fprintf(out, "      #                   subject \"%s\"\n",
		text_disp(have->subject ? have->subject : "?"));
	fprintf(out, "      # trustform cannot give Caddy its old root back. Export the new one,\n"
		     "      # commit it beside the configuration, and apply again:\n");
	fprintf(out, "      #   %s\n",
		ps->actual.own_root_export ? ps->actual.own_root_export : "");
	fprintf(out, "    }\n");
}

static void render_step(FILE *out, const struct plan_store *ps, const struct plan_step *st,
			const struct render_opts *o)
{
	char fp[20], fp2[20];
	if (st->op == OP_REFRESH || st->op == OP_REISSUE || st->op == OP_SET)
		fprintf(out, "  # %s: %s\n", text_disp(ps->title), text_disp(headline(st)));
	else
		fprintf(out, "  # %s: %s %s\n", text_disp(ps->title), text_disp(st->name),
			headline(st));
	if (st->reason && st->op != OP_REPLACE)
		fprintf(out, "  # (%s)\n", text_disp(st->reason));
	for (size_t i = 0; i < st->nbreaks; i++)
		fprintf(out, "  # %swould break: %s%s%s\n", col(o, C_RED),
			text_disp(st->breaks[i].url), col(o, C_RESET),
			st->breaks[i].accepted ? " (accepted: accept_breaking lists it)"
					       : " (apply refuses this step: list it under the "
						 "CA's accept_breaking to accept)");
	if (st->refused)
		fprintf(out, "  # %s%s%s\n", col(o, C_RED), text_disp(st->refused),
			col(o, C_RESET));
	if (st->blocked)
		fprintf(out, "  # %sblocked by %s%s (apply refuses this step)\n", col(o, C_RED),
			text_disp(st->blocked), col(o, C_RESET));
	symbol(out, o, st->action);

	switch (st->op) {
	case OP_REFRESH:
		fprintf(out, " files \"%s\" {\n", text_disp(ps->address));
		for (const char *p = st->detail; p && *p;) {
			const char *nl = strchr(p, '\n');
			int n = nl ? (int)(nl - p) : (int)strlen(p);
			char *line = xstrndup(p, (size_t)n); /* one line of the detail */
			fprintf(out, "      %s~%s %s\n", col(o, C_YELLOW), col(o, C_RESET),
				text_disp(line));
			free(line);
			p += n + (nl ? 1 : 0);
		}
		fprintf(out, "    }\n");
		break;
	case OP_ADD:
	case OP_ADD_DISTRUSTED:
		fprintf(out, " ca \"%s\" {\n", text_disp(st->name));
		cert_attrs(out, o, '+', st->ca->cert);
		if (st->op == OP_ADD_DISTRUSTED)
			attr(out, o, '+', "trust", "distrusted");
		else if (ps->inst && ps->inst->want_flags)
			attr(out, o, '+', "trust", ps->inst->want_flags);
		fprintf(out, "    }\n");
		break;
	case OP_REMOVE:
		render_short_fp(fp, st->seen.fphex);
		fprintf(out, " ca \"%s\" {\n", text_disp(st->name));
		attr(out, o, '-', "sha256", fp);
		if (st->seen.subject)
			attr(out, o, '-', "subject", st->seen.subject);
		attr(out, o, '-', "entry", st->seen.where);
		if (st->seen.siblings)
			fprintf(out,
				"      # the file holds %zu other certificate(s); they go too\n",
				st->seen.siblings);
		fprintf(out, "    }\n");
		break;
	case OP_REPLACE:
		render_short_fp(fp, st->seen.fphex);
		render_short_fp(fp2, st->ca->cert->fphex);
		fprintf(out, " ca \"%s\" {\n", text_disp(st->name));
		attr_change(out, o, "sha256", fp, fp2);
		if (st->seen.subject && strcmp(st->seen.subject, st->ca->cert->subject))
			attr_change(out, o, "subject", st->seen.subject, st->ca->cert->subject);
		if (st->seen.not_after) {
			char d1[11], d2[11];
			cert_date(d1, st->seen.not_after);
			cert_date(d2, st->ca->cert->not_after);
			if (strcmp(d1, d2)) /* shown to the day: same day, no line */
				attr_change(out, o, "expires", d1, d2);
		}
		fprintf(out, "    }\n");
		break;
	case OP_UPDATE:
	case OP_RETRUST:
		render_short_fp(fp, st->seen.fphex);
		fprintf(out, " ca \"%s\" {\n", text_disp(st->name));
		if (strcmp(st->seen.label, st->name) && st->op == OP_UPDATE)
			attr_change(out, o, "name", st->seen.label, st->name);
		if (ps->inst && ps->inst->want_flags &&
		    (!st->seen.flags || strcmp(st->seen.flags, ps->inst->want_flags)))
			attr_change(out, o, "trust",
				    st->seen.flags ? st->seen.flags
						   : trust_state_name(st->seen.state),
				    ps->inst->want_flags);
		attr(out, o, ' ', "sha256", fp);
		fprintf(out, "    }\n");
		break;
	case OP_ROOT_DRIFT:
		render_root_drift(out, ps, st, o);
		break;
	case OP_REISSUE:
		fprintf(out, " issuance \"%s\" {\n", text_disp(st->name));
		finding_lines(out, o, st->finding);
		fprintf(out, "    }\n");
		break;
	case OP_SET:
		fprintf(out, " setting \"%s\" {\n", text_disp(st->name));
		if (st->finding->have)
			attr_change(out, o, "value", st->finding->have, st->finding->want);
		else
			attr(out, o, '+', "value", st->finding->want);
		finding_lines(out, o, st->finding);
		fprintf(out, "    }\n");
		break;
	case OP_DISTRUST:
		render_short_fp(fp, st->seen.fphex);
		fprintf(out, " ca \"%s\" {\n", text_disp(st->name));
		attr_change(out, o, "trust",
			    st->seen.flags ? st->seen.flags : trust_state_name(st->seen.state),
			    "distrusted");
		attr(out, o, ' ', "sha256", fp);
		attr(out, o, ' ', "entry", st->seen.where);
		fprintf(out, "    }\n");
		break;
	}
	fputc('\n', out);
}

/* What the store's change means for its consumers, and who still runs with
 * the old trust. */
static void render_consumers(FILE *out, const struct plan_store *ps, const struct render_opts *o)
{
	bool any = false;
	for (size_t k = 0; k < ps->nconsumers; k++) {
		const struct plan_consumer *c = &ps->consumers[k];
		const char *act = consumer_action_name(c->on_change);
		if (c->state == CONSUMER_PENDING) {
			fprintf(out, "  # %s: %s%s restart pending%s (%s)\n", text_disp(ps->title),
				col(o, C_YELLOW), text_disp(c->unit), col(o, C_RESET),
				text_disp(c->source));
			fprintf(out, "  #   %s\n", text_disp(c->detail));
			any = true;
		} else if (ps->n && c->manual) {
			fprintf(
			    out, "  # %s: then %s %s by hand (%s; the store says restart: false)\n",
			    text_disp(ps->title), act, text_disp(c->unit), text_disp(c->source));
			any = true;
		} else if (ps->n && !c->store_restarts) {
			fprintf(out, "  # %s: then %s %s (%s)%s\n", text_disp(ps->title), act,
				text_disp(c->unit), text_disp(c->source),
				o->under_root ? "; not under --root: do it where the image runs"
					      : "");
			any = true;
		}
	}
	if (any)
		fputc('\n', out);
}

/* Each certificate within its renewal window, once, with the stores that
 * depend on it (lifecycle.h): a warning, whatever the plan's steps. */
void render_expiring(FILE *out, const struct plan *p, const struct render_opts *o)
{
	struct expiring_list l;
	expiring_collect(&l, p);
	for (size_t i = 0; i < l.n; i++) {
		const struct expiring *g = &l.items[i];
		fprintf(out, "%sWarning:%s %s (%s", col(o, C_YELLOW), col(o, C_RESET),
			text_disp(g->e->message ? g->e->message : g->e->name),
			g->nstores > 1 ? "stores: " : "store: ");
		for (size_t j = 0; j < g->nstores; j++)
			fprintf(out, "%s%s", j ? ", " : "", text_disp(g->stores[j]));
		fputs(")\n", out);
	}
	if (l.n)
		fputc('\n', out);
	expiring_dispose(&l);
}

void render_plan(FILE *out, const struct plan *p, const struct render_opts *o)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_store *ps = &p->stores[i];
		for (size_t j = 0; j < ps->n; j++)
			render_step(out, ps, &ps->steps[j], o);
		if (ps->n && ps->actual.after)
			fprintf(out, "  # %s: then %s\n\n", text_disp(ps->title),
				text_disp(ps->actual.after));
		render_consumers(out, ps, o);
	}
	bool any_error = false;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_store *ps = &p->stores[i];
		for (size_t j = 0; j < ps->actual.nineffective; j++) {
			/* a runtime error of the store: with its position */
			char *t = plan_store_error(ps, ps->actual.ineffective[j]);
			fprintf(out, "%sError:%s %s: trust will not take effect: %s\n",
				col(o, C_RED), col(o, C_RESET), text_disp(ps->title), text_disp(t));
			free(t);
			any_error = true;
		}
	}
	if (any_error)
		fputc('\n', out);
	bool any_note = false;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_store *ps = &p->stores[i];
		for (size_t j = 0; j < ps->actual.nnotes; j++) {
			fprintf(out, "%sNote:%s %s: %s\n", col(o, C_BOLD), col(o, C_RESET),
				text_disp(ps->title), text_disp(ps->actual.notes[j]));
			any_note = true;
		}
		for (size_t k = 0; k < ps->nconsumers; k++) {
			const struct plan_consumer *c = &ps->consumers[k];
			if (c->state != CONSUMER_UNKNOWN)
				continue;
			fprintf(out, "%sNote:%s %s: consumer %s (%s): %s\n", col(o, C_BOLD),
				col(o, C_RESET), text_disp(ps->title), text_disp(c->unit),
				text_disp(c->source), text_disp(c->detail));
			any_note = true;
		}
	}
	if (any_note)
		fputc('\n', out);
	render_expiring(out, p, o);
}

void render_summary(FILE *out, const struct plan *p, const struct verdict *v,
		    const struct render_opts *o)
{
	if (!verdict_drift(v)) {
		if (p->failed_stores)
			fprintf(out,
				"No changes in the stores that could be read; %zu store(s) "
				"failed or will not take effect (see the errors above).\n",
				p->failed_stores);
		else
			fprintf(out, "%sNo changes.%s Trust stores match the configuration.\n",
				col(o, C_GREEN), col(o, C_RESET));
		return;
	}
	if (plan_has_changes(p))
		fprintf(out, "%sPlan:%s %zu to add, %zu to change, %zu to destroy.\n",
			col(o, C_BOLD), col(o, C_RESET), p->counts.add, p->counts.change,
			p->counts.destroy);
	else
		fprintf(out, "%sNo changes to the stores, but clients would fail.%s\n",
			col(o, C_YELLOW), col(o, C_RESET));
	if (v->pending_restarts)
		fprintf(out,
			"%sRestart pending:%s %zu service(s) still run with the old trust "
			"(see above).\n",
			col(o, C_YELLOW), col(o, C_RESET), v->pending_restarts);
	if (v->endpoints_failing)
		fprintf(out, "%sEndpoints refused:%s %zu endpoint(s) %s (see above).\n",
			col(o, C_RED), col(o, C_RESET), v->endpoints_failing,
			plan_has_changes(p) ? "would be refused by their clients even after apply"
					    : "are refused by their clients now");
	if (p->failed_stores)
		fprintf(out,
			"%zu store(s) failed or will not take effect (see the errors "
			"above).\n",
			p->failed_stores);
}

void render_store_errors(FILE *out, const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->stores[i].error)
			fprintf(out, "trustform: error: %s: %s\n", text_disp(p->stores[i].title),
				text_disp(p->stores[i].error));
}

void apply_render_summary(FILE *out, const struct plan *p, const struct apply_result *res,
			  const struct render_opts *o)
{
	const char *bold = o->color ? "\033[1m" : "", *reset = o->color ? "\033[0m" : "";
	if (!res->failed_stores) {
		fprintf(out,
			"\n%sApply complete!%s Resources: %zu added, %zu changed, %zu "
			"destroyed.\n",
			o->color ? "\033[1;32m" : "", reset, res->done.add, res->done.change,
			res->done.destroy);
		return;
	}
	fprintf(out, "\n%sApply failed%s in %zu store(s):", bold, reset, res->failed_stores);
	const char *sep = " ";
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_store *ps = &p->stores[i];
		bool failed = plan_store_failed(ps) || ps->apply_error;
		for (size_t j = 0; j < ps->n && !failed; j++)
			failed = plan_step_failed(&ps->steps[j]);
		for (size_t j = 0; j < ps->nconsumers && !failed; j++)
			failed = ps->consumers[j].result == STEP_FAILED; /* its restart */
		if (failed) {
			fprintf(out, "%s%s", sep, text_disp(ps->title));
			sep = ", ";
		}
	}
	fprintf(out, ". Resources: %zu added, %zu changed, %zu destroyed.\n", res->done.add,
		res->done.change, res->done.destroy);
	/* "plan again" is not like other failures: nothing is wrong but the timing */
	const char *stale_sep = "";
	bool any_stale = false;
	for (size_t i = 0; i < p->n; i++)
		any_stale |= p->stores[i].stale_plan;
	if (any_stale) {
		fprintf(out, "Changed since the plan was made: ");
		for (size_t i = 0; i < p->n; i++)
			if (p->stores[i].stale_plan) {
				fprintf(out, "%s%s", stale_sep, p->stores[i].title);
				stale_sep = ", ";
			}
		fprintf(out, ". What changed there was not touched; run trustplan again, "
			     "review, and apply the new plan.\n");
	}
}
