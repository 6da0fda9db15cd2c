/* Known TLS trust variables; see envvars.h. */
#include "stores/files/envvars.h"
#include "schema/keys.h"
#include "schema/resolve.h"
#include "stores/store.h"
#include "stores/storeopt.h"
#include "util/err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The table, once: vars[] and envvar_bundle_choices[] are made from it.
 * Columns: name, kind, the flag's value, what it does to the client's roots,
 * who reads it, when a change reaches them, and the test that proves it. */
#define NOT_PROVEN "not proven by the client yet"
#define ENVVARS(X)                                                                                 \
	X("NODE_EXTRA_CA_CERTS", ENVVAR_FILE, NULL, ENVVAR_ADDS, "Node.js and Bun",                \
	  "restart (read once per process); npm ignores it when an npmrc sets `cafile` or `ca`; "  \
	  "reported broken in Bun 1.3.2, honoured by Bun 1.4.5",                                   \
	  "e2e/runtime/systemd, e2e/host/node, e2e/host/shell_env (Node.js); "                     \
	  "e2e/runtime/clients_native (npm); e2e/runtime/clients_npm (Bun 1.4.5)")                 \
	X("NODE_USE_SYSTEM_CA", ENVVAR_FLAG, "1", ENVVAR_ADDS, "Node.js and Bun",                  \
	  "restart; any value but 1 is ignored; Bun reads the hashed links of /etc/ssl/certs "     \
	  "even without it",                                                                       \
	  "e2e/host/node (Node.js); e2e/runtime/clients_npm (Bun 1.4.5)")                          \
	X("SSL_CERT_FILE", ENVVAR_FILE, NULL, ENVVAR_REPLACES_FILE,                                \
	  "OpenSSL, Python ssl, Ruby, Go, .NET",                                                   \
	  "restart (Go: read once per process; .NET re-reads within minutes and ignores "          \
	  "TRUSTED CERTIFICATE blocks)",                                                           \
	  "e2e/runtime/systemd, e2e/rules/python (Python ssl); e2e/runtime/clients_native (Go, "   \
	  "Ruby); e2e/rules/go, e2e/rules/go_current (Go's rules); .NET cannot be installed "      \
	  "here: not proven")                                                                      \
	X("SSL_CERT_DIR", ENVVAR_DIR, NULL, ENVVAR_REPLACES, "OpenSSL, Go, .NET",                  \
	  "restart; a colon-separated list of hashed-link directories: the env stores refuse it "  \
	  "(they write one bundle file)",                                                          \
	  "refused by the env stores; e2e/runtime/clients_native proves that Go and Ruby still "   \
	  "read /etc/ssl/certs beside SSL_CERT_FILE")                                              \
	X("REQUESTS_CA_BUNDLE", ENVVAR_FILE, NULL, ENVVAR_REPLACES, "Python requests", "restart",  \
	  "e2e/host/shell_env, e2e/runtime/clients_native")                                        \
	X("CURL_CA_BUNDLE", ENVVAR_FILE, NULL, ENVVAR_REPLACES_FILE, "curl",                       \
	  "none (read per run)", "e2e/runtime/env_clients")                                        \
	X("GIT_SSL_CAINFO", ENVVAR_FILE, NULL, ENVVAR_REPLACES_FILE, "git", "none (read per run)", \
	  "e2e/runtime/env_clients")                                                               \
	X("PIP_CERT", ENVVAR_FILE, NULL, ENVVAR_REPLACES, "pip", "none (read per run)",            \
	  "e2e/runtime/clients_native (`pip download`)")                                           \
	X("AWS_CA_BUNDLE", ENVVAR_FILE, NULL, ENVVAR_REPLACES, "the AWS CLI and SDKs", "restart",  \
	  "e2e/runtime/clients_native (botocore, S3 ListBuckets)")                                 \
	X("DENO_CERT", ENVVAR_FILE, NULL, ENVVAR_ADDS, "Deno", "restart",                          \
	  "e2e/runtime/clients_npm (Deno 2.9.6)")                                                  \
	X("DENO_TLS_CA_STORE", ENVVAR_FLAG, "system", ENVVAR_REPLACES, "Deno",                     \
	  "restart; the system store (/etc/ssl/certs/ca-certificates.crt, or SSL_CERT_FILE) "      \
	  "instead of its Mozilla roots",                                                          \
	  "e2e/runtime/clients_npm (Deno 2.9.6)")

#define ENVVAR_ROW(name, kind, flag, roots, who, restart, proof)                                   \
	{name, kind, flag, roots, who, restart, proof},
static const struct envvar vars[] = {ENVVARS(ENVVAR_ROW)};

/* The names a bundle store's env: takes: files and flags, not directories. */
#define CHOICE_ENVVAR_FILE(name) name,
#define CHOICE_ENVVAR_FLAG(name) name,
#define CHOICE_ENVVAR_DIR(name)
#define ENVVAR_CHOICE(name, kind, flag, roots, who, restart, proof) CHOICE_##kind(name)
const char *const envvar_bundle_choices[] = {ENVVARS(ENVVAR_CHOICE) NULL};
#define NVARS (sizeof(vars) / sizeof(*vars))

const struct envvar *envvar_at(size_t i)
{
	return i < NVARS ? &vars[i] : NULL;
}

const struct envvar *envvar_find(const char *name)
{
	for (size_t i = 0; i < NVARS; i++)
		if (!strcmp(vars[i].name, name))
			return &vars[i];
	return NULL;
}

const char *envvar_suggest(const char *name)
{
	const char *best = NULL;
	int bestd = 4;
	for (size_t i = 0; i < NVARS; i++) {
		int d = edit_distance(vars[i].name, name);
		if (d < bestd) {
			bestd = d;
			best = vars[i].name;
		}
	}
	return best;
}

void envvar_list(unsigned mask, char *out, size_t size)
{
	size_t len = 0;
	if (size)
		out[0] = '\0';
	for (size_t i = 0; i < NVARS && len < size; i++) {
		if (!(mask & (1u << vars[i].kind)))
			continue;
		int n = snprintf(out + len, size - len, "%s%s", len ? ", " : "", vars[i].name);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

const char *envvar_value(const struct envvar *v, const char *path)
{
	return v->kind == ENVVAR_FLAG ? v->flag : path;
}

static const struct envvar_insecure insecure[] = {
    {"NODE_TLS_REJECT_UNAUTHORIZED", "0", "1", "Node.js accepts any certificate"},
    {"PYTHONHTTPSVERIFY", "0", "1", "Python's http.client and urllib do not verify"},
    {"GIT_SSL_NO_VERIFY", NULL, NULL, "git does not verify"},
    {"NPM_CONFIG_STRICT_SSL", "false", "true", "npm does not verify"},
    {"npm_config_strict_ssl", "false", "true", "npm does not verify"},
    {"YARN_ENABLE_STRICT_SSL", "false", "true", "yarn does not verify"},
    {"PIP_TRUSTED_HOST", NULL, NULL, "pip does not verify these hosts"},
    {"GOINSECURE", NULL, NULL, "go fetches these modules without verification"},
};
#define NINSECURE (sizeof(insecure) / sizeof(*insecure))
_Static_assert(NINSECURE <= ENVVAR_MAX_INSECURE, "raise ENVVAR_MAX_INSECURE");

const struct envvar_insecure *envvar_insecure_find(const char *name, const char *value)
{
	for (size_t i = 0; i < NINSECURE; i++)
		if (!strcmp(insecure[i].name, name) &&
		    (!insecure[i].bad || (value && !strcasecmp(insecure[i].bad, value))))
			return &insecure[i];
	return NULL;
}

bool envvar_insecure_named(const char *name)
{
	for (size_t i = 0; i < NINSECURE; i++)
		if (!strcmp(insecure[i].name, name))
			return true;
	return false;
}

void envvar_validate_env(const struct conf_store *cs, struct diag *d)
{
	const struct ynode *env = conf_store_node(cs, "env");
	if (!env || env->kind != YNODE_SEQ)
		return;
	if (!env->n)
		diag_add(d, DIAG_ERROR, cs->config_file, env->line, env->col,
			 "store \"%s\": env is empty; list the variables to set, e.g. "
			 "[NODE_EXTRA_CA_CERTS]",
			 cs->name);
	char known[512];
	envvar_list(1u << ENVVAR_FILE | 1u << ENVVAR_FLAG, known, sizeof(known));
	for (size_t i = 0; i < env->n; i++) {
		const struct ynode *v = env->items[i];
		if (v->kind != YNODE_SCALAR)
			continue;
		const struct envvar *ev = envvar_find(v->text);
		const char *near = ev ? NULL : envvar_suggest(v->text);
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = env->items[j]->kind == YNODE_SCALAR &&
			      !strcmp(env->items[j]->text, v->text);
		if (dup)
			diag_add(d, DIAG_ERROR, cs->config_file, v->line, v->col,
				 "store \"%s\": %s is listed twice in env; remove one", cs->name,
				 v->text);
		else if (ev && ev->kind == ENVVAR_DIR)
			diag_add(d, DIAG_ERROR, cs->config_file, v->line, v->col,
				 "store \"%s\": %s must name a directory of hashed links "
				 "(<hash>.0), and this store writes one bundle file; use "
				 "SSL_CERT_FILE, or a system store (OpenSSL's default directory "
				 "is the system store's)",
				 cs->name, v->text);
		else if (ev)
			continue;
		else if (envvar_insecure_named(v->text))
			diag_add(d, DIAG_ERROR, cs->config_file, v->line, v->col,
				 "store \"%s\": %s turns verification off and names no CAs; "
				 "list variables that trustform knows: %s",
				 cs->name, v->text, known);
		else if (near)
			diag_add(d, DIAG_ERROR, cs->config_file, v->line, v->col,
				 "store \"%s\": unknown variable \"%s\" in env; did you mean "
				 "\"%s\"?",
				 cs->name, v->text, near);
		else
			diag_add(d, DIAG_ERROR, cs->config_file, v->line, v->col,
				 "store \"%s\": unknown variable \"%s\" in env; variables "
				 "trustform knows: %s",
				 cs->name, v->text, known);
	}
}

void envvar_check_system_ca(const struct store_inst *s, char *const *env, size_t nenv,
			    struct trust_set *out)
{
	const struct envvar *flag = NULL;
	for (size_t i = 0; i < nenv && !flag; i++) {
		const struct envvar *ev = envvar_find(env[i]);
		if (ev && ev->kind == ENVVAR_FLAG)
			flag = ev;
	}
	if (!flag)
		return;
	const struct conf_ca **missing;
	size_t n = store_cas_outside_system(s, &missing);
	char *pos = n ? store_opt_pos(s->conf, "env") : NULL;
	for (size_t c = 0; c < n; c++)
		trust_set_ineffective(out,
				      "%s: %s=%s makes %s use the system store, and no "
				      "system store of host \"%s\" is configured with CA "
				      "\"%s\", so it never sees it; list a system store "
				      "in a role with \"%s\", or use a variable naming the bundle",
				      pos, flag->name, flag->flag, flag->who, s->ctx->host,
				      missing[c]->name, missing[c]->name);
	free(pos);
	free(missing);
}

void envvar_note_replaces(const struct store_inst *s, char *const *env, size_t nenv,
			  const char *bundle, size_t nsys, struct trust_set *out)
{
	size_t ncas = store_cas_present(s), other = 0;
	for (size_t i = 0; i < out->n; i++)
		other += !out->items[i].owned;
	for (size_t i = 0; i < nenv; i++) {
		const struct envvar *ev = envvar_find(env[i]);
		if (!ev || ev->kind != ENVVAR_FILE)
			continue;
		bool file = ev->roots == ENVVAR_REPLACES_FILE;
		const char *what = file ? "bundle file" : "roots";
		/* What else the client trusts beside a bundle without the system set. */
		const char *beside = file ? "; they still read the hashed directory of the system "
					    "store (/etc/ssl/certs), so the CAs linked there stay "
					    "trusted"
					  : "";
		if (ev->roots == ENVVAR_ADDS)
			trust_set_note(out, "%s adds %s to the roots of %s", ev->name, bundle,
				       ev->who);
		else if (nsys != SIZE_MAX)
			trust_set_note(out,
				       "%s replaces the %s of %s: %s holds the system set of %s "
				       "(%zu certificates) and the %zu CA%s of this store",
				       ev->name, what, ev->who, bundle,
				       conf_store_str(s->conf, "system_set"), nsys, ncas,
				       ncas == 1 ? "" : "s");
		else if (!other)
			trust_set_note(out,
				       "%s replaces the %s of %s: %s holds the %zu CA%s of "
				       "this store and not the system set%s (set `system_set:` "
				       "to add it)%s",
				       ev->name, what, ev->who, bundle, ncas, ncas == 1 ? "" : "s",
				       file ? "" : ", so public servers are refused", beside);
		else
			trust_set_note(out,
				       "%s replaces the %s of %s: %s holds the %zu CA%s of "
				       "this store and %zu other certificate%s kept in it "
				       "(trustform does not refresh those)%s",
				       ev->name, what, ev->who, bundle, ncas, ncas == 1 ? "" : "s",
				       other, other == 1 ? "" : "s", beside);
	}
}
