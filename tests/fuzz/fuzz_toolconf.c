/* Where the configuration-file stores find a project's own settings
 * (stores/files/toolconf_units.c), as a whole plan reads them: the input is
 * at once a `.git` file (its `gitdir:`), a repository's `commondir` (a
 * worktree's), a project's `.npmrc`, a repository's config and a consumer's
 * unit file (its WorkingDirectory= and ExecStart=), and a plan of an
 * npm-config, a git-config and a pip-config store with projects and that
 * consumer runs over them under a private root. */
#include "fuzz_plan.h"

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
	static const char *cfg_path;
	if (!cfg_path) {
		cfg_path = fuzz_plan_root(config);
		fuzz_write("srv/p/sub/.keep", "", 0);
		fuzz_write("srv/p/package.json", "{}", 2);
	}
	fuzz_write("srv/p/.git", data, size);
	fuzz_write("srv/p/.npmrc", data, size);
	fuzz_write("srv/q/.git/commondir", data, size);
	fuzz_write("srv/q/.git/config", data, size);
	fuzz_write("etc/systemd/system/app.service", data, size);
	fuzz_plan_run(cfg_path, 3, "FUZZ_TOOLCONF_SHOW");
	return 0;
}
