/* Metrics and syslog summary of a drift check; see drift.h. */
#include "reconcile/drift.h"
#include "model/cert.h"
#include "reconcile/check.h"
#include "reconcile/lifecycle.h"
#include "reconcile/metrics.h"
#include "reconcile/verdict.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

/* "; EXPIRING: CA "x" expires on 2026-12-12 (system, app)", and the
 * priority raised to warning: a certificate within its renewal window. */
static void expiring_part(const struct run *r, struct buf *b, int *prio)
{
	struct expiring_list l;
	expiring_collect(&l, &r->plan);
	for (size_t i = 0; i < l.n; i++) {
		const struct trust_expiry *e = l.items[i].e;
		char date[11];
		cert_date(date, e->not_after);
		buf_printf(b, "%s%s \"%s\" %s %s (",
			   i ? ", " : "; EXPIRING: ", expiry_kind_title(e->kind), e->name,
			   e->not_after <= r->opt.now ? "expired on" : "expires on", date);
		for (size_t j = 0; j < l.items[i].nstores; j++)
			buf_printf(b, "%s%s", j ? ", " : "", l.items[i].stores[j]);
		buf_putc(b, ')');
	}
	if (l.n && *prio == LOG_INFO)
		*prio = LOG_WARNING;
	expiring_dispose(&l);
}

static void summary_line(const struct run *r, bool failed, struct buf *b, int *prio)
{
	const char *host = r->ctx.host ? r->ctx.host : r->opt.host ? r->opt.host : "?";
	const char *origin = r->cfg	      ? r->cfg->origin
			     : r->opt.git_url ? r->opt.git_url
			     : r->opt.config  ? r->opt.config
					      : "?";
	buf_printf(b, "trustform %s on %s: ", r->opt.operation, host);
	struct verdict v;
	verdict_make(&v, &r->plan, r->check);
	if (!r->planned) {
		*prio = LOG_ERR;
		buf_printf(b, "ERROR: %s", r->failure ? r->failure : "the run failed");
	} else if (r->plan.failed_stores || failed) {
		*prio = LOG_ERR;
		buf_printf(b, "ERROR: %zu store(s) failed:", r->plan.failed_stores);
		for (size_t i = 0; i < r->plan.n; i++)
			if (plan_store_failed(&r->plan.stores[i]))
				buf_printf(b, " %s", r->plan.stores[i].address);
		if (r->failure)
			buf_printf(b, "; %s", r->failure);
	} else if (verdict_drift(&v)) {
		*prio = LOG_WARNING;
		buf_printf(b, "DRIFT: %zu to add, %zu to change, %zu to destroy",
			   r->plan.counts.add, r->plan.counts.change, r->plan.counts.destroy);
		if (v.pending_restarts)
			buf_printf(b, "; %zu restart(s) pending", v.pending_restarts);
		if (v.endpoints_failing)
			buf_printf(b, "; %zu endpoint(s) refused even after apply",
				   v.endpoints_failing);
		const char *sep = " (";
		for (size_t i = 0; i < r->plan.n; i++) {
			const struct plan_store *ps = &r->plan.stores[i];
			if (ps->n) {
				buf_printf(b, "%s%s: %zu", sep, ps->address, ps->n);
				sep = ", ";
			}
			for (size_t k = 0; k < ps->nconsumers; k++)
				if (ps->consumers[k].state == CONSUMER_PENDING) {
					buf_printf(b, "%s%s: %s restart pending", sep, ps->address,
						   ps->consumers[k].unit);
					sep = ", ";
				}
		}
		for (size_t i = 0; r->check && i < r->check->n; i++) {
			const struct check_endpoint *ce = &r->check->eps[i];
			if (ce->probe.chain && !ce->ok) {
				buf_printf(b, "%sendpoint %s refused", sep, ce->ep.url);
				sep = ", ";
			}
		}
		if (*sep == ',')
			buf_putc(b, ')');
	} else {
		*prio = LOG_INFO;
		buf_printf(b, "no drift: %zu store(s) match the configuration", r->plan.n);
	}
	if (r->planned)
		expiring_part(r, b, prio);
	buf_printf(b, "; config %s", origin);
	if (r->git && r->git->warning) {
		buf_puts(b, "; WARNING: ");
		buf_puts(b, r->git->warning);
	}
	for (size_t i = 0; i < b->len; i++)
		if (b->ptr[i] == '\n')
			b->ptr[i] = ' '; /* one line, whatever the messages hold */
}

int drift_report(const struct run *r, bool failed)
{
	const struct run_opts *o = &r->opt;
	int rc = 0;
	if (o->prometheus) {
		struct metrics_input in = {
		    .host = r->ctx.host ? r->ctx.host : o->host,
		    .plan = r->planned ? &r->plan : NULL,
		    .res = r->planned ? r->res : NULL,
		    .git = r->git,
		    .config_origin = r->cfg ? r->cfg->origin : NULL,
		    .success = r->planned && !failed,
		    .now = o->now,
		    .check = r->check,
		    .rotations = r->rotations,
		};
		if (metrics_write(o->prometheus, &in) < 0) {
			run_say_error(r, err_msg());
			rc = -1;
		}
	}
	if (o->syslog) {
		struct buf line = BUF_INIT;
		int prio = LOG_INFO;
		summary_line(r, failed, &line, &prio);
		/* LOG_USER, as for any command a user or cron runs; journald and
		 * rsyslog both take it from /dev/log. */
		openlog("trustform", LOG_PID, LOG_USER);
		syslog(prio, "%s", line.ptr);
		closelog();
		buf_dispose(&line);
	}
	return rc;
}
