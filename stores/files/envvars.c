/* Known TLS trust variables; see envvars.h. */
#include "stores/files/envvars.h"
#include "schema/keys.h"

#include <stdio.h>
#include <string.h>

static const struct envvar vars[] = {
    {"NODE_EXTRA_CA_CERTS", ENVVAR_FILE, NULL, "Node.js (added to its own CAs)"},
    {"NODE_USE_SYSTEM_CA", ENVVAR_FLAG, "1",
     "Node.js (the system store; any value but 1 is ignored)"},
    {"SSL_CERT_FILE", ENVVAR_FILE, NULL, "OpenSSL, Python ssl, Ruby, Go"},
    {"SSL_CERT_DIR", ENVVAR_DIR, NULL, "OpenSSL, Go"},
    {"REQUESTS_CA_BUNDLE", ENVVAR_FILE, NULL, "Python requests"},
    {"CURL_CA_BUNDLE", ENVVAR_FILE, NULL, "curl"},
    {"GIT_SSL_CAINFO", ENVVAR_FILE, NULL, "git"},
    {"PIP_CERT", ENVVAR_FILE, NULL, "pip"},
    {"AWS_CA_BUNDLE", ENVVAR_FILE, NULL, "the AWS CLI and SDKs"},
    {"DENO_CERT", ENVVAR_FILE, NULL, "Deno"},
};
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
