/*
 * The caddy store's options, its instances, and how it runs Caddy: the
 * configured stop/start/reload commands, `caddy version` and `caddy
 * validate` (always with Caddy's data and config directories in a temp
 * directory, so that checking a file never creates a PKI anywhere).
 */
#include "stores/caddy/caddy.h"
#include "util/err.h"
#include "util/goduration.h"
#include "util/proc.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_BINARY "/usr/bin/caddy"
#define EXEC_GUARD_SECONDS 300	/* a hung `caddy validate` must not hold the run lock */

static char *opt_str(const struct ynode *caddy, const char *key)
{
	const struct ynode *n = ymap_get(caddy, key);
	return n && n->kind == YNODE_SCALAR && *n->text ? xstrdup(n->text) : NULL;
}

void caddy_opts_load(struct caddy_opts *o, const struct config *cfg, const char *root)
{
	const struct ynode *c = cfg->caddy.node;
	memset(o, 0, sizeof(*o));
	o->root = root;
	o->ca = opt_str(c, "ca");
	if (!o->ca)
		o->ca = xstrdup("local");
	o->data_dir = opt_str(c, "data_dir");
	o->caddyfile = opt_str(c, "caddyfile");
	o->json = opt_str(c, "json");
	o->lifetime = opt_str(c, "intermediate_lifetime");
	o->binary = opt_str(c, "binary");
	o->binary_set = o->binary != NULL;
	if (!o->binary)
		o->binary = xstrdup(DEFAULT_BINARY);
	o->stop = opt_str(c, "stop");
	o->start = opt_str(c, "start");
	o->reload = opt_str(c, "reload");
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
		"shows caddy.AppDataDir for another setup", o->data_dir, *host);
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

static struct store_inst *new_inst(const struct store_ops *ops, const struct config *cfg,
				   const struct run_ctx *ctx, const char *address,
				   const char *title)
{
	struct store_inst *s = store_inst_new(ops, NULL, ctx, address, title);
	struct caddy_opts *o = xcalloc(1, sizeof(*o));
	caddy_opts_load(o, cfg, ctx->root);
	s->priv = o;
	return s;
}

int caddy_open(const struct config *cfg, const struct run_ctx *ctx, struct store_inst ***out,
	       size_t *nout)
{
	struct caddy_opts o;
	caddy_opts_load(&o, cfg, ctx->root);
	*out = xcalloc(2, sizeof(**out));
	*nout = 0;
	char *addr = xasprintf("caddy.pki.%s", o.ca);
	char *title = xasprintf("caddy (pki %s)", o.ca);
	(*out)[(*nout)++] = new_inst(&store_caddy_pki, cfg, ctx, addr, title);
	free(addr);
	free(title);
	if (o.caddyfile || o.json) {
		title = xasprintf("caddy (%s %s)", o.caddyfile ? "Caddyfile" : "JSON config",
				  o.caddyfile ? o.caddyfile : o.json);
		(*out)[(*nout)++] = new_inst(&store_caddy_config, cfg, ctx, "caddy.config", title);
		free(title);
	}
	caddy_opts_dispose(&o);
	return 0;
}

char *caddy_export_command(const struct config *cfg, const char *root, const char *ca_id)
{
	const char *file = NULL;
	for (size_t i = 0; i < cfg->ncas && !file; i++)
		if (cfg->cas[i].caddy && !strcmp(cfg->cas[i].caddy, ca_id) && cfg->cas[i].file_path &&
		    cfg->cas[i].file[0] != '/')
			file = cfg->cas[i].file_path;
	char *dflt = NULL;
	if (!file) {
		dflt = strcmp(cfg->dir, ".") ? xasprintf("%s/cas/caddy-%s-root.pem", cfg->dir, ca_id)
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
	struct proc_opts o = { .what = what, .shell = cmd };
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
	struct proc_opts o = { .argv = (const char *const *)argv, .out = out,
			       .temp_home = true, .timeout_ms = EXEC_GUARD_SECONDS * 1000 };
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
	char *argv[] = { (char *)host_binary, "version", NULL };
	int rc = caddy_exec_capture(argv, &out);
	if (rc != 0) {
		if (rc > 0)
			err_set("`%s version` exited with code %d: %.200s", host_binary, rc, out.ptr);
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
	best += 7;	/* the message, without Caddy's "Error: " */
	buf_add(msg, best, strcspn(best, "\r\n"));
}

int caddy_validate(const char *host_binary, const char *file, bool caddyfile, struct buf *msg)
{
	char *argv[] = { (char *)host_binary, "validate", "--config", (char *)file,
			 caddyfile ? "--adapter" : NULL, "caddyfile", NULL };
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
