/*
 * The `shell-env` store: login shells and desktop sessions point their
 * runtimes at a bundle trustform writes for the store.
 *
 *   /etc/trustform/bundles/<store>.pem      the CAs, as marked blocks
 *   /etc/profile.d/trustform.sh             export lines (login shells), and
 *       `unset` for every insecure setting seen before it (/etc/environment,
 *       /etc/environment.d, profile.d files sorting before trustform.sh)
 *   /etc/environment.d/90-trustform.conf    KEY=value lines (systemd user
 *       sessions), and the safe value for an insecure setting seen before it
 *
 * The variables are those of stores/files/envvars.c, as for systemd-env. The
 * two files are derived from what is read, so they are planned as a refresh
 * ("~ files"). What trustform cannot fix in its own files makes the trust
 * ineffective: a later profile.d file or environment.d file that sets one of
 * its variables otherwise, or an insecure setting that only unsetting undoes,
 * which environment.d cannot do. What the other files set is read by
 * shell_env_scan.c.
 */
#include "model/step.h"
#include "stores/files/envbundle.h"
#include "stores/files/envvars.h"
#include "stores/files/envwrite.h"
#include "stores/files/files.h"
#include "stores/files/pemfile.h"
#include "stores/files/shell_env_scan.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BUNDLE_DIR   "/etc/trustform/bundles"
#define BUNDLE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+@"

static const struct store_backend shenv_backend;

static const struct store_option shenv_keys[] = {
    ENVVAR_OPT_ENV,
    ENVVAR_OPT_BUNDLE,
    ENVVAR_OPT_SYSTEM_SET,
    {0},
};

static const struct store_files_doc shenv_files[] = {
    {NULL, "The bundle (`/etc/trustform/bundles/<store>.pem` or `bundle`), "
	   "`/etc/profile.d/trustform.sh` (login shells) and "
	   "`/etc/environment.d/90-trustform.conf` (systemd user sessions), setting the `env` "
	   "variables (and undoing insecure settings seen before them)"},
    {0},
};

struct shenv {
	char **env;
	size_t nenv;
	char *bundle, *bundle_host;
	char *profile_host, *envd_host;
};

/* --- the two files ----------------------------------------------------------- */

static const char *want_value(const struct shenv *p, size_t i)
{
	const struct envvar *ev = envvar_find(p->env[i]);
	return ev ? envvar_value(ev, p->bundle) : p->bundle;
}

static bool is_ours(const struct shenv *p, const char *name)
{
	for (size_t i = 0; i < p->nenv; i++)
		if (!strcmp(p->env[i], name))
			return true;
	return false;
}

/* Insecure settings read before trustform's files, one per name. */
static size_t find_insecure(const struct scan *sc, const struct assign **out,
			    const struct envvar_insecure **why)
{
	size_t n = 0;
	for (size_t i = 0; i < sc->n && n < ENVVAR_MAX_INSECURE; i++) {
		const struct assign *a = &sc->a[i];
		const struct envvar_insecure *w;
		if (a->after || !a->value || !(w = envvar_insecure_find(a->name, a->value)))
			continue;
		bool dup = false;
		for (size_t j = 0; j < n && !dup; j++)
			dup = !strcmp(out[j]->name, a->name);
		if (!dup) {
			why[n] = w;
			out[n++] = a;
		}
	}
	return n;
}

static int render(const struct store_inst *s, const struct shenv *p, const struct scan *sc,
		  struct buf *sh, struct buf *conf)
{
	const struct assign *found[ENVVAR_MAX_INSECURE];
	const struct envvar_insecure *why[ENVVAR_MAX_INSECURE];
	struct envw_undo undo[ENVVAR_MAX_INSECURE];
	size_t nf = find_insecure(sc, found, why);
	struct envw_set *set = xcalloc(p->nenv ? p->nenv : 1, sizeof(*set));
	for (size_t i = 0; i < p->nenv; i++)
		set[i] = (struct envw_set){p->env[i], want_value(p, i)};
	for (size_t i = 0; i < nf; i++)
		undo[i] = (struct envw_undo){found[i]->name, found[i]->value,
					     why[i]->why,    found[i]->src,
					     why[i]->safe,   found[i]->kind == SRC_PROFILE};
	int rc = envw_render_shell(sh, conf, s->conf->name, set, p->nenv, undo, nf);
	free(set);
	return rc;
}

struct view {
	struct scan sc;
	struct buf want_sh, want_conf, have_sh, have_conf;
	bool sh_exists, conf_exists;
};

static int read_have(struct buf *b, const char *host, const char *shown, bool *exists)
{
	*exists = buf_read_file(b, host) == 0;
	if (!*exists && errno != ENOENT) {
		err_set_errno(errno, "%s: cannot read", shown);
		return -1;
	}
	return 0;
}

/* What the two files must hold, from what the other files set. */
static int view_want(struct view *v, const struct store_inst *s, const struct shenv *p)
{
	memset(v, 0, sizeof(*v));
	buf_init(&v->want_sh);
	buf_init(&v->want_conf);
	buf_init(&v->have_sh);
	buf_init(&v->have_conf);
	scan_all(&v->sc, s->ctx->root);
	if (v->sc.bad) {
		err_set("%s: the file name has a control character, and systemd reads the file; "
			"trustform will not write a name it cannot show on one line: rename or "
			"remove it",
			v->sc.bad);
		return -1;
	}
	return render(s, p, &v->sc, &v->want_sh, &v->want_conf);
}

static int view_load(struct view *v, const struct store_inst *s, const struct shenv *p)
{
	if (view_want(v, s, p) < 0)
		return -1;
	if (read_have(&v->have_sh, p->profile_host, PROFILE_DIR "/" PROFILE_OURS, &v->sh_exists) <
		0 ||
	    read_have(&v->have_conf, p->envd_host, ENVD_DIR "/" ENVD_OURS, &v->conf_exists) < 0)
		return -1;
	return 0;
}

static void view_dispose(struct view *v)
{
	scan_dispose(&v->sc);
	buf_dispose(&v->want_sh);
	buf_dispose(&v->want_conf);
	buf_dispose(&v->have_sh);
	buf_dispose(&v->have_conf);
}

static bool sh_ok(const struct view *v)
{
	return v->sh_exists && buf_equal(&v->have_sh, v->want_sh.ptr, v->want_sh.len);
}

static bool conf_ok(const struct view *v)
{
	return v->conf_exists && buf_equal(&v->have_conf, v->want_conf.ptr, v->want_conf.len);
}

/* What trustform's files cannot fix: later files that set its variables
 * otherwise or turn verification off, and insecure settings that only
 * unsetting undoes in environment.d. */
static void check_overrides(const struct shenv *p, const struct view *v, struct trust_set *out)
{
	for (size_t i = 0; i < v->sc.n; i++) {
		const struct assign *a = &v->sc.a[i];
		const struct envvar_insecure *w =
		    a->value ? envvar_insecure_find(a->name, a->value) : NULL;
		char *val = envw_printable(a->value);
		const char *who = a->kind == SRC_PROFILE ? "login shells" : "desktop sessions";
		const char *ours =
		    a->kind == SRC_PROFILE ? PROFILE_DIR "/" PROFILE_OURS : ENVD_DIR "/" ENVD_OURS;
		if (a->after && is_ours(p, a->name)) {
			size_t k = 0;
			while (strcmp(p->env[k], a->name))
				k++;
			if (!a->value || strcmp(a->value, want_value(p, k)))
				trust_set_ineffective(out,
						      "%s: %s %s after %s (files are read in name "
						      "order, and the last one wins), so %s do not "
						      "get trustform's %s=%s; remove that line",
						      a->src, a->name,
						      a->value ? "is set again" : "is unset", ours,
						      who, a->name, want_value(p, k));
		} else if (a->after && w) {
			trust_set_ineffective(out,
					      "%s: %s=%s (%s) is read after %s, which cannot undo "
					      "it for %s; remove that line",
					      a->src, a->name, val, w->why, ours, who);
		} else if (w && !w->safe && a->kind != SRC_PROFILE) {
			trust_set_ineffective(out,
					      "%s: %s=%s (%s): for desktop sessions only removing "
					      "it undoes it (environment.d cannot unset a "
					      "variable); remove that line",
					      a->src, a->name, val, w->why);
		}
		free(val);
	}
}

/* --- the store ---------------------------------------------------------------- */

static void shenv_validate(const struct conf_store *cs, struct diag *d)
{
	envvar_validate_env(cs, d);
	const struct ynode *b = conf_store_node(cs, "bundle");
	if (b && b->kind == YNODE_SCALAR && strspn(b->text, BUNDLE_CHARS) != strlen(b->text))
		diag_add(d, DIAG_ERROR, cs->config_file, b->line, b->col,
			 "store \"%s\": the bundle path \"%s\" must be written in both a shell "
			 "file and environment.d; use only letters, digits and /._-+@ in it",
			 cs->name, b->text);
}

static void shenv_free(struct store_inst *s)
{
	struct shenv *p = s->priv;
	if (!p)
		return;
	for (size_t i = 0; i < p->nenv; i++)
		free(p->env[i]);
	free(p->env);
	free(p->bundle);
	free(p->bundle_host);
	free(p->profile_host);
	free(p->envd_host);
	free(p);
}

static int shenv_open(const struct conf_store *cs, const struct run_ctx *ctx,
		      struct store_open *out)
{
	struct shenv *p = xcalloc(1, sizeof(*p));
	const struct ynode *env = conf_store_node(cs, "env");
	p->env = xcalloc(env->n ? env->n : 1, sizeof(*p->env));
	for (size_t i = 0; i < env->n; i++)
		p->env[p->nenv++] = xstrdup(env->items[i]->text);
	const char *b = conf_store_str(cs, "bundle");
	p->bundle = b ? xstrdup(b) : xasprintf(BUNDLE_DIR "/%s.pem", cs->name);
	char *title = xasprintf("%s (shell-env)", cs->name);
	struct store_inst *s = store_inst_new(&shenv_backend, cs, ctx, cs->name, title);
	free(title);
	s->priv = p;
	p->bundle_host = root_resolve_host(ctx->root, p->bundle);
	p->profile_host = root_resolve_host(ctx->root, PROFILE_DIR "/" PROFILE_OURS);
	p->envd_host = root_resolve_host(ctx->root, ENVD_DIR "/" ENVD_OURS);
	if (!p->bundle_host || !p->profile_host || !p->envd_host) {
		store_inst_free(s);
		return -1;
	}
	s->target =
	    xstrdup("the files " PROFILE_DIR "/" PROFILE_OURS " and " ENVD_DIR "/" ENVD_OURS);
	store_open_add(out, s);
	return 0;
}

static int shenv_read(struct store_inst *s, struct trust_set *out)
{
	struct shenv *p = s->priv;
	struct view v;
	char *sys_stale;
	size_t nsys;
	if (env_bundle_read(s, p->bundle_host, p->bundle, out, &sys_stale, &nsys) < 0)
		return -1;
	if (view_load(&v, s, p) < 0) {
		view_dispose(&v);
		free(sys_stale);
		return -1;
	}
	struct buf why = BUF_INIT;
	const struct assign *found[ENVVAR_MAX_INSECURE];
	const struct envvar_insecure *w[ENVVAR_MAX_INSECURE];
	if (!sh_ok(&v))
		buf_printf(&why, "%s %s\n", PROFILE_DIR "/" PROFILE_OURS,
			   v.sh_exists ? "is out of date" : "will be written");
	if (!conf_ok(&v))
		buf_printf(&why, "%s %s\n", ENVD_DIR "/" ENVD_OURS,
			   v.conf_exists ? "is out of date" : "will be written");
	if (why.len) {
		buf_printf(&why, "variables: ");
		for (size_t i = 0; i < p->nenv; i++)
			buf_printf(&why, "%s%s=%s", i ? ", " : "", p->env[i], want_value(p, i));
		buf_putc(&why, '\n');
		size_t nf = find_insecure(&v.sc, found, w);
		for (size_t i = 0; i < nf; i++) {
			char *val = envw_printable(found[i]->value);
			buf_printf(&why, "insecure setting undone: %s=%s from %s (%s)\n",
				   found[i]->name, val, found[i]->src, w[i]->why);
			free(val);
		}
		buf_truncate(&why, why.len - 1);
		out->stale = buf_detach(&why);
	}
	buf_dispose(&why);
	env_bundle_add_stale(out, sys_stale);
	check_overrides(p, &v, out);
	envvar_check_system_ca(s, p->env, p->nenv, out);
	envvar_note_replaces(s, p->env, p->nenv, p->bundle, nsys, out);
	out->after = xstrdup("new login shells and sessions get the variables; running ones "
			     "keep their environment until they start again");
	view_dispose(&v);
	return 0;
}

/* The bundle (its mode kept), then the two files: the engine writes them. */
static int shenv_owned(struct store_inst *s, struct store_files *fs)
{
	struct shenv *p = s->priv;
	store_files_add(fs, p->bundle_host, p->bundle)->keep_mode = true;
	store_files_add(fs, p->profile_host, PROFILE_DIR "/" PROFILE_OURS);
	store_files_add(fs, p->envd_host, ENVD_DIR "/" ENVD_OURS);
	return 0;
}

static int shenv_render(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	struct shenv *p = s->priv;
	struct env_bundle eb;
	struct view v;
	struct buf bundle = BUF_INIT;
	int rc = -1;
	memset(&v, 0, sizeof(v));
	if (env_bundle_from(&eb, s, &fs->f[0]) == 0 && view_want(&v, s, p) == 0) {
		rc = pem_file_render(&eb.f, ps, &bundle);
		store_file_set(&fs->f[0], bundle.ptr, bundle.len);
		store_file_set(&fs->f[1], v.want_sh.ptr, v.want_sh.len);
		store_file_set(&fs->f[2], v.want_conf.ptr, v.want_conf.len);
	}
	buf_dispose(&bundle);
	view_dispose(&v);
	env_bundle_dispose(&eb);
	return rc;
}

static const struct store_file_kind shenv_kind = {
    .files = shenv_owned,
    .render = shenv_render,
};

static const struct store_backend shenv_backend = {
    .name = "shell-env",
    .ops = STORE_OPS_CA | STORE_OP(OP_REFRESH),
    .read = shenv_read,
    .file = &shenv_kind,
    .free = shenv_free,
};

const struct store_type store_type_shell_env = {
    .name = "shell-env",
    .summary = "`/etc/profile.d/trustform.sh` and `/etc/environment.d/90-trustform.conf` "
	       "pointing variables at a bundle; insecure settings undone",
    .files = shenv_files,
    .options = shenv_keys,
    .validate = shenv_validate,
    .open = shenv_open,
    .readers = {.flags = STORE_READ_ENV},
};
