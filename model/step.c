/* The steps of a plan; see step.h. */
#include "model/step.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void end_v(struct plan_step *st, int code, const char *fmt, va_list ap)
{
	free(st->error);
	st->error = NULL;
	if (code == TF_OK) {
		st->result = STEP_DONE;
		return;
	}
	struct buf b = BUF_INIT;
	buf_vprintf(&b, fmt, ap);
	st->error = buf_detach(&b);
	st->result = code == TF_EMODIFIED ? STEP_STALE : STEP_FAILED;
}

void plan_step_end(struct plan_step *st, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	end_v(st, code, fmt, ap);
	va_end(ap);
}

void plan_step_fail(struct plan_step *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	end_v(st, TF_ERROR, fmt, ap);
	va_end(ap);
}

void plan_step_fail_err(struct plan_step *st)
{
	plan_step_end(st, err_code() == TF_EMODIFIED ? TF_EMODIFIED : TF_ERROR, "%s", err_msg());
	err_clear();
}

int plan_step_unexpected(const struct plan_step *st)
{
	err_set("step \"%s\" (%s): the store has no such operation, and the plan should "
		"have refused it; this is a bug in trustform, please report it",
		st->name ? st->name : "", plan_op_name(st->op));
	return -1;
}

bool plan_step_failed(const struct plan_step *st)
{
	return st->result == STEP_FAILED || st->result == STEP_STALE;
}

const char *plan_action_symbol(enum plan_action a)
{
	switch (a) {
	case ACT_CREATE:
		return "+";
	case ACT_UPDATE:
		return "~";
	case ACT_DELETE:
		return "-";
	case ACT_REPLACE:
		return "-/+";
	}
	return "?";
}

const char *plan_op_name(enum plan_op op)
{
	switch (op) {
	case OP_ADD:
		return "add";
	case OP_REMOVE:
		return "remove";
	case OP_REPLACE:
		return "replace";
	case OP_UPDATE:
		return "update";
	case OP_RETRUST:
		return "retrust";
	case OP_DISTRUST:
		return "distrust";
	case OP_ADD_DISTRUSTED:
		return "add-distrusted";
	case OP_REFRESH:
		return "refresh";
	case OP_ROOT_DRIFT:
		return "root-drift";
	case OP_REISSUE:
		return "reissue";
	case OP_SET:
		return "set";
	}
	return "?";
}

int plan_steps_finish(struct plan_store *ps, struct fs_txn *txn, int rc, bool *done)
{
	bool committed = fs_txn_commit(txn) == 0;
	if (done)
		*done = committed;
	if (!committed) {
		plan_steps_fail_pending(ps);
		return -1;
	}
	for (size_t i = 0; i < ps->n; i++)
		if (ps->steps[i].result == STEP_PENDING)
			ps->steps[i].result = STEP_DONE;
	return rc;
}

size_t plan_steps_fail_pending(struct plan_store *ps)
{
	int code = err_code() == TF_EMODIFIED ? TF_EMODIFIED : TF_ERROR;
	size_t n = 0;
	for (size_t i = 0; i < ps->n; i++)
		if (ps->steps[i].result == STEP_PENDING) {
			plan_step_end(&ps->steps[i], code, "%s", err_msg());
			n++;
		}
	if (n)
		err_clear();
	return n;
}

void plan_step_add_break(struct plan_step *st, const char *url, bool accepted)
{
	for (size_t i = 0; i < st->nbreaks; i++)
		if (!strcmp(st->breaks[i].url, url))
			return;
	st->breaks = xrealloc(st->breaks, (st->nbreaks + 1) * sizeof(*st->breaks));
	st->breaks[st->nbreaks++] = (struct step_break){xstrdup(url), accepted};
}

bool plan_step_break_refused(const struct plan_step *st)
{
	if (st->blocked)
		return true;
	for (size_t i = 0; i < st->nbreaks; i++)
		if (!st->breaks[i].accepted)
			return true;
	return false;
}
