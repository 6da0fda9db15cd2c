/* The files of other software that the file-based stores read, as a whole
 * plan reads them (reconcile/run.c): the input is at once a Chromium managed
 * policy file, Firefox's policies.json, /etc/environment, an environment.d
 * file, a profile.d script, a venv's trustform .pth and another venv's
 * pyvenv.cfg, and a plan of a chrome-policy, a Firefox policy, a shell-env
 * and two python stores runs over them under a private root. */
#include "fuzz_plan.h"

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
	static const char *cfg_path;
	if (!cfg_path) {
		cfg_path = fuzz_plan_root(config);
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
	fuzz_plan_run(cfg_path, 5, "FUZZ_STORES_SHOW");
	return 0;
}
