/* The steps of a plan; see step.h. */
#include "model/step.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void plan_step_fail(struct plan_step *st, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(st->error);
	st->error = buf_detach(&b);
	st->result = STEP_FAILED;
	/* failed with the current error, which says the store changed since the plan */
	st->stale_plan = err_code() == TF_EMODIFIED && strstr(st->error, err_msg());
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
	for (size_t i = 0; i < ps->n; i++) {
		struct plan_step *st = &ps->steps[i];
		if (st->result != STEP_PENDING)
			continue;
		if (committed)
			st->result = STEP_DONE;
		else
			plan_step_fail(st, "%s", err_msg());
	}
	return committed ? rc : -1;
}

void plan_steps_fail_pending(struct plan_store *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->steps[i].result == STEP_PENDING)
			plan_step_fail(&ps->steps[i], "%s", err_msg());
}
