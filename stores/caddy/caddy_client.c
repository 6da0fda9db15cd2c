/*
 * Caddy as a client of other stores (a reverse_proxy to an upstream signed by
 * a private CA): Go reads the system roots once per process, so a change to
 * the system store needs a restart of Caddy; the bundles its Caddyfile names
 * (`tls_trust_pool file <pem>…`, or a block with `pem_file`, the deprecated
 * `tls_trusted_ca_certs <pem>…`, and `trust_pool file` of client_auth) are
 * read again when Caddy reloads. The engine matches those files to the
 * stores that write them (reconcile/consumers.c).
 */
#include "stores/caddy/caddy.h"
#include "stores/caddy/caddy_int.h"
#include "stores/caddy/caddyfile.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define CADDY_UNIT "caddy.service"

static void add_file(struct store_client *c, const char *path)
{
	if (path[0] != '/')
		return; /* relative to Caddy's working directory: not ours to guess */
	c->files = xrealloc(c->files, (c->nfiles + 1) * sizeof(*c->files));
	c->files[c->nfiles++] = xstrdup(path);
}

/* The arguments on the line of toks[at] (after it), until a brace. */
static size_t line_args(struct store_client *c, const struct cf_tokens *t, size_t at)
{
	size_t i = at + 1;
	for (; i < t->n && !t->items[i].nl_before && !cf_is(&t->items[i], "{") &&
	       !cf_is(&t->items[i], "}");
	     i++)
		add_file(c, t->items[i].text);
	return i;
}

/* `... file [pem...] [{ pem_file pem... }]` with toks[at] the word "file". */
static void pool_file(struct store_client *c, const struct cf_tokens *t, size_t at)
{
	size_t i = line_args(c, t, at);
	if (i >= t->n || !cf_is(&t->items[i], "{") || t->items[i].nl_before)
		return;
	size_t close = cf_match(t, i);
	for (size_t k = i + 1; k < close && k < t->n; k++)
		if (t->items[k].nl_before && cf_is(&t->items[k], "pem_file"))
			line_args(c, t, k);
}

static void scan(struct store_client *c, const struct cf_tokens *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct cf_token *k = &t->items[i];
		if (!k->nl_before || k->quote)
			continue;
		if (cf_is(k, "tls_trusted_ca_certs"))
			line_args(c, t, i);
		else if ((cf_is(k, "tls_trust_pool") || cf_is(k, "trust_pool")) && i + 1 < t->n &&
			 !t->items[i + 1].nl_before && cf_is(&t->items[i + 1], "file"))
			pool_file(c, t, i + 1);
	}
}

struct store_client *caddy_client_load(const struct caddy_opts *o)
{
	struct store_client *c = xcalloc(1, sizeof(*c));
	c->unit = xstrdup(CADDY_UNIT);
	c->system_roots = true;
	if (!o->caddyfile)
		return c; /* a JSON config: its trust pools are not followed yet */
	c->files_from = xstrdup(o->caddyfile);
	char *host = root_resolve_host(o->root, o->caddyfile);
	struct buf src = BUF_INIT;
	struct cf_doc d;
	/* an unreadable Caddyfile is the config instance's error to report */
	if (host && buf_read_file(&src, host) == 0) {
		if (cf_doc_load_buffer(&d, o->root, o->caddyfile, src.ptr, src.len) == 0)
			for (size_t f = 0; f < d.nfiles; f++)
				scan(c, &d.files[f].toks);
		cf_doc_dispose(&d); /* also after a failed load */
	}
	err_clear();
	buf_dispose(&src);
	free(host);
	return c;
}
