/*
 * The phases of a rotation (reconcile/rotation.c), table-driven: what one
 * store holds and what the host's roles want of it, in; the phase, the
 * summary, what blocks the next phase and whether a removal of the old CA is
 * blocked, out. The endpoints' part (switch) is proven against real servers
 * by e2e/lifecycle/rotation (accept_breaking: e2e/lifecycle/rotation_accept).
 * Then: a rotation of Caddy's root says what Caddy must (not) do, and the
 * metrics give the phase and the blockers.
 */
#include "certgen.h"
#include "harness.h"
#include "reconcile/metrics.h"
#include "reconcile/rotation.h"
#include "schema/endpoint.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <string.h>

enum { NONE = 0, OLD = 1, NEW = 2 };

struct row {
	const char *what;
	int holds;   /* OLD|NEW: trusted in the store now */
	int wants;   /* OLD|NEW: the store's roles list them (present) */
	bool stale;  /* derived files out of date */
	bool listed; /* the rotation concerns the host */
	const char *summary;
	const char *blocks; /* a substring, or NULL: nothing blocks */
	bool removal_blocked;
};

static const struct row rows[] = {
    {"old only, both wanted: overlap", OLD, OLD | NEW, false, true,
     "overlap (1 store still lacks new-root)", "1 store still lacks \"new-root\": app (pem-bundle)",
     true},
    {"old only, the new one not listed for the store: overlap, and the fix", OLD, OLD, false, true,
     "overlap (1 store still lacks new-root)", NULL, true},
    {"both held: retire (no endpoints)", OLD | NEW, OLD | NEW, false, true,
     "retire (old-root may be removed: 1 store still holds it)", NULL, false},
    {"both held, but the store's files are stale: overlap", OLD | NEW, OLD | NEW, true, true,
     "overlap (1 store still lacks new-root)", "app (pem-bundle)", true},
    {"new only, old no longer wanted: done", NEW, NEW, false, true,
     "done (old-root is in no store of this host)", NULL, false},
    {"neither held nor wanted: not this host's rotation", NONE, NONE, false, false, NULL, NULL,
     false},
};

static struct cert *Old, *New;

static void run_row(const struct row *r)
{
	struct config cfg = {0};
	struct conf_ca cas[2] = {{.name = "new-root", .cert = New, .replaces = "old-root"},
				 {.name = "old-root", .cert = Old}};
	cas[0].replaced = &cas[1];
	cfg.cas = cas;
	cfg.ncas = 2;
	struct conf_store store = {.name = "app", .type = "pem-bundle"};
	const struct conf_ca *want[2];
	size_t nwant = 0;
	if (r->wants & NEW)
		want[nwant++] = &cas[0];
	if (r->wants & OLD)
		want[nwant++] = &cas[1];
	struct host_store hs = {.store = &store, .cas = want, .ncas = nwant};
	struct resolved res = {.stores = &hs, .nstores = 1};
	struct plan p;
	plan_init(&p);
	struct plan_store *ps = plan_add_store(&p, NULL, "app", "app (pem-bundle)");
	if (r->holds & OLD)
		trust_set_add(&ps->actual, Old->fp, "old-root", true, TS_TRUSTED, NULL);
	if (r->holds & NEW)
		trust_set_add(&ps->actual, New->fp, "new-root", true, TS_TRUSTED, NULL);
	if (r->stale)
		ps->actual.stale = xstrdup("the bundle is older than its sources");
	/* the configuration removes the old CA: a removal step */
	if (r->holds & OLD)
		plan_store_add_step(ps, ACT_DELETE, OP_REMOVE, "old-root", &cas[1],
				    &ps->actual.items[0]);

	struct rotation_params rp = {.cfg = &cfg, .res = &res, .plan = &p};
	struct rotation_list l;
	rotation_judge(&l, &rp);
	CHECK_MSG(l.n == (r->listed ? 1u : 0u), "%s: %zu rotations", r->what, l.n);
	if (l.n == 1) {
		const struct rotation *rot = &l.items[0];
		CHECK_MSG(!strcmp(rot->summary, r->summary), "%s: summary \"%s\"", r->what,
			  rot->summary);
		if (r->blocks)
			CHECK_MSG(rot->blocks && strstr(rot->blocks, r->blocks) != NULL,
				  "%s: blocks \"%s\"", r->what,
				  rot->blocks ? rot->blocks : "(null)");
		if (!r->removal_blocked)
			CHECK_MSG(rot->blocks == NULL, "%s: blocks \"%s\"", r->what, rot->blocks);
		if (r->stale)
			CHECK_MSG(strstr(rot->stores[0].why, "the derived files are out of date") !=
				      NULL,
				  "%s: why \"%s\"", r->what, rot->stores[0].why);
		if (r->wants == OLD && r->holds == OLD)
			CHECK_MSG(strstr(rot->stores[0].why, "no role of this host lists it") !=
				      NULL,
				  "%s: why \"%s\"", r->what, rot->stores[0].why);
	}
	size_t blocked = rotation_block_steps(&l, &p);
	CHECK_MSG(blocked == (r->removal_blocked ? 1u : 0u), "%s: %zu steps blocked", r->what,
		  blocked);
	if (blocked) {
		CHECK(plan_step_break_refused(&ps->steps[0]));
		CHECK_MSG(strstr(ps->steps[0].blocked, "the rotation \"old-root\" -> \"new-root\", "
						       "in its overlap phase") != NULL,
			  "%s: %s", r->what, ps->steps[0].blocked);
	}
	rotation_list_dispose(&l);
	plan_dispose(&p);
}

/* The new CA is Caddy's (caddy: newroot): overlap says Caddy must not issue
 * from it yet; switch (an endpoint not checked) names the issuer edit and a
 * reload. And the metrics of both phases. */
static void caddy_and_metrics(void)
{
	struct config cfg = {0};
	struct conf_ca cas[2] = {
	    {.name = "caddy-new", .cert = New, .replaces = "caddy-local", .caddy = "newroot"},
	    {.name = "caddy-local", .cert = Old, .caddy = "local"}};
	cas[0].replaced = &cas[1];
	cfg.cas = cas;
	cfg.ncas = 2;
	struct conf_store store = {.name = "app", .type = "pem-bundle"};
	const struct conf_ca *want[2] = {&cas[0], &cas[1]};
	struct conf_endpoint ep = {.url = "https://site.internal"};
	struct conf_role role = {.name = "web", .endpoints = &ep, .nendpoints = 1};
	const struct conf_role *roles[1] = {&role};
	struct host_store hs = {.store = &store, .cas = want, .ncas = 2};
	struct resolved res = {.stores = &hs, .nstores = 1, .roles = roles, .nroles = 1};
	for (int phase = 0; phase < 2; phase++) {
		struct plan p;
		plan_init(&p);
		struct plan_store *ps = plan_add_store(&p, NULL, "app", "app (pem-bundle)");
		trust_set_add(&ps->actual, Old->fp, "caddy-local", true, TS_TRUSTED, NULL);
		if (phase == 1)
			trust_set_add(&ps->actual, New->fp, "caddy-new", true, TS_TRUSTED, NULL);
		struct rotation_params rp = {
		    .cfg = &cfg, .res = &res, .plan = &p, .not_checked = "--offline"};
		struct rotation_list l;
		rotation_judge(&l, &rp);
		CHECK_MSG(l.n == 1, "caddy: %zu rotations", l.n);
		if (l.n != 1) {
			plan_dispose(&p);
			continue;
		}
		const struct rotation *r = &l.items[0];
		if (phase == 0) {
			CHECK_MSG(r->phase == ROT_OVERLAP &&
				      strstr(r->next, "Caddy must not issue "
						      "from the new root") != NULL,
				  "caddy overlap: %s", r->next);
		} else {
			CHECK_MSG(
			    r->phase == ROT_SWITCH &&
				strstr(
				    r->next,
				    "`ca local { root { cert D/root.crt key D/root.key } "
				    "intermediate { cert D/intermediate.crt key D/intermediate.key "
				    "} }`, D being <data_dir>/pki/authorities/newroot") &&
				strstr(r->next, "then reload Caddy") &&
				strstr(r->next, "set caddy.ca: newroot"),
			    "caddy switch: %s", r->next);
			CHECK_MSG(r->accepted == NULL, "not checked: nothing accepted (%s)",
				  r->accepted);
		}
		struct metrics_input in = {.host = "h", .rotations = &l, .now = 1};
		struct buf b = BUF_INIT;
		metrics_render(&b, &in);
		const char *want_phase =
		    phase ? "trustform_rotation_phase{host=\"h\",ca=\"caddy-new\","
			    "replaces=\"caddy-local\"} 1\n"
			  : "trustform_rotation_phase{host=\"h\",ca=\"caddy-new\","
			    "replaces=\"caddy-local\"} 0\n";
		const char *want_blk = phase ? "trustform_rotation_blockers{host=\"h\",ca=\"caddy-"
					       "new\",replaces=\"caddy-"
					       "local\",kind=\"endpoints\"} 1\n"
					     : "trustform_rotation_blockers{host=\"h\",ca=\"caddy-"
					       "new\",replaces=\"caddy-"
					       "local\",kind=\"stores\"} 1\n";
		CHECK_MSG(strstr(b.ptr, want_phase) != NULL, "metrics phase %d:\n%s", phase, b.ptr);
		CHECK_MSG(strstr(b.ptr, want_blk) != NULL, "metrics blockers %d:\n%s", phase,
			  b.ptr);
		buf_dispose(&b);
		rotation_list_dispose(&l);
		plan_dispose(&p);
	}
}

int main(void)
{
	Old = certgen("Rotation Old Root", NULL, 1);
	New = certgen("Rotation New Root", NULL, 1);
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		run_row(&rows[i]);
	caddy_and_metrics();
	cert_free(Old);
	cert_free(New);
	return test_report();
}
