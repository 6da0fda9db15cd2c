/*
 * Effective trust (`trustform check`, and the plan's endpoint section): for
 * each endpoint a role's clients call, connect (util/tlsprobe), take the chain
 * the server sends and ask, for each store of the endpoint, whether a client
 * of that store would accept it *after apply*: with the CAs the store holds
 * now, plus the plan's adds, minus its removals and distrusts (model/verify).
 */
#ifndef TF_CHECK_H
#define TF_CHECK_H

#include "model/verify.h"
#include "reconcile/plan.h"
#include "schema/endpoint.h"
#include "schema/resolve.h"
#include "util/tlsprobe.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* One store's verdict on one endpoint. */
struct check_verdict {
	const struct plan_store *ps;
	char *error; /* the store could not be read: no verdict */
	char *note;  /* how its clients were modelled, or NULL */
	struct verify_result vr;
};

struct check_endpoint {
	struct conf_endpoint ep; /* own copy (stores as configured) */
	const char *role;	 /* the role that lists it, or NULL (a URL argument) */
	struct tls_probe probe;
	struct check_verdict *v;
	size_t nv;
	bool ok; /* reached, and every store accepts it */
	/* refused by a system store, and its chain ends at a root that the
	 * installed ca-certificates removed (distroset.h), or NULL */
	char *removed_root;
};

struct check_report {
	struct check_endpoint *eps;
	size_t n;
	size_t failing; /* reached, and some store would refuse it */
	size_t errors;	/* not reached, or a store could not be judged */
	time_t now;
	struct check_probing *probing; /* between check_start and check_wait */
};

struct check_params {
	const struct config *cfg;
	const struct resolved *res;
	const struct plan *plan;
	const char *root;
	time_t now;
	int timeout_ms;
	char *const *urls; /* check these instead of the roles' endpoints */
	size_t nurls;
};

/* The endpoints to check: the URLs given, else every connects_to of the host's
 * roles. -1 with err set when a URL is not valid. */
int check_collect(struct check_report *rep, const struct check_params *p);
/* Connect to every endpoint (in parallel) and judge each for its stores. */
void check_run(struct check_report *rep, const struct check_params *p);
/* check_run in two halves, so that the connections run while the stores are
 * read: check_start connects (in a thread; needs only the report from
 * check_collect), check_judge waits for the connections (check_wait) and
 * judges them with p->plan, which must be complete by then. A report that
 * was started is judged or disposed, never dropped. */
void check_start(struct check_report *rep, const struct check_params *p);
void check_wait(struct check_report *rep);
void check_judge(struct check_report *rep, const struct check_params *p);
/* Whether the connections may run while the host's stores are read: not when
 * a store forks workers that do not exec (an NSS database's libnss3 process),
 * since a fork while the connections' thread holds a lock of OpenSSL or libc
 * leaves the worker waiting on it; check_judge then connects itself. */
bool check_beside_reads(const struct resolved *res);
void check_report_dispose(struct check_report *rep);

/* Where the text report goes, which decides its tense: `trustform check`; a
 * plan with changes to apply ("will be trusted after apply"); a plan with
 * nothing to apply, where the stores after apply are the stores now ("trusted
 * now"). */
enum check_render_in { CHECK_RENDER_CHECK, CHECK_RENDER_PLAN, CHECK_RENDER_PLAN_CLEAN };
void check_render(FILE *out, const struct check_report *rep, bool color, enum check_render_in in);
/* Whether the host has endpoints to check (a plan connects only then). */
bool check_host_has_endpoints(const struct resolved *res);

#endif
