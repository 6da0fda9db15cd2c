/*
 * The caddy store's options, its instances, and how it runs Caddy: the
 * configured stop/start/reload commands, `caddy version` and `caddy
 * validate` (always with Caddy's data and config directories in a temp
 * directory, so that checking a file never creates a PKI anywhere).
 */
#include "stores/caddy/caddy.h"
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

#define DEFAULT_BINARY	   "/usr/bin/caddy"
#define EXEC_GUARD_SECONDS 300 /* a hung `caddy validate` must not hold the run lock */

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
	err_set("caddy: data_dir %s does not exist (%s); give Caddy's data directory: Debian's "
		"package keeps it in /var/lib/caddy/.local/share/caddy, and `caddy environ` "
		"shows caddy.AppDataDir for another setup",
		o->data_dir, *host);
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

char *caddy_export_command(const struct config *cfg, const char *root, const char *ca_id)
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
	char *cmd = xasprintf("trustform caddy export-root -c %s%s%s %s", cfg->path,
			      *root ? " --root " : "", root, file);
	free(dflt);
	return cmd;
}

/* --- running things ------------------------------------------------------- */

int caddy_command(const char *what, const char *cmd)
{
	/* its chatter goes to our stderr, never into the plan */
	struct proc_opts o = {.what = what, .shell = cmd};
	int st = proc_exec(&o);
	if (st == 0)
		return 0;
	if (st > 128)
		err_set("%s: `%s` was killed by signal %d", what, cmd, st - 128);
	else if (st > 0)
		err_set("%s: `%s` exited with code %d", what, cmd, st);
	return -1;
}

int caddy_exec_capture(char *const argv[], struct buf *out)
{
	/* Caddy leaves nothing behind: its data and config go to a temp home. */
	struct proc_opts o = {.argv = (const char *const *)argv,
			      .out = out,
			      .temp_home = true,
			      .timeout_ms = EXEC_GUARD_SECONDS * 1000};
	return proc_exec(&o);
}

int caddy_version(const char *host_binary, int v[3], char **raw)
{
	*raw = NULL;
	if (access(host_binary, X_OK) < 0) {
		err_set_errno(errno, "%s", host_binary);
		return -1;
	}
	struct buf out = BUF_INIT;
	char *argv[] = {(char *)host_binary, "version", NULL};
	int rc = caddy_exec_capture(argv, &out);
	if (rc != 0) {
		if (rc > 0)
			err_set("`%s version` exited with code %d: %.200s", host_binary, rc,
				out.ptr);
		buf_dispose(&out);
		return -1;
	}
	/* "2.6.2" (Debian), "v2.7.6 h1:…" (upstream builds) */
	const char *p = out.ptr + strspn(out.ptr, " \t\r\n");
	if (*p == 'v')
		p++;
	char tail;
	int n = sscanf(p, "%d.%d.%d%c", &v[0], &v[1], &v[2], &tail);
	if (n < 3 || (n == 4 && tail != ' ' && tail != '\n' && tail != '-' && tail != '+' &&
		      tail != '~' && tail != '\r')) {
		*raw = xstrndup(out.ptr, strcspn(out.ptr, "\n"));
		buf_dispose(&out);
		return 1;
	}
	*raw = xstrndup(out.ptr, strcspn(out.ptr, "\r\n"));
	buf_dispose(&out);
	return 0;
}

bool caddy_version_at_least(const int v[3], int major, int minor, int patch)
{
	if (v[0] != major)
		return v[0] > major;
	if (v[1] != minor)
		return v[1] > minor;
	return v[2] >= patch;
}

/* Caddy's "Error: …" line, which says what is wrong; the rest is its log. */
static void last_error_line(const struct buf *out, struct buf *msg)
{
	const char *best = NULL;
	for (const char *p = out->ptr; p && *p;) {
		if (!strncmp(p, "Error: ", 7))
			best = p;
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : NULL;
	}
	if (!best) {
		size_t n = out->len;
		while (n && (out->ptr[n - 1] == '\n' || out->ptr[n - 1] == '\r'))
			n--;
		size_t start = n;
		while (start && out->ptr[start - 1] != '\n')
			start--;
		buf_add(msg, out->ptr + start, n - start);
		return;
	}
	best += 7; /* the message, without Caddy's "Error: " */
	buf_add(msg, best, strcspn(best, "\r\n"));
}

int caddy_validate(const char *host_binary, const char *file, bool caddyfile, struct buf *msg)
{
	char *argv[] = {(char *)host_binary,
			"validate",
			"--config",
			(char *)file,
			caddyfile ? "--adapter" : NULL,
			"caddyfile",
			NULL};
	struct buf out = BUF_INIT;
	int rc = caddy_exec_capture(argv, &out);
	if (rc > 0)
		last_error_line(&out, msg);
	buf_dispose(&out);
	return rc < 0 ? -1 : rc == 0 ? 0 : 1;
}

/* --- durations --------------------------------------------------------------- */

bool caddy_duration_parse(const char *s, long long *ns)
{
	return go_duration_parse(s, ns, NULL) && *ns >= 0;
}
