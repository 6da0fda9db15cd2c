/* The applier; see apply.h. */
#include "reconcile/apply.h"
#include "reconcile/apply_entries.h"
#include "reconcile/apply_files.h"
#include "stores/store.h"
#include "stores/storeopt.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/progress.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <string.h>

static const char *done_word(const struct plan_step *st)
{
	switch (st->op) {
	case OP_ADD:
		return "added";
	case OP_ADD_DISTRUSTED:
		return "added as distrusted";
	case OP_REMOVE:
		return st->seen.fixed ? "deselected" : "removed";
	case OP_REPLACE:
		return "replaced";
	case OP_UPDATE:
		return "updated";
	case OP_RETRUST:
		return "trusted";
	case OP_DISTRUST:
		return "marked distrusted";
	case OP_REFRESH:
		return "regenerated";
	case OP_ROOT_DRIFT:
		return "matched";
	case OP_REISSUE:
		return "reissued";
	case OP_SET:
		return "set";
	}
	return "done";
}

static void count(struct plan_counts *c, enum plan_action a)
{
	switch (a) {
	case ACT_CREATE:
		c->add++;
		break;
	case ACT_UPDATE:
		c->change++;
		break;
	case ACT_DELETE:
		c->destroy++;
		break;
	case ACT_REPLACE:
		c->add++;
		c->destroy++;
		break;
	}
}

/* Written as planned, and still not in effect: the store fails the run. */
static void print_ineffective(FILE *out, const struct plan_store *ps)
{
	for (size_t i = 0; i < ps->actual.nineffective; i++) {
		char *t = plan_store_error(ps, ps->actual.ineffective[i]);
		fprintf(out, "%s: trust will not take effect: %s\n", text_disp(ps->title),
			text_disp(t));
		free(t);
	}
}

/* Give a store's runtime error its position (one helper). */
static void locate(const struct plan_store *ps, char **msg)
{
	char *t = plan_store_error(ps, *msg);
	free(*msg);
	*msg = t;
}

/* The one rule for what a store's apply leaves (stores/store.h): a step that
 * failed has its own outcome; -1 with an error still current is the store's
 * own failure, which every step still pending takes (stale for TF_EMODIFIED),
 * or, when none is pending, the store's apply error; a step a store left
 * pending without any error was not done. Outcomes follow from codes only. */
void apply_settle(struct plan_store *ps, int rc)
{
	if (rc < 0 && err_code() != TF_OK) {
		if (err_code() == TF_EMODIFIED)
			ps->stale_plan = true;
		if (!plan_steps_fail_pending(ps))
			ps->apply_error = xstrdup(err_msg());
	}
	for (size_t j = 0; j < ps->n; j++) {
		struct plan_step *st = &ps->steps[j];
		if (st->result == STEP_PENDING)
			plan_step_fail(st, "not done: %s stopped before this step", ps->title);
		if (st->result == STEP_STALE)
			ps->stale_plan = true;
		if (plan_step_failed(st))
			locate(ps, &st->error);
	}
	if (ps->apply_error)
		locate(ps, &ps->apply_error);
	err_clear();
}

/* Whether apply refuses the step itself: the planner refused its op for this
 * store, or it would break an endpoint nobody accepted. */
static bool held(const struct plan_step *st)
{
	return st->refused || plan_step_break_refused(st);
}

/* Steps apply refuses go last, out of the store's sight (ps->n counts the
 * others); returns how many steps there are. */
static size_t hold_refused(struct plan_store *ps)
{
	size_t total = ps->n, k = 0;
	if (!total)
		return 0;
	struct plan_step *tmp = xcalloc(total, sizeof(*tmp));
	for (size_t pass = 0; pass < 2; pass++)
		for (size_t j = 0; j < total; j++)
			if (held(&ps->steps[j]) == (pass == 1))
				tmp[k++] = ps->steps[j];
	memcpy(ps->steps, tmp, total * sizeof(*tmp));
	free(tmp);
	for (ps->n = 0; ps->n < total && !held(&ps->steps[ps->n]); ps->n++)
		;
	return total;
}

/* The held steps come back, failed: with the planner's refusal, or a message
 * that names the CA, the endpoints and the fix. Returns how many. */
static size_t refuse_held(struct plan_store *ps, size_t total)
{
	size_t n = total - ps->n;
	for (size_t j = ps->n; j < total; j++) {
		struct plan_step *st = &ps->steps[j];
		if (st->refused) {
			plan_step_fail(st, "%s", st->refused);
			continue;
		}
		if (st->blocked) {
			plan_step_fail(st, "refused: %s CA \"%s\" is blocked by %s",
				       st->op == OP_DISTRUST ? "distrusting" : "removing", st->name,
				       st->blocked);
			continue;
		}
		struct buf urls = BUF_INIT, list = BUF_INIT;
		for (size_t k = 0; k < st->nbreaks; k++) {
			buf_printf(&urls, "%s%s", urls.len ? ", " : "", st->breaks[k].url);
			if (!st->breaks[k].accepted)
				buf_printf(&list, "%s%s", list.len ? ", " : "", st->breaks[k].url);
		}
		plan_step_fail(st,
			       "refused: %s CA \"%s\" would break %s, whose chain ends at "
			       "it; serve those endpoints from a CA that stays trusted, or "
			       "accept the break on the CA%s: accept_breaking: [%s]",
			       st->op == OP_DISTRUST ? "distrusting" : "removing", st->name,
			       urls.ptr, st->ca ? "" : " (keep it under cas: with ensure: absent)",
			       list.ptr);
		buf_dispose(&urls);
		buf_dispose(&list);
	}
	ps->n = total;
	return n;
}

static bool is_system(const struct plan_store *ps)
{
	return ps->inst && store_reads(ps->inst->conf, STORE_READ_SYSTEM);
}

/* The order stores are applied in: the system stores first, since an env
 * store's system_set copies the bundle they write (stores/files/envbundle.h);
 * the others as planned. */
static size_t *apply_order(const struct plan *p)
{
	size_t *order = xcalloc(p->n ? p->n : 1, sizeof(*order)), k = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->n; i++)
			if (is_system(&p->stores[i]) == (pass == 0))
				order[k++] = i;
	return order;
}

void apply_plan(struct plan *p, FILE *out, struct apply_result *res)
{
	memset(res, 0, sizeof(*res));
	size_t todo = 0, done = 0;
	size_t *total = xcalloc(p->n ? p->n : 1, sizeof(*total));
	/* an entry store's operations, begun for every store before the first
	 * store is finished (the NSS children run in parallel) */
	struct entry_batch **batches = xcalloc(p->n ? p->n : 1, sizeof(*batches));
	for (size_t i = 0; i < p->n; i++)
		total[i] = p->stores[i].error ? p->stores[i].n : hold_refused(&p->stores[i]);
	for (size_t i = 0; i < p->n; i++) {
		struct plan_store *ps = &p->stores[i];
		if (ps->error || !ps->n)
			continue;
		todo++;
		if (ps->inst->backend->entries)
			batches[i] = apply_entries_begin(ps->inst, ps);
	}
	size_t *order = apply_order(p);
	for (size_t k = 0; k < p->n; k++) {
		size_t i = order[k];
		struct plan_store *ps = &p->stores[i];
		if (ps->error) {
			res->failed_stores++;
			continue;
		}
		if (!ps->n && total[i] == 0) {
			if (plan_store_failed(ps)) {
				res->failed_stores++;
				print_ineffective(out, ps);
			}
			continue;
		}
		err_clear();
		int rc = 0;
		if (ps->n) {
			if (todo > 1)
				progress_show("applying", ps->address, ++done, todo);
			const struct store_backend *be = ps->inst->backend;
			rc = be->file	   ? apply_files(ps->inst, ps)
			     : be->entries ? apply_entries(ps->inst, ps, batches[i])
					   : be->apply(ps->inst, ps);
			batches[i] = NULL;
			progress_done();
			apply_settle(ps, rc);
		}
		bool step_failed = false;
		if (refuse_held(ps, total[i])) {
			step_failed = true;
			for (size_t j = 0; j < ps->n; j++)
				if (!ps->steps[j].refused && plan_step_break_refused(&ps->steps[j]))
					locate(ps, &ps->steps[j].error);
		}
		for (size_t j = 0; j < ps->n; j++) {
			struct plan_step *st = &ps->steps[j];
			const char *what = plan_step_resource(st);
			const char *name = st->op == OP_REFRESH ? ps->address : st->name;
			if (st->result == STEP_DONE) {
				fprintf(out, "%s: %s \"%s\": %s\n", text_disp(ps->title), what,
					text_disp(name), done_word(st));
				count(&res->done, st->action);
			} else if (plan_step_failed(st)) {
				fprintf(out, "%s: %s \"%s\": failed: %s\n", text_disp(ps->title),
					what, text_disp(name), text_disp(st->error));
				step_failed = true;
			}
		}
		if (ps->apply_note)
			fprintf(out, "%s: %s\n", text_disp(ps->title), text_disp(ps->apply_note));
		if (ps->apply_error)
			fprintf(out, "%s: failed: %s\n", text_disp(ps->title),
				text_disp(ps->apply_error));
		print_ineffective(out, ps);
		if (rc < 0 || step_failed || ps->apply_error || plan_store_failed(ps))
			res->failed_stores++;
	}
	for (size_t i = 0; i < p->n; i++)
		apply_entries_drop(batches[i]);
	free(batches);
	free(order);
	free(total);
}
