/*
 * The caddy store type: its options and their checks, and its instances (the
 * PKI, and the Caddyfile or JSON config). What the backends share is below
 * them: the options as loaded (caddy_opts.c) and running Caddy (caddy_exec.c).
 */
#include "stores/caddy/caddy.h"
#include "schema/config.h"
#include "stores/caddy/caddy_int.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/goduration.h"
#include "util/proc.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct store_inst *new_inst(const struct store_backend *backend, const struct conf_store *cs,
				   const struct run_ctx *ctx, const char *address,
				   const char *title)
{
	struct store_inst *s = store_inst_new(backend, cs, ctx, address, title);
	struct caddy_opts *o = xcalloc(1, sizeof(*o));
	caddy_opts_load(o, cs, ctx->root);
	s->priv = o;
	return s;
}

/* A rotation of Caddy's root (a present CA marked `caddy: <id>` that
 * replaces another, <id> not the section's ca): Caddy's CA <id> is read too,
 * so that its root is checked against that CA from the overlap on (a root
 * Caddy made again after the export would otherwise be switched to while no
 * host trusts it), and its intermediate and leaves like the section's. */
static void open_rotation_pkis(const struct conf_store *cs, const struct run_ctx *ctx,
			       const char *section_ca, struct store_open *out)
{
	for (size_t i = 0; ctx->cfg && i < ctx->cfg->ncas; i++) {
		const struct conf_ca *ca = &ctx->cfg->cas[i];
		if (!ca->caddy || !ca->replaced || ca->ensure != ENSURE_PRESENT ||
		    !strcmp(ca->caddy, section_ca) || !caddy_ca_id_ok(ca->caddy))
			continue;
		char *addr = xasprintf("caddy.pki.%s", ca->caddy);
		char *title = xasprintf("caddy (pki %s)", ca->caddy);
		struct store_inst *s = new_inst(&store_backend_caddy_pki, cs, ctx, addr, title);
		struct caddy_opts *o = s->priv;
		free(o->ca);
		o->ca = xstrdup(ca->caddy);
		o->other_ca = true;
		free(o->lifetime); /* the section's intermediate_lifetime is its ca's */
		o->lifetime = NULL;
		store_open_add(out, s);
		free(addr);
		free(title);
	}
}

/* The PKI, and the Caddyfile or JSON config when one is configured. */
static int caddy_open(const struct conf_store *cs, const struct run_ctx *ctx,
		      struct store_open *out)
{
	struct caddy_opts o;
	char *title;
	caddy_opts_load(&o, cs, ctx->root);
	/* The config first: apply writes intermediate_lifetime before a reissue
	 * restarts Caddy, which then issues the intermediate for it. */
	if (o.caddyfile || o.json) {
		title = xasprintf("caddy (%s %s)", o.caddyfile ? "Caddyfile" : "JSON config",
				  o.caddyfile ? o.caddyfile : o.json);
		store_open_add(
		    out, new_inst(&store_backend_caddy_config, cs, ctx, "caddy.config", title));
		free(title);
	}
	char *addr = xasprintf("caddy.pki.%s", o.ca);
	title = xasprintf("caddy (pki %s)", o.ca);
	struct store_inst *pki = new_inst(&store_backend_caddy_pki, cs, ctx, addr, title);
	pki->client = caddy_client_load(&o);
	store_open_add(out, pki);
	free(addr);
	free(title);
	open_rotation_pkis(cs, ctx, o.ca, out);
	caddy_opts_dispose(&o);
	return 0;
}

/* --- options ------------------------------------------------------------------ */

static const struct store_option caddy_options[] = {
    {.name = "data_dir",
     .kind = OPT_PATH,
     .required = true,
     .help = "Caddy's data directory, e.g. `/var/lib/caddy/.local/share/caddy`"},
    {.name = "caddyfile",
     .kind = OPT_PATH,
     .help = "Caddy's Caddyfile (one of `caddyfile` and `json`); needed for "
	     "`intermediate_lifetime`, and linted"},
    {.name = "json",
     .kind = OPT_PATH,
     .help = "Caddy's JSON configuration, instead of a Caddyfile"},
    {.name = "ca",
     .kind = OPT_STRING,
     .def = "local",
     .pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
     .help = "the CA id (`local` is Caddy's `tls internal`)"},
    {.name = "intermediate_lifetime",
     .kind = OPT_STRING,
     .pattern = "^([0-9.]+(ns|us|µs|ms|s|m|h|d))+$",
     .help = "a Go duration as Caddy reads it (`43800h`, `1825d`); written into the "
	     "configuration"},
    {.name = "binary",
     .kind = OPT_PATH,
     .help = "Caddy, for `caddy version` and `caddy validate` (default `/usr/bin/caddy`, under "
	     "`--root`)"},
    {.name = "stop",
     .kind = OPT_STRING,
     .help = "shell command that stops Caddy (default `systemctl stop caddy`; none under "
	     "`--root` unless given)"},
    {.name = "start",
     .kind = OPT_STRING,
     .help = "shell command that starts Caddy (default `systemctl start caddy`; none under "
	     "`--root` unless given)"},
    {.name = "reload",
     .kind = OPT_STRING,
     .help = "shell command that reloads Caddy (default `systemctl reload caddy`; none under "
	     "`--root` unless given)"},
    {0},
};

static const struct store_files_doc caddy_files[] = {
    {NULL, "The `intermediate_lifetime` setting in the Caddyfile or JSON configuration; on a "
	   "reissue it removes Caddy's intermediate and stale leaves (never the root)"},
    {0},
};

static void errat(struct diag *d, const struct conf_store *cs, const struct ynode *n,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void errat(struct diag *d, const struct conf_store *cs, const struct ynode *n,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, DIAG_ERROR, cs->config_file, n->line, n->col, "caddy: ", fmt, ap);
	va_end(ap);
}

static const struct ynode *scalar(const struct conf_store *cs, const char *key)
{
	const struct ynode *n = conf_store_node(cs, key);
	return n && n->kind == YNODE_SCALAR ? n : NULL;
}

/* What the option kinds cannot say (SPEC §3). */
static void caddy_validate_conf(const struct conf_store *cs, struct diag *d)
{
	const struct ynode *n = scalar(cs, "ca");
	if (n && !config_name_ok(n->text))
		errat(d, cs, n, "ca must be a Caddy CA id such as \"local\"");
	long long ns;
	const char *why;
	const struct ynode *life = scalar(cs, "intermediate_lifetime");
	if (life && !go_duration_parse(life->text, &ns, &why))
		errat(d, cs, life,
		      "intermediate_lifetime \"%s\" is not a duration Caddy reads "
		      "(%s); write it as Caddy does, e.g. 43800h (5 years), 720h or 30d",
		      life->text, why);
	else if (life && ns < 0)
		errat(d, cs, life,
		      "intermediate_lifetime \"%s\" is negative: Caddy reads it, "
		      "but no certificate can be issued for it; write a positive duration such "
		      "as 43800h",
		      life->text);
	life = conf_store_node(cs, "intermediate_lifetime");
	if (life && !conf_store_node(cs, "caddyfile") && !conf_store_node(cs, "json"))
		errat(d, cs, life,
		      "intermediate_lifetime is set in Caddy's config: give its "
		      "file as caddyfile (e.g. /etc/caddy/Caddyfile) or json");
	static const char *const commands[] = {"stop", "start", "reload"};
	for (size_t i = 0; i < 3; i++) {
		n = scalar(cs, commands[i]);
		if (n && !*n->text)
			errat(d, cs, n,
			      "%s is empty; give the shell command (e.g. systemctl %s "
			      "caddy), or leave the key out for the default",
			      commands[i], commands[i]);
	}
	if (conf_store_node(cs, "caddyfile") && conf_store_node(cs, "json"))
		errat(d, cs, conf_store_node(cs, "json"), "give caddyfile or json, not both");
}

const struct store_type store_type_caddy = {
    .name = "caddy",
    .section = "caddy",
    .options = caddy_options,
    .validate = caddy_validate_conf,
    .open = caddy_open,
    .summary = "Caddy's local PKI and configuration, checked on hosts whose roles say "
	       "`caddy: true`",
    .files = caddy_files,
    .schema_rules = "\"not\": { \"required\": [\"caddyfile\", \"json\"] }",
};
