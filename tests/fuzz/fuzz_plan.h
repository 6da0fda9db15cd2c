/*
 * Shared by the harnesses that fuzz a whole plan over a private root
 * (fuzz_stores, fuzz_toolconf): the root with a fixed, valid configuration
 * and its CA, and one plan of it, which must plan every store (a plan that
 * fails to start, or shows fewer stores than configured, is the harness's
 * bug: abort).
 */
#ifndef TF_FUZZ_PLAN_H
#define TF_FUZZ_PLAN_H

#include "fuzz.h"
#include "reconcile/run.h"

/* A CA valid until 2126, so the plan's clock never makes it expire. */
static const char ca_pem[] = "-----BEGIN CERTIFICATE-----\n"
			     "MIIBljCCATugAwIBAgIUHcbaiOQHzcyRjBXSaYurKkXg3NcwCgYIKoZIzj0EAwIw\n"
			     "FzEVMBMGA1UEAwwMRnV6eiBSb290IENBMCAXDTI2MTIwNzAyMzExOVoYDzIxMjYx\n"
			     "MTEzMDIzMTE5WjAXMRUwEwYDVQQDDAxGdXp6IFJvb3QgQ0EwWTATBgcqhkjOPQIB\n"
			     "BggqhkjOPQMBBwNCAARYRAs1yDfef2QviUlzJOWLanaZREfOIWNm2iqwLa90Q/0R\n"
			     "UvQirLy8ip/TGQ3pByeq6NIlylrvbNOH2WZgtjSAo2MwYTAdBgNVHQ4EFgQUAyl/\n"
			     "qNe1eEfD64kS6RQGM8DBCvIwHwYDVR0jBBgwFoAUAyl/qNe1eEfD64kS6RQGM8DB\n"
			     "CvIwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZIzj0EAwID\n"
			     "SQAwRgIhAIaFYech9oFOBkTUJkYHXFek2oJPHvUxnp6oQwMu7IxgAiEA5A5lOgCJ\n"
			     "SBkJE2+1534OxR6uAV2A4QMVzTirQ3zD/JM=\n"
			     "-----END CERTIFICATE-----\n";

/* Write ca.pem and trust.yaml (config) into the root once; their path. */
static const char *fuzz_plan_root(const char *config)
{
	static char cfg_path[4096];
	if (!cfg_path[0]) {
		fuzz_write("ca.pem", ca_pem, sizeof(ca_pem) - 1);
		snprintf(cfg_path, sizeof(cfg_path), "%s",
			 fuzz_write("trust.yaml", config, strlen(config)));
		fuzz_write("var/lib/trustform/.keep", "", 0);
	}
	return cfg_path;
}

/* Plan host "fuzz" of cfg_path under the root: nstores stores, each read or
 * failed (a store with notes that belong to none of its instances, as a
 * unit's WorkingDirectory= that is not checked, shows once more); with the environment variable
 * show set, each store's outcome on stderr. */
static void fuzz_plan_run(const char *cfg_path, size_t nstores, const char *show)
{
	struct run_opts o = {
	    .operation = "plan",
	    .read_cache = true,
	    .config = cfg_path,
	    .host = "fuzz",
	    .root = fuzz_dir(),
	    .now = 1798761600, /* 2027-01-01 */
	    .lock_timeout = 1,
	    .offline = true,
	    .out = stdout,
	    .err = stderr,
	};
	struct run r;
	run_init(&r, &o);
	if (run_start(&r, false) < 0)
		abort();
	run_plan(&r);
	if (r.plan.n < nstores) /* a store with notes of its own shows twice */
		abort();
	if (getenv(show))
		for (size_t i = 0; i < r.plan.n; i++)
			fprintf(stderr, "%s: %s\n", r.plan.stores[i].address,
				r.plan.stores[i].error ? r.plan.stores[i].error : "read");
	run_dispose(&r);
}

#endif
