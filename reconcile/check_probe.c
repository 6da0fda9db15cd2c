/*
 * The endpoints' connections, started before the stores are read: they wait
 * on the network, the reads on the disk and on the programs the stores run,
 * so a plan does both at once (a thread runs the probes) and judges once both
 * are done; see check.h. A thread that cannot be started probes in place: the
 * report is the same either way.
 */
#include "reconcile/check.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_PARALLEL 32

struct check_probing {
	pthread_t thread;
	bool started;
	struct tls_probe *probes;
	size_t n;
};

static void *probe_all(void *arg)
{
	struct check_probing *pr = arg;
	tls_probe_run(pr->probes, pr->n, CHECK_PARALLEL);
	return NULL;
}

void check_start(struct check_report *rep, const struct check_params *p)
{
	struct check_probing *pr = xcalloc(1, sizeof(*pr));
	/* probes are laid out one per endpoint: run them as one array */
	pr->n = rep->n;
	pr->probes = xcalloc(rep->n ? rep->n : 1, sizeof(*pr->probes));
	for (size_t i = 0; i < rep->n; i++) {
		struct check_endpoint *ce = &rep->eps[i];
		pr->probes[i] = (struct tls_probe){.host = ce->ep.host,
						   .port = ce->ep.port,
						   .sni = ce->ep.sni,
						   .http = ce->ep.http,
						   .timeout_ms = p->timeout_ms,
						   .now = p->now};
	}
	pr->started = pthread_create(&pr->thread, NULL, probe_all, pr) == 0;
	if (!pr->started)
		probe_all(pr);
	rep->probing = pr;
}

void check_wait(struct check_report *rep)
{
	struct check_probing *pr = rep->probing;
	if (!pr)
		return;
	if (pr->started)
		pthread_join(pr->thread, NULL);
	for (size_t i = 0; i < rep->n; i++)
		rep->eps[i].probe = pr->probes[i];
	free(pr->probes);
	free(pr);
	rep->probing = NULL;
}
