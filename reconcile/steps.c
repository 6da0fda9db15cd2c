/* Step results at apply time; see steps.h. */
#include "reconcile/steps.h"
#include "util/err.h"

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
