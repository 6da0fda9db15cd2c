/* The files of other software that the file-based stores read, as a whole
 * plan reads them (reconcile/run.c): the input is at once a Chromium managed
 * policy file, Firefox's policies.json, /etc/environment, an environment.d
 * file, a profile.d script, a venv's trustform .pth and another venv's
 * pyvenv.cfg, and a plan of a chrome-policy, a Firefox policy, a shell-env
 * and two python stores runs over them under a private root. */
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

static const char config[] =
    "version: 1\n"
    "cas:\n"
    "  corp: { file: ca.pem }\n"
    "stores:\n"
    "  chrome: { type: chrome-policy, browsers: [chromium] }\n"
    "  firefox: { type: nss, firefox_policy: true }\n"
    "  shell: { type: shell-env, env: [SSL_CERT_FILE, NODE_EXTRA_CA_CERTS] }\n"
    "  pth: { type: python, venv: /opt/a, mode: truststore }\n"
    "  venv: { type: python, venv: /opt/b, mode: truststore }\n"
    "roles:\n"
    "  node: { cas: [corp], stores: [chrome, firefox, shell, pth, venv] }\n"
    "hosts:\n"
    "  fuzz: [node]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char cfg_path[4096];
	if (!cfg_path[0]) {
		fuzz_write("ca.pem", ca_pem, sizeof(ca_pem) - 1);
		snprintf(cfg_path, sizeof(cfg_path), "%s",
			 fuzz_write("trust.yaml", config, sizeof(config) - 1));
		fuzz_write("var/lib/trustform/.keep", "", 0);
		static const char cfg_a[] = "home = /usr/bin\nversion = 3.11.2\n";
		fuzz_write("opt/a/pyvenv.cfg", cfg_a, sizeof(cfg_a) - 1);
		fuzz_write("opt/b/lib/python3.11/site-packages/.keep", "", 0);
	}
	fuzz_write("etc/chromium/policies/managed/other.json", data, size);
	fuzz_write("etc/firefox/policies/policies.json", data, size);
	fuzz_write("etc/environment", data, size);
	fuzz_write("etc/environment.d/50-fuzz.conf", data, size);
	fuzz_write("etc/profile.d/zz-fuzz.sh", data, size);
	fuzz_write("opt/a/lib/python3.11/site-packages/trustform-truststore.pth", data, size);
	fuzz_write("opt/b/pyvenv.cfg", data, size);
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
	/* the configuration is fixed and valid: failing to plan is the harness's bug */
	if (run_start(&r, false) < 0)
		abort();
	run_plan(&r);
	if (r.plan.n != 5)
		abort();
	if (getenv("FUZZ_STORES_SHOW"))
		for (size_t i = 0; i < r.plan.n; i++)
			fprintf(stderr, "%s: %s\n", r.plan.stores[i].address,
				r.plan.stores[i].error ? r.plan.stores[i].error : "read");
	run_dispose(&r);
	return 0;
}
