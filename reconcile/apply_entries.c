/*
 * The generic apply of an entry store (stores/store.h, struct
 * store_entry_kind): one operation per step, every store's operations handed
 * over before the first store is finished (so that the NSS children of many
 * databases run in parallel), and each step's outcome set here, from its
 * operation's code alone: 0 done, TF_EMODIFIED stale, anything else failed.
 */
#include "reconcile/apply_entries.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct entry_batch {
	struct store_entry_ops ops;
	size_t *step; /* operation i is the step step[i] */
};

static char *label(const struct store_entry_kind *k, const struct plan_step *st)
{
	return xasprintf("%s%s", k->label_prefix ? k->label_prefix : "", st->ca->name);
}

/* The operation a step is, or false when it is none (the step has ended). */
static bool map_op(struct store_inst *s, struct plan_step *st, struct store_entry_op *op)
{
	const struct store_entry_kind *k = s->backend->entries;
	const char *trusted = s->want_flags;
	bool needs_ca = st->op == OP_ADD || st->op == OP_ADD_DISTRUSTED || st->op == OP_REPLACE ||
			st->op == OP_UPDATE;
	memset(op, 0, sizeof(*op));
	if ((needs_ca && (!st->ca || !st->ca->cert)) ||
	    (st->op != OP_ADD && st->op != OP_ADD_DISTRUSTED && !st->has_seen)) {
		plan_step_unexpected(st);
		plan_step_fail_err(st);
		return false;
	}
	op->seen = st->has_seen ? &st->seen : NULL;
	switch (st->op) {
	case OP_ADD:
	case OP_ADD_DISTRUSTED:
	case OP_REPLACE:
		op->op = ENTRY_ADD;
		op->cert = st->ca->cert;
		op->label = label(k, st);
		op->flags = st->op == OP_ADD_DISTRUSTED ? k->distrust_flags : trusted;
		if (st->op != OP_REPLACE)
			op->seen = NULL;
		return true;
	case OP_REMOVE:
		op->op = ENTRY_REMOVE;
		return true;
	case OP_UPDATE:
		op->op = ENTRY_SET_TRUST;
		op->label = label(k, st);
		op->flags = trusted;
		return true;
	case OP_RETRUST:
	case OP_DISTRUST:
		op->op = ENTRY_SET_TRUST;
		op->flags = st->op == OP_DISTRUST ? k->distrust_flags : trusted;
		return true;
	case OP_REFRESH: /* an entry store derives no files */
	case OP_ROOT_DRIFT:
	case OP_REISSUE:
	case OP_SET:
		break;
	}
	plan_step_unexpected(st);
	plan_step_fail_err(st);
	return false;
}

static bool map_step(struct store_inst *s, struct plan_step *st, struct store_entry_op *op)
{
	if (!map_op(s, st, op))
		return false;
	if (op->flags || op->op == ENTRY_REMOVE)
		return true;
	/* the store said no trust it wants (read never ran) */
	plan_step_fail(st, "%s has no trust flags to give \"%s\"; run trustplan again", s->title,
		       st->name);
	free(op->label);
	op->label = NULL;
	return false;
}

struct entry_batch *apply_entries_begin(struct store_inst *s, struct plan_store *ps)
{
	const struct store_entry_kind *k = s->backend->entries;
	struct entry_batch *b = xcalloc(1, sizeof(*b));
	b->ops.op = xcalloc(ps->n ? ps->n : 1, sizeof(*b->ops.op));
	b->step = xcalloc(ps->n ? ps->n : 1, sizeof(*b->step));
	for (size_t j = 0; j < ps->n; j++) {
		struct plan_step *st = &ps->steps[j];
		if (st->result != STEP_PENDING)
			continue;
		if (map_step(s, st, &b->ops.op[b->ops.n]))
			b->step[b->ops.n++] = j;
	}
	if (k->begin && b->ops.n)
		k->begin(s, &b->ops);
	return b;
}

void apply_entries_drop(struct entry_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->ops.n; i++) {
		free(b->ops.op[i].label);
		free(b->ops.op[i].why);
	}
	free(b->ops.op);
	free(b->step);
	free(b);
}

int apply_entries(struct store_inst *s, struct plan_store *ps, struct entry_batch *b)
{
	if (!b)
		b = apply_entries_begin(s, ps);
	int rc = b->ops.n ? s->backend->entries->run(s, &b->ops) : 0;
	bool whole = rc < 0 && err_code() != TF_OK, failed = false;
	for (size_t i = 0; i < b->ops.n; i++) {
		const struct store_entry_op *op = &b->ops.op[i];
		if (op->ended) /* the outcome from the code alone */
			plan_step_end(&ps->steps[b->step[i]], op->code, "%s",
				      op->why ? op->why : "failed");
	}
	for (size_t j = 0; j < ps->n; j++)
		failed = failed || plan_step_failed(&ps->steps[j]);
	apply_entries_drop(b);
	/* the store's own failure: the steps still pending take it */
	if (whole && plan_steps_fail_pending(ps))
		return -1;
	return whole || failed ? -1 : 0;
}
