/*
 * A caddy store's options as its backends use them (struct caddy_opts), its
 * data directory, the export command its messages name, and Caddy's
 * durations. Below the type (caddy.c) and the backends.
 */
#include "stores/caddy/caddy.h"
#include "stores/caddy/caddy_int.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/goduration.h"
#include "util/proc.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_BINARY "/usr/bin/caddy"

static char *opt_str(const struct conf_store *cs, const char *key)
{
	const char *v = conf_store_str(cs, key);
	return v && *v ? xstrdup(v) : NULL;
}

void caddy_opts_load(struct caddy_opts *o, const struct conf_store *cs, const char *root)
{
	memset(o, 0, sizeof(*o));
	o->root = root;
	o->ca = opt_str(cs, "ca");
	if (!o->ca)
		o->ca = xstrdup("local");
	o->data_dir = opt_str(cs, "data_dir");
	o->caddyfile = opt_str(cs, "caddyfile");
	o->json = opt_str(cs, "json");
	o->lifetime = opt_str(cs, "intermediate_lifetime");
	o->binary = opt_str(cs, "binary");
	o->binary_set = o->binary != NULL;
	if (!o->binary)
		o->binary = xstrdup(DEFAULT_BINARY);
	o->stop = opt_str(cs, "stop");
	o->start = opt_str(cs, "start");
	o->reload = opt_str(cs, "reload");
	/* Under --root, nothing of the host is restarted unless configured (SPEC §1). */
	if (!*root) {
		if (!o->stop)
			o->stop = xstrdup("systemctl stop caddy");
		if (!o->start)
			o->start = xstrdup("systemctl start caddy");
		if (!o->reload)
			o->reload = xstrdup("systemctl reload caddy");
	}
}

void caddy_opts_dispose(struct caddy_opts *o)
{
	free(o->ca);
	free(o->data_dir);
	free(o->caddyfile);
	free(o->json);
	free(o->lifetime);
	free(o->binary);
	free(o->stop);
	free(o->start);
	free(o->reload);
	memset(o, 0, sizeof(*o));
}

int caddy_data_dir(const struct caddy_opts *o, char **host)
{
	*host = root_resolve_host(o->root, o->data_dir);
	if (!*host)
		return -1;
	if (is_dir(*host))
		return 0;
	const char *shown = path_shown(*host); /* differs when a link leads elsewhere */
	err_set("caddy: data_dir %s%s%s%s does not exist; give Caddy's data directory: Debian's "
		"package keeps it in /var/lib/caddy/.local/share/caddy, and `caddy environ` "
		"shows caddy.AppDataDir for another setup",
		o->data_dir, strcmp(shown, o->data_dir) ? " (" : "",
		strcmp(shown, o->data_dir) ? shown : "", strcmp(shown, o->data_dir) ? ")" : "");
	free(*host);
	*host = NULL;
	return -1;
}

void caddy_inst_free(struct store_inst *s)
{
	if (s->priv) {
		caddy_opts_dispose(s->priv);
		free(s->priv);
	}
}

bool caddy_ca_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (!n || n > 64 || !isalnum((unsigned char)id[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
			return false;
	return true;
}

char *caddy_export_command(const struct config *cfg, const char *root, const char *ca_id,
			   bool other_ca)
{
	const char *file = NULL;
	for (size_t i = 0; i < cfg->ncas && !file; i++)
		if (cfg->cas[i].caddy && !strcmp(cfg->cas[i].caddy, ca_id) &&
		    cfg->cas[i].file_path && cfg->cas[i].file[0] != '/')
			file = cfg->cas[i].file_path;
	char *dflt = NULL;
	if (!file) {
		dflt = strcmp(cfg->dir, ".")
			   ? xasprintf("%s/cas/caddy-%s-root.pem", cfg->dir, ca_id)
			   : xasprintf("cas/caddy-%s-root.pem", ca_id);
		file = dflt;
	}
	char *cmd = xasprintf("trustform caddy export-root -c %s%s%s%s%s %s", cfg->path,
			      *root ? " --root " : "", root, other_ca ? " --ca " : "",
			      other_ca ? ca_id : "", file);
	free(dflt);
	return cmd;
}

/* --- durations --------------------------------------------------------------- */

bool caddy_duration_parse(const char *s, long long *ns)
{
	return go_duration_parse(s, ns, NULL) && *ns >= 0;
}
