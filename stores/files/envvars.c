/* Known TLS trust variables; see envvars.h. */
#include "stores/files/envvars.h"
#include "schema/keys.h"
#include "schema/resolve.h"
#include "stores/store.h"
#include "stores/storeopt.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The table, once: vars[] and envvar_bundle_choices[] are made from it. */
#define ENVVARS(X)                                                                                 \
	X("NODE_EXTRA_CA_CERTS", ENVVAR_FILE, NULL, "Node.js (added to its own CAs)")              \
	X("NODE_USE_SYSTEM_CA", ENVVAR_FLAG, "1",                                                  \
	  "Node.js (the system store; any value but 1 is ignored)")                                \
	X("SSL_CERT_FILE", ENVVAR_FILE, NULL, "OpenSSL, Python ssl, Ruby, Go")                     \
	X("SSL_CERT_DIR", ENVVAR_DIR, NULL, "OpenSSL, Go")                                         \
	X("REQUESTS_CA_BUNDLE", ENVVAR_FILE, NULL, "Python requests")                              \
	X("CURL_CA_BUNDLE", ENVVAR_FILE, NULL, "curl")                                             \
	X("GIT_SSL_CAINFO", ENVVAR_FILE, NULL, "git")                                              \
	X("PIP_CERT", ENVVAR_FILE, NULL, "pip")                                                    \
	X("AWS_CA_BUNDLE", ENVVAR_FILE, NULL, "the AWS CLI and SDKs")                              \
	X("DENO_CERT", ENVVAR_FILE, NULL, "Deno")

#define ENVVAR_ROW(name, kind, flag, who) {name, kind, flag, who},
static const struct envvar vars[] = {ENVVARS(ENVVAR_ROW)};

/* The names a bundle store's env: takes: files and flags, not directories. */
#define CHOICE_ENVVAR_FILE(name) name,
#define CHOICE_ENVVAR_FLAG(name) name,
#define CHOICE_ENVVAR_DIR(name)
#define ENVVAR_CHOICE(name, kind, flag, who) CHOICE_##kind(name)
const char *const envvar_bundle_choices[] = {ENVVARS(ENVVAR_CHOICE) NULL};
#define NVARS (sizeof(vars) / sizeof(*vars))

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
	const char *flag = NULL;
	for (size_t i = 0; i < nenv && !flag; i++) {
		const struct envvar *ev = envvar_find(env[i]);
		if (ev && ev->kind == ENVVAR_FLAG)
			flag = ev->name;
	}
	if (!flag)
		return;
	const struct conf_ca **missing;
	size_t n = store_cas_outside_system(s, &missing);
	char *pos = n ? store_opt_pos(s->conf, "env") : NULL;
	for (size_t c = 0; c < n; c++)
		trust_set_ineffective(out,
				      "%s: %s=1 makes Node.js use the system store, and no "
				      "system store of host \"%s\" is configured with CA "
				      "\"%s\", so Node never sees it; list a system store "
				      "in a role with \"%s\", or use NODE_EXTRA_CA_CERTS",
				      pos, flag, s->ctx->host, missing[c]->name, missing[c]->name);
	free(pos);
	free(missing);
}
