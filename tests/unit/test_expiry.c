/* Expiry as a lifecycle (model/expiry.c, reconcile/lifecycle.c): the renewal
 * windows to the second, days left on both sides of the end, and the plan's
 * certificates within their window grouped once per certificate across
 * stores, earliest first, in the text plan, JSON and metrics alike. */
#include "harness.h"
#include "model/expiry.h"
#include "reconcile/lifecycle.h"
#include "reconcile/metrics.h"
#include "reconcile/render.h"
#include "reconcile/render_json.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY  86400
#define NOW  1800000000
#define FP_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FP_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define FP_I "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static void windows(void)
{
	CHECK(expiry_ca_renew_at(NOW) == NOW - 30 * DAY);
	/* Caddy: four fifths of a 7-day intermediate */
	time_t nb = NOW, na = NOW + 7 * DAY;
	CHECK(expiry_caddy_renew_at(nb, na) == nb + (7 * DAY) * 4 / 5);
	struct expiry_list l = {0};
	struct trust_expiry *e = expiry_add(&l, EXPIRY_CA, "a", FP_A, NOW + 30 * DAY,
					    NOW + 30 * DAY - 30 * DAY, NOW - 1, NULL);
	CHECK(!e->due); /* a second before the window */
	e = expiry_add(&l, EXPIRY_CA, "a", FP_A, NOW + 30 * DAY, NOW, NOW, NULL);
	CHECK(e->due); /* from its first second */
	CHECK(expiry_days_left(e, NOW) == 30);
	CHECK(expiry_days_left(e, NOW + 30 * DAY - 1) == 0);
	CHECK(expiry_days_left(e, NOW + 30 * DAY) == 0);
	CHECK(expiry_days_left(e, NOW + 30 * DAY + 1) == -1);
	CHECK_STR(expiry_kind_name(EXPIRY_CADDY_INTERMEDIATE), "caddy_intermediate");
	CHECK_STR(expiry_kind_title(EXPIRY_CADDY_ROOT), "Caddy's root");
	expiry_list_dispose(&l);
}

static char *text_of(const struct plan *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct render_opts ro = {false, "plan", "h", "r", "c", false, NULL};
	render_plan(out, p, &ro);
	fclose(out);
	return text;
}

static char *json_of(const struct plan *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct json_doc doc = {.operation = "plan", .host = "h", .now = NOW};
	render_json_plan(out, &doc, p, NULL);
	fclose(out);
	return text;
}

static void grouping(void)
{
	struct plan p;
	plan_init(&p);
	struct plan_store *sys = plan_add_store(&p, NULL, "system", "system (debian)");
	struct plan_store *app = plan_add_store(&p, NULL, "app", "app (pem-bundle)");
	struct plan_store *cad = plan_add_store(&p, NULL, "caddy.pki.local", "caddy (pki local)");
	/* b ends first; a ends later; far is outside its window */
	expiry_add(&sys->expiring, EXPIRY_CA, "a", FP_A, NOW + 20 * DAY, NOW - 10 * DAY, NOW,
		   "CA a in 20 days");
	expiry_add(&sys->expiring, EXPIRY_CA, "far", FP_B, NOW + 90 * DAY, NOW + 60 * DAY, NOW,
		   NULL);
	expiry_add(&app->expiring, EXPIRY_CA, "b", FP_B, NOW + 5 * DAY, NOW - 25 * DAY, NOW,
		   "CA b in 5 days");
	expiry_add(&app->expiring, EXPIRY_CA, "a", FP_A, NOW + 20 * DAY, NOW - 10 * DAY, NOW,
		   "CA a in 20 days");
	expiry_add(&cad->expiring, EXPIRY_CADDY_INTERMEDIATE, "local", FP_I, NOW + 5 * DAY,
		   NOW - DAY, NOW, "the intermediate");

	struct expiring_list l;
	expiring_collect(&l, &p);
	CHECK(l.n == 3);
	if (l.n == 3) {
		/* earliest first; at one date the CA before Caddy's intermediate */
		CHECK_STR(l.items[0].e->name, "b");
		CHECK(l.items[1].e->kind == EXPIRY_CADDY_INTERMEDIATE);
		CHECK_STR(l.items[2].e->name, "a");
		CHECK(l.items[2].nstores == 2);
		CHECK_STR(l.items[2].stores[0], "system");
		CHECK_STR(l.items[2].stores[1], "app");
	}
	expiring_dispose(&l);

	char *t = text_of(&p);
	CHECK_MSG(strstr(t, "Warning: CA b in 5 days (store: app)\n"
			    "Warning: the intermediate (store: caddy.pki.local)\n"
			    "Warning: CA a in 20 days (stores: system, app)\n"),
		  "text:\n%s", t);
	CHECK_MSG(!strstr(t, "far"), "far is outside its window:\n%s", t);
	free(t);

	char *j = json_of(&p);
	CHECK_MSG(strstr(j, "\"kind\": \"caddy_intermediate\""), "json:\n%s", j);
	CHECK_MSG(strstr(j, "\"days_left\": 5"), "json days:\n%s", j);
	CHECK_MSG(strstr(j, "\"renewal_from\": \"2026-12-21T08:00:00Z\""), "json window:\n%s", j);
	free(j);

	struct buf b = BUF_INIT;
	struct metrics_input in = {.host = "h", .plan = &p, .success = true, .now = NOW};
	metrics_render(&b, &in);
	char *m = buf_detach(&b);
	CHECK_MSG(strstr(m, "trustform_ca_expiring{host=\"h\",store=\"system\",kind=\"ca\",ca="
			    "\"far\",sha256=\"" FP_B "\"} 0\n"),
		  "metrics: far not expiring:\n%s", m);
	CHECK_MSG(strstr(m, "trustform_ca_expiry_timestamp_seconds{host=\"h\",store=\"caddy.pki."
			    "local\",kind=\"caddy_intermediate\",ca=\"local\",sha256=\"" FP_I
			    "\"} 1800432000\n"),
		  "metrics: the intermediate's end:\n%s", m);
	free(m);
	plan_dispose(&p);
}

int main(void)
{
	windows();
	grouping();
	return test_report();
}
