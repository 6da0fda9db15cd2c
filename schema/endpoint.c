/* connects_to: endpoints; see endpoint.h. */
#include "schema/endpoint.h"
#include "schema/keys.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

bool endpoint_is_ip(const char *host)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* A DNS name: labels of [A-Za-z0-9-] (and _), 1..63 each, 253 in all. */
static bool dns_name_ok(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (!n || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

void endpoint_dispose(struct conf_endpoint *e)
{
	free(e->url);
	free(e->host);
	free(e->port);
	free(e->sni);
	free(e->stores);
	memset(e, 0, sizeof(*e));
}

int endpoint_parse_url(struct conf_endpoint *e, const char *url, char **why)
{
	const char *rest;
	e->url = xstrdup(url);
	if (!strncmp(url, "https://", 8)) {
		e->http = true;
		rest = url + 8;
	} else if (!strncmp(url, "tcp+tls://", 10)) {
		rest = url + 10;
	} else {
		const char *colon = strstr(url, "://");
		*why = colon ? xasprintf("endpoint \"%s\" has the scheme \"%.*s\"; use https:// "
					 "or tcp+tls://",
					 url, (int)(colon - url), url)
			     : xasprintf("endpoint \"%s\" is not a URL; write https://host[:port] "
					 "or tcp+tls://host:port",
					 url);
		return -1;
	}
	size_t hostlen = strcspn(rest, "/?#");
	const char *tail = rest + hostlen;
	if (*tail && (!e->http || *tail != '/' || strpbrk(tail, "?#"))) {
		*why = e->http ? xasprintf("endpoint \"%s\": a query or fragment means nothing "
					   "here; write https://host[:port][/path]",
					   url)
			       : xasprintf("endpoint \"%s\": tcp+tls:// takes no path; write "
					   "tcp+tls://host:port",
					   url);
		return -1;
	}
	char *hp = xstrndup(rest, hostlen);
	const char *port = NULL;
	if (strchr(hp, '@')) {
		*why = xasprintf("endpoint \"%s\" carries a user name; write the host alone", url);
		goto fail;
	}
	if (hp[0] == '[') {
		char *close = strchr(hp, ']');
		if (!close || (close[1] && close[1] != ':')) {
			*why = xasprintf("endpoint \"%s\": an IPv6 address is written [addr] or "
					 "[addr]:port",
					 url);
			goto fail;
		}
		*close = 0;
		e->host = xstrdup(hp + 1);
		port = close[1] ? close + 2 : NULL;
		unsigned char buf[16];
		if (inet_pton(AF_INET6, e->host, buf) != 1) {
			*why = xasprintf("endpoint \"%s\": \"%s\" is not an IPv6 address", url,
					 e->host);
			goto fail;
		}
	} else {
		char *colon = strchr(hp, ':');
		if (colon) {
			*colon = 0;
			port = colon + 1;
		}
		e->host = xstrdup(hp);
		if (!*e->host) {
			*why = xasprintf("endpoint \"%s\" has no host", url);
			goto fail;
		}
		if (!endpoint_is_ip(e->host) && !dns_name_ok(e->host)) {
			*why = xasprintf("endpoint \"%s\": \"%s\" is neither a host name nor an IP "
					 "address (an IPv6 address goes in brackets)",
					 url, e->host);
			goto fail;
		}
	}
	if (!port && !e->http) {
		*why = xasprintf("endpoint \"%s\" has no port; tcp+tls:// needs one: "
				 "tcp+tls://%s:PORT",
				 url, hp);
		goto fail;
	}
	if (port) {
		char *end;
		long v = strtol(port, &end, 10);
		if (!*port || *end || !isdigit((unsigned char)*port) || v < 1 || v > 65535) {
			*why =
			    xasprintf("endpoint \"%s\": the port \"%s\" is not a number from 1 to "
				      "65535",
				      url, port);
			goto fail;
		}
		e->port = xasprintf("%ld", v);
	} else {
		e->port = xstrdup("443");
	}
	free(hp);
	return 0;
fail:
	free(hp);
	return -1;
}

static void err_at(struct diag *d, const struct endpoint_role *r, const struct ynode *n,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void err_at(struct diag *d, const struct endpoint_role *r, const struct ynode *n,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, DIAG_ERROR, r->file, n->line, n->col, NULL, fmt, ap);
	va_end(ap);
}

static const struct key_spec endpoint_keys[] = {
    {"url", true},
    {"sni", false},
    {"stores", false},
    {NULL, false},
};

/* The role's store nearest to name, for "did you mean". */
static const char *near_store(const struct endpoint_role *r, const char *name)
{
	const char *best = NULL;
	int bestd = 3;
	for (size_t i = 0; i < r->nstores; i++) {
		const char *s = r->stores[i];
		int dist = edit_distance(name, s);
		if (dist < bestd) {
			bestd = dist;
			best = s;
		}
	}
	return best;
}

static void load_stores(const struct endpoint_role *r, struct conf_endpoint *e,
			const struct ynode *list, const char *where, struct diag *d)
{
	e->stores_listed = true;
	if (list->kind != YNODE_SEQ) {
		err_at(d, r, list, "stores of %s must be a list of store names", where);
		return;
	}
	e->stores = xcalloc(list->n ? list->n : 1, sizeof(*e->stores));
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		if (it->kind != YNODE_SCALAR) {
			err_at(d, r, it, "stores of %s must be store names", where);
			continue;
		}
		size_t k = 0;
		while (k < r->nstores && strcmp(r->stores[k], it->text))
			k++;
		if (k == r->nstores) {
			const char *near = near_store(r, it->text);
			struct buf all = BUF_INIT;
			for (size_t j = 0; j < r->nstores; j++)
				buf_printf(&all, "%s%s", j ? ", " : "", r->stores[j]);
			if (near)
				err_at(d, r, it,
				       "%s names store \"%s\", which is not a store of role "
				       "\"%s\"; did you mean \"%s\"?",
				       where, it->text, r->name, near);
			else
				err_at(d, r, it,
				       "%s names store \"%s\", which is not a store of role "
				       "\"%s\"; its stores are: %s",
				       where, it->text, r->name, all.len ? all.ptr : "(none)");
			buf_dispose(&all);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < e->nstores; j++)
			dup |= e->stores[j] == r->store_idx[k];
		if (dup) {
			err_at(d, r, it, "%s lists store \"%s\" twice; remove one", where,
			       it->text);
			continue;
		}
		e->stores[e->nstores++] = r->store_idx[k];
	}
}

void endpoint_load_list(struct conf_endpoint **out, size_t *nout, const struct ynode *list,
			const struct endpoint_role *r, struct diag *d)
{
	if (list->kind != YNODE_SEQ) {
		err_at(d, r, list,
		       "connects_to of role \"%s\" must be a list of URLs "
		       "(https://host[:port] or tcp+tls://host:port)",
		       r->name);
		return;
	}
	struct conf_endpoint *eps = xcalloc(list->n ? list->n : 1, sizeof(*eps));
	size_t n = 0;
	*out = eps;
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i], *url = it;
		if (it->kind == YNODE_MAP) {
			url = ymap_get(it, "url");
			struct buf where = BUF_INIT;
			buf_printf(&where, "an endpoint of role \"%s\"", r->name);
			for (size_t k = 0; k < it->n; k++)
				key_check(endpoint_keys, it->keys[k], where.ptr, r->file, d);
			buf_dispose(&where);
			if (!url) {
				err_at(d, r, it,
				       "an endpoint of role \"%s\" is missing the required "
				       "key \"url\"",
				       r->name);
				continue;
			}
		}
		if (url->kind != YNODE_SCALAR) {
			err_at(d, r, url,
			       "an endpoint of role \"%s\" must be a URL or a mapping "
			       "with url:",
			       r->name);
			continue;
		}
		struct conf_endpoint e = {0};
		char *why = NULL;
		if (endpoint_parse_url(&e, url->text, &why) < 0) {
			err_at(d, r, url, "%s", why);
			free(why);
			endpoint_dispose(&e);
			continue;
		}
		e.line = url->line;
		e.col = url->col;
		for (size_t j = 0; j < n; j++)
			if (!strcmp(eps[j].url, e.url))
				err_at(d, r, url,
				       "role \"%s\" lists endpoint \"%s\" twice; remove "
				       "one",
				       r->name, e.url);
		struct buf where = BUF_INIT;
		buf_printf(&where, "endpoint \"%s\"", e.url);
		const struct ynode *sni = it->kind == YNODE_MAP ? ymap_get(it, "sni") : NULL;
		if (sni) {
			if (sni->kind != YNODE_SCALAR || !dns_name_ok(sni->text) ||
			    endpoint_is_ip(sni->text))
				err_at(d, r, sni,
				       "sni of %s must be a host name (SNI carries no "
				       "IP addresses)",
				       where.ptr);
			else
				e.sni = xstrdup(sni->text);
		}
		const struct ynode *st = it->kind == YNODE_MAP ? ymap_get(it, "stores") : NULL;
		if (st)
			load_stores(r, &e, st, where.ptr, d);
		else if (r->nstores) {
			e.stores = xcalloc(r->nstores, sizeof(*e.stores));
			memcpy(e.stores, r->store_idx, r->nstores * sizeof(*e.stores));
			e.nstores = r->nstores;
		}
		if (!st && !r->nstores)
			err_at(d, r, url,
			       "role \"%s\" has no stores, so no client of this host "
			       "would call %s; add stores: to the role",
			       r->name, e.url);
		buf_dispose(&where);
		eps[n++] = e;
		*nout = n;
	}
}
