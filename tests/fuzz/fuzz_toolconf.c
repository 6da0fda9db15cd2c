/* Where the configuration-file stores find a project's own settings
 * (stores/files/toolconf_units.c), as a whole plan reads them: the input is
 * at once a `.git` file (its `gitdir:`), a repository's `commondir` (a
 * worktree's), a project's `.npmrc`, a repository's config and a consumer's
 * unit file (its WorkingDirectory= and ExecStart=), and a plan of an
 * npm-config, a git-config and a pip-config store with projects and that
 * consumer runs over them under a private root. */
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
    "  npm: { type: npm-config, projects: [/srv/p/sub], consumers: [{unit: app.service}] }\n"
    "  git: { type: git-config, projects: [/srv/p/sub, /srv/q], consumers: [{unit: app.service}] "
    "}\n"
    "  pip: { type: pip-config, consumers: [{unit: app.service}] }\n"
    "roles:\n"
    "  build: { cas: [corp], stores: [npm, git, pip] }\n"
    "hosts:\n"
    "  fuzz: [build]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char cfg_path[4096];
	if (!cfg_path[0]) {
		fuzz_write("ca.pem", ca_pem, sizeof(ca_pem) - 1);
		snprintf(cfg_path, sizeof(cfg_path), "%s",
			 fuzz_write("trust.yaml", config, sizeof(config) - 1));
		fuzz_write("var/lib/trustform/.keep", "", 0);
		fuzz_write("srv/p/sub/.keep", "", 0);
		fuzz_write("srv/p/package.json", "{}", 2);
	}
	fuzz_write("srv/p/.git", data, size);
	fuzz_write("srv/p/.npmrc", data, size);
	fuzz_write("srv/q/.git/commondir", data, size);
	fuzz_write("srv/q/.git/config", data, size);
	fuzz_write("etc/systemd/system/app.service", data, size);
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
	if (r.plan.n != 3)
		abort();
	if (getenv("FUZZ_TOOLCONF_SHOW"))
		for (size_t i = 0; i < r.plan.n; i++)
			fprintf(stderr, "%s: %s\n", r.plan.stores[i].address,
				r.plan.stores[i].error ? r.plan.stores[i].error : "read");
	run_dispose(&r);
	return 0;
}
