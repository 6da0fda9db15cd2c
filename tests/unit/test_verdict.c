/* The one predicate "would a client fail" (reconcile/verdict.c) and the
 * channels that read it: the text summary, Prometheus and the plan's JSON.
 * Every kind of drift alone makes it true; nothing pending makes it false. */
#include "harness.h"
#include "reconcile/check.h"
#include "reconcile/metrics.h"
#include "reconcile/render.h"
#include "reconcile/render_json.h"
#include "reconcile/verdict.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *summary_text(const struct plan *p, const struct check_report *rep)
{
	struct verdict v;
	verdict_make(&v, p, rep);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct render_opts ro = {false, "plan", "h", "r", "c", false, NULL};
	render_summary(out, p, &v, &ro);
	fclose(out);
	return text;
}

static char *metrics_text(const struct plan *p, const struct check_report *rep)
{
	struct buf b = BUF_INIT;
	struct metrics_input in = {.host = "h", .plan = p, .success = true, .check = rep};
	metrics_render(&b, &in);
	return buf_detach(&b);
}

static char *json_text(const struct plan *p, const struct check_report *rep)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct json_doc doc = {.operation = "plan", .host = "h", .check = rep};
	render_json_plan(out, &doc, p, NULL);
	fclose(out);
	return text;
}

static void expect(const char *what, const struct plan *p, const struct check_report *rep,
		   bool drift, const char *summary, const char *json_summary)
{
	struct verdict v;
	verdict_make(&v, p, rep);
	CHECK_MSG(verdict_drift(&v) == drift, "%s: drift %d", what, drift);
	char *s = summary_text(p, rep);
	CHECK_MSG(strstr(s, summary) != NULL, "%s: summary lacks \"%s\":\n%s", what, summary, s);
	CHECK_MSG(drift == (strstr(s, "No changes.") == NULL), "%s: \"No changes.\" iff clean:\n%s",
		  what, s);
	free(s);
	char *m = metrics_text(p, rep);
	CHECK_MSG(strstr(m, drift ? "trustform_drift{host=\"h\"} 1\n"
				  : "trustform_drift{host=\"h\"} 0\n"),
		  "%s: metrics:\n%s", what, m);
	free(m);
	char *j = json_text(p, rep);
	CHECK_MSG(strstr(j, drift ? "\"drift\": true" : "\"drift\": false") != NULL,
		  "%s: json drift", what);
	CHECK_MSG(strstr(j, json_summary) != NULL, "%s: json lacks %s:\n%s", what, json_summary, j);
	free(j);
}

int main(void)
{
	struct plan p;
	plan_init(&p);
	struct plan_store *ps = plan_add_store(&p, NULL, "app", "app (pem-bundle)");
	plan_count(&p);
	expect("clean", &p, NULL, false, "No changes. Trust stores match the configuration.",
	       "\"restart_pending\": 0");

	/* a consumer whose state systemd could not tell is a note, not drift */
	ARRAY_GROW(ps->consumers, 1, ps->consumers_alloc);
	memset(&ps->consumers[0], 0, sizeof(ps->consumers[0]));
	ps->nconsumers = 1;
	ps->consumers[0].unit = strdup("caddy.service");
	ps->consumers[0].source = strdup("declared");
	ps->consumers[0].state = CONSUMER_UNKNOWN;
	plan_count(&p);
	expect("unknown consumer", &p, NULL, false, "No changes.", "\"state\": \"unknown\"");
	{
		char *m = metrics_text(&p, NULL);
		CHECK_MSG(!strstr(m, "trustform_restart_pending{"), "unknown: no sample:\n%s", m);
		free(m);
	}

	/* restart pending alone */
	ps->consumers[0].state = CONSUMER_PENDING;
	plan_count(&p);
	CHECK(p.pending_restarts == 1);
	expect("restart pending", &p, NULL, true,
	       "No changes to the stores, but clients would fail.\nRestart pending: 1 service(s)",
	       "\"restart_pending\": 1");
	{
		char *m = metrics_text(&p, NULL);
		CHECK_MSG(strstr(m, "trustform_restart_pending{host=\"h\",store=\"app\",unit="
				    "\"caddy.service\"} 1"),
			  "pending sample:\n%s", m);
		free(m);
	}
	ps->consumers[0].state = CONSUMER_CURRENT;
	plan_count(&p);
	expect("current consumer", &p, NULL, false, "No changes.", "\"state\": \"current\"");

	/* an endpoint refused even after apply, alone */
	struct check_report rep = {0};
	rep.failing = 1;
	expect("endpoint refused", &p, &rep, true,
	       "Endpoints refused: 1 endpoint(s) are refused by their clients now",
	       "\"endpoints_failing\": 1");
	/* an endpoint that could not be checked is not drift (the plan warns) */
	rep.failing = 0;
	rep.errors = 1;
	expect("endpoint unchecked", &p, &rep, false, "No changes.", "\"endpoints_unchecked\": 1");

	/* a store change alone */
	plan_store_add_step(ps, ACT_UPDATE, OP_REFRESH, "files", NULL, NULL);
	plan_count(&p);
	expect("store change", &p, NULL, true, "Plan: 0 to add, 1 to change, 0 to destroy.",
	       "\"changes\": 1");

	plan_dispose(&p);
	return test_report();
}
