/* Helpers shared by store types; see storeopt.h. */
#include "stores/storeopt.h"
#include "reconcile/plan.h"
#include "stores/files/pemfile.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

char *store_opt_pos(const struct conf_store *cs, const char *key)
{
	const struct ynode *n = key ? conf_store_node(cs, key) : NULL;
	if (n)
		return xasprintf("%s:%d:%d", cs->config_file, n->line, n->col);
	return xasprintf("%s:%d:%d", cs->config_file, cs->pos.line, cs->pos.col);
}

int store_finish_steps(struct plan_store *ps, struct fs_txn *txn, int rc, bool *done)
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

void store_fail_pending(struct plan_store *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->steps[i].result == STEP_PENDING)
			plan_step_fail(&ps->steps[i], "%s", err_msg());
}

static int parent_dir(const char *host)
{
	char *dir = xstrdup(host);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) {
		*slash = '\0';
		rc = mkdir_p(dir, 0755);
		if (rc == 0)
			cleanup_stale_temps(dir);
	}
	free(dir);
	return rc;
}

int store_apply_pem_file(struct plan_store *ps, const char *host, const char *shown)
{
	struct pem_file f;
	struct fs_txn txn;
	bool changed;
	fs_txn_init(&txn);
	int rc = parent_dir(host);
	if (rc == 0)
		rc = pem_file_load(&f, host, shown);
	else
		memset(&f, 0, sizeof(f));
	if (rc < 0) {
		for (size_t i = 0; i < ps->n; i++)
			plan_step_fail(&ps->steps[i], "%s", err_msg());
	} else {
		rc = pem_file_apply(&f, ps, &txn, &changed);
		rc = store_finish_steps(ps, &txn, rc, NULL);
	}
	fs_txn_dispose(&txn);
	pem_file_dispose(&f);
	return rc;
}
