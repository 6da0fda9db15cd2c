/* The "would a client fail" predicate; see verdict.h. */
#include "reconcile/verdict.h"
#include "reconcile/check.h"
#include "util/buf.h"

#include <string.h>

void verdict_make(struct verdict *v, const struct plan *p, const struct check_report *rep)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < p->n; i++)
		v->changes += p->stores[i].n;
	v->failed_stores = p->failed_stores;
	v->pending_restarts = p->pending_restarts;
	if (rep) {
		v->endpoints_failing = rep->failing;
		v->endpoints_unchecked = rep->errors;
	}
}

bool verdict_drift(const struct verdict *v)
{
	return v->changes || v->pending_restarts || v->endpoints_failing;
}

char *verdict_text(const struct verdict *v)
{
	struct buf b = BUF_INIT;
	if (v->changes)
		buf_printf(&b, "%zu change%s to the stores", v->changes,
			   v->changes == 1 ? "" : "s");
	if (v->pending_restarts)
		buf_printf(&b, "%s%zu restart%s pending", b.len ? ", " : "", v->pending_restarts,
			   v->pending_restarts == 1 ? "" : "s");
	if (v->endpoints_failing)
		buf_printf(&b, "%s%zu endpoint%s refused even after apply", b.len ? ", " : "",
			   v->endpoints_failing, v->endpoints_failing == 1 ? "" : "s");
	if (!b.len)
		buf_puts(&b, "nothing");
	return buf_detach(&b);
}
