/*
 * The `registry` store type: the CAs container engines trust for private
 * registries. Each (engine, registry host) pair is one instance, a certs.d
 * directory (certsd.c). The engines are the configured ones, or those
 * installed under the root, decided by their configuration directories and
 * binaries; the plan says which were found and why.
 */
#include "stores/container/container.h"
#include "schema/keys.h"
#include "stores/container/certsd.h"
#include "stores/storeopt.h"
#include "util/buf.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The names of engines[], in its order (registry_validate checks them). */
static const char *const engine_choices[] = {"docker", "podman", "containerd", NULL};
_Static_assert(sizeof(engine_choices) / sizeof(*engine_choices) == ENGINE_COUNT + 1,
	       "engine_choices names every engine of engines[]");

static const struct store_option registry_keys[] = {
    {.name = "hosts",
     .kind = OPT_LIST,
     .required = true,
     .flags = OPTF_NONEMPTY,
     .pattern = "^([A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*"
		"[A-Za-z0-9_])?)*|\\[[0-9A-Fa-f:.]{2,}\\])(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|"
		"6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$",
     .help = "the registries, as host or host:port (no scheme, no path), exactly as the "
	     "engines name their `certs.d` directories: [\"registry.corp:5000\"]"},
    {.name = "engines",
     .kind = OPT_LIST,
     .choices = engine_choices,
     .flags = OPTF_NONEMPTY | OPTF_OWN_CHECK,
     .help = "which container engines; default: those installed under the root"},
    {0},
};

static const struct store_files_doc registry_files[] = {
    {NULL, "`<certs.d>/<host>/trustform-<name>-<sha256[:12]>.crt` for each engine: Docker "
	   "(`/etc/docker/certs.d`), Podman (`/etc/containers/certs.d`), containerd "
	   "(`/etc/containerd/certs.d`, with a `hosts.toml` of trustform's listing the "
	   "directory's certificates; one it did not write is never edited). Files of others "
	   "are kept"},
    {0},
};

/* --- validation ------------------------------------------------------------------ */

static bool port_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 5 || s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return atol(s) <= 65535;
}

/* Dot-separated labels of letters, digits, '-' and '_', each starting and
 * ending with a letter, digit or '_' (the schema's pattern says the same). */
static bool name_ok(const char *s, size_t n)
{
	size_t label = 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '.';
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum(c) || c == '_' || (c == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

static bool ipv6_ok(const char *s, size_t n)
{
	if (n < 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isxdigit((unsigned char)s[i]) || s[i] == ':' || s[i] == '.'))
			return false;
	return true;
}

/* Why s is not "host" or "host:port" as the engines name their directories
 * (NULL: it is); the reason ends with the fix. Caller frees. */
static char *host_problem(const char *s)
{
	const char *scheme = strstr(s, "://");
	if (scheme) {
		const char *rest = scheme + 3;
		return xasprintf("has a scheme; write the host as the engines name their "
				 "directories, without it: \"%.*s\"",
				 (int)strcspn(rest, "/"), rest);
	}
	const char *slash = strchr(s, '/');
	if (slash)
		return xasprintf("has a path (%s); the engines trust a registry by host and "
				 "port only: write \"%.*s\"",
				 slash, (int)(slash - s), s);
	if (!*s)
		return xstrdup("is empty; write the registry as host or host:port");
	const char *port = NULL;
	bool ok;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		ok = close && ipv6_ok(s + 1, (size_t)(close - s - 1)) &&
		     (!close[1] || (close[1] == ':' && (port = close + 2)));
	} else {
		const char *colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			return xasprintf("has more than one colon; write an IPv6 address in "
					 "brackets: \"[%s]\" (or \"[addr]:port\")",
					 s);
		port = colon ? colon + 1 : NULL;
		ok = name_ok(s, colon ? (size_t)(colon - s) : strlen(s));
	}
	if (ok && port && !port_ok(port))
		return xasprintf("has a bad port \"%s\"; a port is 1 to 65535", port);
	if (!ok)
		return xstrdup("is not a host name, IP address or host:port; write e.g. "
			       "\"registry.corp:5000\"");
	return NULL;
}

static bool listed_before(const struct ynode *list, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (list->items[j]->kind == YNODE_SCALAR &&
		    !strcmp(list->items[j]->text, list->items[i]->text))
			return true;
	return false;
}

static int engine_find(const char *name)
{
	for (int e = 0; e < ENGINE_COUNT; e++)
		if (!strcmp(engines[e].name, name))
			return e;
	return -1;
}

static void registry_validate(const struct conf_store *cs, struct diag *d)
{
	const struct ynode *hosts = conf_store_node(cs, "hosts");
	if (hosts && hosts->kind == YNODE_SEQ && hosts->n == 0)
		store_conf_error(d, cs, hosts,
				 "hosts lists no registry; write them as host or host:port: "
				 "[\"registry.corp:5000\"]");
	for (size_t i = 0; hosts && hosts->kind == YNODE_SEQ && i < hosts->n; i++) {
		const struct ynode *h = hosts->items[i];
		if (h->kind != YNODE_SCALAR)
			continue; /* reported by the option check */
		char *why = host_problem(h->text);
		if (why)
			store_conf_error(d, cs, h, "hosts: \"%s\" %s", h->text, why);
		else if (listed_before(hosts, i))
			store_conf_error(d, cs, h, "hosts: \"%s\" is listed twice; remove one",
					 h->text);
		free(why);
	}
	const struct ynode *engs = conf_store_node(cs, "engines");
	if (engs && engs->kind == YNODE_SEQ && engs->n == 0)
		store_conf_error(d, cs, engs,
				 "engines lists no engine; leave it out to write for the "
				 "engines installed, or list some of docker, podman, containerd");
	for (size_t i = 0; engs && engs->kind == YNODE_SEQ && i < engs->n; i++) {
		const struct ynode *e = engs->items[i];
		if (e->kind != YNODE_SCALAR)
			continue;
		if (engine_find(e->text) >= 0) {
			if (listed_before(engs, i))
				store_conf_error(d, cs, e,
						 "engines: \"%s\" is listed twice; remove one",
						 e->text);
			continue;
		}
		const char *near = NULL;
		int best = 3;
		for (int k = 0; k < ENGINE_COUNT; k++) {
			int dist = edit_distance(e->text, engines[k].name);
			if (dist < best) {
				best = dist;
				near = engines[k].name;
			}
		}
		if (near)
			store_conf_error(d, cs, e,
					 "engines: unknown engine \"%s\"; did you mean \"%s\"?",
					 e->text, near);
		else
			store_conf_error(d, cs, e,
					 "engines: unknown engine \"%s\"; known engines: docker, "
					 "podman, containerd",
					 e->text);
	}
}

/* --- open ------------------------------------------------------------------------ */

/* The first sign of the engine under the root, or NULL. */
static const char *engine_sign(const struct run_ctx *ctx, enum engine e)
{
	for (const char *const *p = engines[e].signs; *p; p++) {
		char *h = root_resolve_host(ctx->root, *p);
		struct stat st;
		bool there = h && stat(h, &st) == 0;
		free(h);
		if (there)
			return *p;
	}
	return NULL;
}

static void signs_text(struct buf *b, enum engine e)
{
	for (const char *const *p = engines[e].signs; *p; p++)
		buf_printf(b, "%s%s", p == engines[e].signs ? "" : p[1] ? ", " : " or ", *p);
}

static int registry_open(const struct conf_store *cs, const struct run_ctx *ctx,
			 struct store_open *out)
{
	const struct ynode *hosts = conf_store_node(cs, "hosts");
	const struct ynode *engs = conf_store_node(cs, "engines");
	bool use[ENGINE_COUNT] = {false};
	struct buf found = BUF_INIT, missing = BUF_INIT;
	for (int e = 0; e < ENGINE_COUNT; e++) {
		const char *sign = engine_sign(ctx, (enum engine)e);
		if (engs) {
			for (size_t i = 0; i < engs->n; i++)
				use[e] |= !strcmp(engs->items[i]->text, engines[e].name);
			if (use[e] && !sign) {
				buf_printf(&missing, "%s%s (none of ", missing.len ? "; " : "",
					   engines[e].name);
				signs_text(&missing, (enum engine)e);
				buf_puts(&missing, " exists)");
			}
			continue;
		}
		use[e] = sign != NULL;
		if (sign) {
			buf_printf(&found, "%s%s (%s)", found.len ? ", " : "", engines[e].name,
				   sign);
		} else {
			buf_printf(&missing, "%s%s (none of ", missing.len ? "; " : "",
				   engines[e].name);
			signs_text(&missing, (enum engine)e);
			buf_puts(&missing, " exists)");
		}
	}
	if (engs) {
		if (missing.len)
			store_open_note(out,
					"engines configured but not installed under the root, "
					"written anyway: %s",
					missing.ptr);
	} else if (found.len) {
		store_open_note(out, "engines found under the root: %s%s%s", found.ptr,
				missing.len ? "; not found: " : "", missing.len ? missing.ptr : "");
	} else {
		store_open_note(out,
				"no container engine found under the root (%s); list the "
				"engines to write for them anyway: engines: [docker, podman, "
				"containerd]",
				missing.ptr);
	}
	buf_dispose(&found);
	buf_dispose(&missing);
	for (int e = 0; e < ENGINE_COUNT; e++)
		for (size_t i = 0; use[e] && i < hosts->n; i++)
			store_open_add(out,
				       certsd_open(cs, ctx, (enum engine)e, hosts->items[i]->text));
	return 0;
}

const struct store_type store_type_registry = {
    .name = "registry",
    .summary = "Container engines' trust for private registries: one file per CA in each "
	       "engine's `certs.d/<host[:port]>/`",
    .files = registry_files,
    .options = registry_keys,
    .validate = registry_validate,
    .open = registry_open,
};
