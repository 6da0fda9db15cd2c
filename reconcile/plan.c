/*
 * The plan's data: stores, steps, counts and names. The diff that makes the
 * steps is reconcile/diff.c.
 */
#include "reconcile/plan.h"
#include "model/cert.h"
#include "stores/storeopt.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

static void step_dispose(struct plan_step *st)
{
	free(st->name);
	free(st->reason);
	free(st->detail);
	free(st->error);
	free(st->refused);
	for (size_t i = 0; i < st->nbreaks; i++)
		free(st->breaks[i].url);
	free(st->breaks);
	free(st->blocked);
	if (st->has_seen)
		trust_entry_dispose(&st->seen);
}

void plan_dispose(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct plan_store *ps = &p->stores[i];
		for (size_t j = 0; j < ps->n; j++)
			step_dispose(&ps->steps[j]);
		free(ps->steps);
		trust_set_dispose(&ps->actual);
		store_inst_free(ps->inst);
		free(ps->address);
		free(ps->title);
		free(ps->error);
		free(ps->apply_error);
		free(ps->apply_note);
		for (size_t j = 0; j < ps->nconsumers; j++) {
			free(ps->consumers[j].unit);
			free(ps->consumers[j].source);
			free(ps->consumers[j].detail);
			free(ps->consumers[j].error);
		}
		free(ps->consumers);
		expiry_list_dispose(&ps->expiring);
	}
	free(p->stores);
	plan_init(p);
}

struct plan_store *plan_add_store(struct plan *p, struct store_inst *inst, const char *address,
				  const char *title)
{
	ARRAY_GROW(p->stores, p->n + 1, p->alloc);
	struct plan_store *ps = &p->stores[p->n++];
	memset(ps, 0, sizeof(*ps));
	ps->inst = inst;
	ps->conf = inst ? inst->conf : NULL;
	ps->address = xstrdup(address);
	ps->title = xstrdup(title);
	trust_set_init(&ps->actual);
	return ps;
}

static struct plan_step *add_step(struct plan_store *ps, enum plan_action action, enum plan_op op,
				  const char *name, const struct conf_ca *ca,
				  const struct trust_entry *seen)
{
	ARRAY_GROW(ps->steps, ps->n + 1, ps->alloc);
	struct plan_step *st = &ps->steps[ps->n++];
	memset(st, 0, sizeof(*st));
	st->action = action;
	st->op = op;
	st->name = xstrdup(name);
	st->ca = ca;
	if (seen) {
		st->has_seen = true;
		trust_entry_copy(&st->seen, seen);
	}
	return st;
}

struct plan_step *plan_store_add_step(struct plan_store *ps, enum plan_action action,
				      enum plan_op op, const char *name, const struct conf_ca *ca,
				      const struct trust_entry *seen)
{
	return add_step(ps, action, op, name, ca, seen);
}

void plan_store_clear_steps(struct plan_store *ps)
{
	for (size_t j = 0; j < ps->n; j++)
		step_dispose(&ps->steps[j]);
	ps->n = 0;
}

void plan_count(struct plan *p)
{
	memset(&p->counts, 0, sizeof(p->counts));
	p->failed_stores = 0;
	p->pending_restarts = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct plan_store *ps = &p->stores[i];
		if (plan_store_failed(ps))
			p->failed_stores++;
		for (size_t j = 0; j < ps->nconsumers; j++)
			if (ps->consumers[j].state == CONSUMER_PENDING)
				p->pending_restarts++;
		for (size_t j = 0; j < ps->n; j++) {
			switch (ps->steps[j].action) {
			case ACT_CREATE:
				p->counts.add++;
				break;
			case ACT_UPDATE:
				p->counts.change++;
				break;
			case ACT_DELETE:
				p->counts.destroy++;
				break;
			case ACT_REPLACE:
				p->counts.add++;
				p->counts.destroy++;
				break;
			}
		}
	}
}

bool plan_store_failed(const struct plan_store *ps)
{
	return ps->error || ps->actual.nineffective;
}

bool plan_store_changed(const struct plan_store *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->steps[i].result == STEP_DONE)
			return true;
	return false;
}

bool plan_has_changes(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->stores[i].n)
			return true;
	return false;
}

const char *plan_step_resource(const struct plan_step *st)
{
	switch (st->op) {
	case OP_REFRESH:
		return "files";
	case OP_ROOT_DRIFT:
		return "root";
	case OP_REISSUE:
		return "issuance";
	case OP_SET:
		return "setting";
	default:
		return "ca";
	}
}

char *plan_store_error(const struct plan_store *ps, const char *msg)
{
	return store_error_text(ps->conf, msg);
}
