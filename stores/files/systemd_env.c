/*
 * The `systemd-env` store: a service's environment points its runtimes at a
 * bundle trustform writes for the store.
 *
 *   /etc/trustform/bundles/<store>.pem                  the CAs, as marked blocks
 *   /etc/systemd/system/<unit>.d/90-trustform.conf      Environment= for each
 *       listed variable (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, ...), and
 *       UnsetEnvironment= for every setting found in the unit, its other
 *       drop-ins or its environment files that turns verification off
 *       (NODE_TLS_REJECT_UNAUTHORIZED=0, PYTHONHTTPSVERIFY=0, ...)
 *
 * The drop-in is derived from the unit as it is read, so it is planned as a
 * refresh of files ("~ files") with each insecure setting named. After any
 * change: systemctl daemon-reload and try-restart of the unit, or the
 * configured restart_command; under --root only when one is configured.
 */
#include "model/step.h"
#include "schema/resolve.h"
#include "stores/files/envbundle.h"
#include "stores/files/envvars.h"
#include "stores/files/envwrite.h"
#include "stores/files/files.h"
#include "stores/files/pemfile.h"
#include "stores/files/unitfile.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct store_backend senv_backend;
struct senv;
static const char *want_value(const struct senv *p, size_t i);

#define DROPIN_NAME "90-trustform.conf"
#define BUNDLE_DIR  "/etc/trustform/bundles"

struct senv {
	char *unit;
	char **env;
	size_t nenv;
	char *bundle, *bundle_host;
	char *dropin, *dropin_host;
	bool restart;
	const char *restart_command;
};

static const struct store_option senv_keys[] = {
    {.name = "unit",
     .kind = OPT_STRING,
     .required = true,
     .pattern = "^[A-Za-z0-9:_.@\\\\-]+\\.[a-z]+$",
     .help = "the systemd unit, e.g. `homepage.service`"},
    ENVVAR_OPT_ENV,
    ENVVAR_OPT_BUNDLE,
    ENVVAR_OPT_SYSTEM_SET,
    {.name = "restart",
     .kind = OPT_BOOL,
     .help = "daemon-reload and try-restart the unit after a change (default true, but "
	     "false under `--root`)"},
    {.name = "restart_command",
     .kind = OPT_STRING,
     .help = "shell command run instead of systemctl after a change (`$TRUSTFORM_UNIT` is "
	     "the unit); needed to restart under `--root`"},
    {0},
};

static const struct store_files_doc senv_files[] = {
    {NULL, "The bundle (`/etc/trustform/bundles/<store>.pem` or `bundle`) and "
	   "`/etc/systemd/system/<unit>.d/90-trustform.conf`"},
    {0},
};

static void senv_validate(const struct conf_store *cs, struct diag *d)
{
	envvar_validate_env(cs, d);
	const struct ynode *b = conf_store_node(cs, "bundle");
	if (b && b->kind == YNODE_SCALAR && !envw_value_ok(b->text))
		diag_add(d, DIAG_ERROR, cs->config_file, b->line, b->col,
			 "store \"%s\": the bundle path must be written in a unit's "
			 "Environment=, where quotes, spaces, '%%' and '\\' mean something; "
			 "use only letters, digits and /._-+@ in it",
			 cs->name);
}

static void senv_free(struct store_inst *s)
{
	struct senv *p = s->priv;
	if (!p)
		return;
	free(p->unit);
	for (size_t i = 0; i < p->nenv; i++)
		free(p->env[i]);
	free(p->env);
	free(p->bundle);
	free(p->bundle_host);
	free(p->dropin);
	free(p->dropin_host);
	free(p);
}

static int senv_open(const struct conf_store *cs, const struct run_ctx *ctx, struct store_open *out)
{
	const char *unit = conf_store_str(cs, "unit");
	if (!unit_name_ok(unit)) {
		char *pos = store_opt_pos(cs, "unit");
		err_set("%s: unit \"%s\" is not a systemd unit name (letters, digits and :-_.@\\ "
			"with a type suffix such as .service; no '/' and no \"..\"); fix `unit:`",
			pos, unit);
		free(pos);
		return -1;
	}
	const char *restart_cmd = conf_store_str(cs, "restart_command");
	bool restart = conf_store_bool(cs, "restart", !*ctx->root || restart_cmd);
	if (restart && *ctx->root && !restart_cmd) {
		char *pos = store_opt_pos(cs, "restart");
		err_set("%s: restart: true under --root needs restart_command (systemctl would "
			"restart the host's %s, not the image's)",
			pos, unit);
		free(pos);
		return -1;
	}
	struct senv *p = xcalloc(1, sizeof(*p));
	p->unit = xstrdup(unit);
	p->restart = restart;
	p->restart_command = restart_cmd;
	const struct ynode *env = conf_store_node(cs, "env");
	p->env = xcalloc(env->n ? env->n : 1, sizeof(*p->env));
	for (size_t i = 0; i < env->n; i++)
		p->env[p->nenv++] = xstrdup(env->items[i]->text);
	const char *b = conf_store_str(cs, "bundle");
	p->bundle = b ? xstrdup(b) : xasprintf(BUNDLE_DIR "/%s.pem", cs->name);
	p->bundle_host = root_resolve_host(ctx->root, p->bundle);
	p->dropin = xasprintf("/etc/systemd/system/%s.d/" DROPIN_NAME, unit);
	p->dropin_host = root_resolve_host(ctx->root, p->dropin);
	struct store_inst *s = store_inst_new(&senv_backend, cs, ctx, cs->name, "");
	s->priv = p;
	if (!p->bundle_host || !p->dropin_host) {
		store_inst_free(s);
		return -1;
	}
	free(s->title);
	s->title = xasprintf("%s (systemd-env %s)", cs->name, unit);
	s->target = xasprintf("the drop-in %s", path_shown(p->dropin_host));
	/* its processes take the variables when they start */
	struct store_consumer *c =
	    store_inst_add_consumer(s, unit, CONSUMER_RESTART, "the unit its drop-in is for");
	c->manual = !restart;
	c->env = xcalloc(p->nenv ? p->nenv : 1, sizeof(*c->env));
	for (size_t i = 0; i < p->nenv; i++)
		c->env[c->nenv++] = xasprintf("%s=%s", p->env[i], want_value(p, i));
	store_open_add(out, s);
	return 0;
}

/* What the unit sets that turns verification off (trustform's drop-in aside),
 * one per variable name, in the order found. */
struct finding {
	const struct unit_assign *a;
	const struct envvar_insecure *why;
};

static size_t find_insecure(const struct unit_env *u, struct finding *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < u->n && n < max; i++) {
		const struct unit_assign *a = &u->a[i];
		const struct envvar_insecure *why;
		if (a->kind != UA_SET || !(why = envvar_insecure_find(a->name, a->value)))
			continue;
		bool dup = false;
		for (size_t j = 0; j < n && !dup; j++)
			dup = !strcmp(out[j].a->name, a->name);
		if (!dup)
			out[n++] = (struct finding){a, why};
	}
	return n;
}

/* What env[i] must hold: the bundle's path, or the flag's value. */
static const char *want_value(const struct senv *p, size_t i)
{
	const struct envvar *ev = envvar_find(p->env[i]);
	return ev ? envvar_value(ev, p->bundle) : p->bundle;
}

static int render_dropin(struct buf *out, const struct store_inst *s, const struct senv *p,
			 const struct finding *f, size_t nf)
{
	struct envw_undo undo[ENVVAR_MAX_INSECURE];
	struct envw_set *set = xcalloc(p->nenv ? p->nenv : 1, sizeof(*set));
	for (size_t i = 0; i < p->nenv; i++)
		set[i] = (struct envw_set){p->env[i], want_value(p, i)};
	for (size_t i = 0; i < nf; i++) {
		if (!envw_text_ok(f[i].a->src)) {
			struct buf shown = BUF_INIT;
			envw_comment(&shown, "%s", f[i].a->src);
			buf_truncate(&shown, shown.len - 1);
			err_set("%s: the file name has a control character, and systemd reads the "
				"file; trustform will not write a name it cannot show on one line: "
				"rename or remove it",
				shown.ptr + 2);
			buf_dispose(&shown);
			free(set);
			return -1;
		}
		undo[i] = (struct envw_undo){f[i].a->name, f[i].a->value, f[i].why->why,
					     f[i].a->src,  NULL,	  false};
	}
	int rc = envw_render_dropin(out, s->conf->name, set, p->nenv, undo, nf);
	free(set);
	return rc;
}

struct unit_view {
	struct unit_env others; /* the unit without trustform's drop-in */
	struct finding found[ENVVAR_MAX_INSECURE];
	size_t nfound;
	struct buf want; /* trustform's drop-in as it must be */
	struct buf have; /* as it is */
	bool have_exists;
};

/* What the drop-in must hold, from what the unit's other files set. */
static int view_want(struct unit_view *v, const struct store_inst *s, const struct senv *p)
{
	memset(v, 0, sizeof(*v));
	buf_init(&v->want);
	buf_init(&v->have);
	if (unit_env_load(&v->others, s->ctx->root, p->unit, DROPIN_NAME, NULL) < 0)
		return -1;
	v->nfound = find_insecure(&v->others, v->found, ENVVAR_MAX_INSECURE);
	return render_dropin(&v->want, s, p, v->found, v->nfound);
}

static int view_load(struct unit_view *v, const struct store_inst *s, const struct senv *p)
{
	if (view_want(v, s, p) < 0)
		return -1;
	if (buf_read_file(&v->have, p->dropin_host) == 0) {
		v->have_exists = true;
	} else if (errno != ENOENT) {
		err_set_errno(errno, "%s: cannot read", p->dropin);
		return -1;
	}
	return 0;
}

static void view_dispose(struct unit_view *v)
{
	unit_env_dispose(&v->others);
	buf_dispose(&v->want);
	buf_dispose(&v->have);
}

static char *restart_text(const struct store_inst *s, const struct senv *p)
{
	if (p->restart_command)
		return xasprintf("run restart_command for %s", p->unit);
	if (p->restart)
		return xasprintf("systemctl daemon-reload; systemctl try-restart %s", p->unit);
	if (*s->ctx->root)
		return xasprintf("%s is not restarted under --root (set restart_command to "
				 "restart it)",
				 p->unit);
	return xasprintf("%s is not restarted (restart: false)", p->unit);
}

/* Why the setting at src decides a variable over trustform's drop-in. */
static const char *override_why(const struct unit_env *u, const char *src)
{
	for (size_t i = 0; i < u->n; i++) {
		const struct unit_assign *a = &u->a[i];
		if (a->src != src)
			continue;
		if (a->from_envfile)
			return "EnvironmentFile= values override every Environment=";
		if (a->kind == UA_UNSET)
			return "UnsetEnvironment= is applied after every Environment=";
		if (a->kind == UA_RESET)
			return "an empty Environment= drops every assignment before it, and it "
			       "comes after trustform's drop-in";
		if (a->file < u->ours)
			break;
		return "drop-ins are applied in file-name order and it comes after "
		       "trustform's " DROPIN_NAME;
	}
	return "it is applied after trustform's drop-in";
}

/* What the unit will see once trustform's drop-in is in place: a later file
 * that overrides a variable trustform sets keeps the trust from the service,
 * and apply cannot change that file. */
static void check_overrides(const struct store_inst *s, const struct senv *p,
			    const struct unit_view *v, struct trust_set *out)
{
	struct unit_env after;
	if (unit_env_load(&after, s->ctx->root, p->unit, DROPIN_NAME, v->want.ptr) < 0)
		return;
	for (size_t i = 0; i < p->nenv; i++) {
		const char *src = NULL, *want = want_value(p, i);
		const char *val = unit_env_final(&after, p->env[i], &src);
		if (val && !strcmp(val, want))
			continue;
		char *shown = val ? envw_printable(val) : NULL;
		char *where = envw_printable(src ? src : "?");
		if (val)
			trust_set_ineffective(out,
					      "%s: %s=\"%s\" reaches %s instead of trustform's "
					      "%s=%s (%s); remove that setting, or make it %s=%s",
					      where, p->env[i], shown, p->unit, p->env[i], want,
					      override_why(&after, src), p->env[i], want);
		else
			trust_set_ineffective(out,
					      "%s: %s is unset for %s instead of trustform's %s=%s "
					      "(%s); remove that setting",
					      where, p->env[i], p->unit, p->env[i], want,
					      override_why(&after, src));
		free(shown);
		free(where);
	}
	for (size_t i = 0; i < after.nenvfiles; i++)
		trust_set_note(out,
			       "%s: EnvironmentFile %s cannot be read here; insecure settings "
			       "in it are not seen",
			       p->unit, after.envfiles[i]);
	unit_env_dispose(&after);
}

static int senv_read(struct store_inst *s, struct trust_set *out)
{
	struct senv *p = s->priv;
	struct unit_view v;
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
	if (!v.have_exists || !buf_equal(&v.have, v.want.ptr, v.want.len)) {
		struct buf vars = BUF_INIT, flags = BUF_INIT;
		for (size_t i = 0; i < p->nenv; i++) {
			const char *val = want_value(p, i);
			if (val == p->bundle)
				buf_printf(&vars, "%s%s", vars.len ? ", " : "", p->env[i]);
			else
				buf_printf(&flags, "%s%s=%s", flags.len ? ", " : "", p->env[i],
					   val);
		}
		buf_printf(&why, "%s %s: ", p->dropin,
			   v.have_exists ? "is out of date" : "will be written");
		if (vars.len)
			buf_printf(&why, "%s -> %s%s", vars.ptr, p->bundle, flags.len ? "; " : "");
		buf_printf(&why, "%s\n", flags.len ? flags.ptr : "");
		buf_dispose(&vars);
		buf_dispose(&flags);
		for (size_t i = 0; i < v.nfound; i++)
			buf_printf(&why,
				   "insecure setting removed: %s=%s from %s (%s): "
				   "UnsetEnvironment=%s\n",
				   v.found[i].a->name, v.found[i].a->value, v.found[i].a->src,
				   v.found[i].why->why, v.found[i].a->name);
	}
	if (why.len) {
		buf_truncate(&why, why.len - 1);
		out->stale = buf_detach(&why);
	}
	buf_dispose(&why);
	env_bundle_add_stale(out, sys_stale);
	if (v.others.unit_file == SIZE_MAX)
		trust_set_note(out, "%s is %s; the drop-in is written for when it is installed",
			       p->unit,
			       v.others.masked ? "masked" : "not installed (no unit file)");
	check_overrides(s, p, &v, out);
	envvar_check_system_ca(s, p->env, p->nenv, out);
	envvar_note_replaces(s, p->env, p->nenv, p->bundle, nsys, out);
	out->after = restart_text(s, p);
	view_dispose(&v);
	return 0;
}

static int run_restart(const struct senv *p, struct buf *log)
{
	if (p->restart_command) {
		char *envv = xasprintf("TRUSTFORM_UNIT=%s", p->unit);
		const char *env[] = {envv, NULL};
		struct proc_opts o = {
		    .what = "restart_command", .shell = p->restart_command, .env = env, .out = log};
		int st = proc_exec(&o);
		free(envv);
		return st;
	}
	const char *reload[] = {"systemctl", "daemon-reload", NULL};
	const char *restart[] = {"systemctl", "try-restart", p->unit, NULL};
	int st = proc_run(reload, NULL, log);
	return st ? st : proc_run(restart, NULL, log);
}

/* The bundle (its mode kept) and the drop-in: the engine writes them. */
static int senv_owned(struct store_inst *s, struct store_files *fs)
{
	struct senv *p = s->priv;
	store_files_add(fs, p->bundle_host, p->bundle)->keep_mode = true;
	store_files_add(fs, p->dropin_host, p->dropin);
	return 0;
}

static int senv_render(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	struct senv *p = s->priv;
	struct env_bundle eb;
	struct unit_view v;
	struct buf bundle = BUF_INIT;
	int rc = -1;
	memset(&v, 0, sizeof(v));
	if (env_bundle_from(&eb, s, &fs->f[0]) == 0 && view_want(&v, s, p) == 0) {
		rc = pem_file_render(&eb.f, ps, &bundle);
		store_file_set(&fs->f[0], bundle.ptr, bundle.len);
		store_file_set(&fs->f[1], v.want.ptr, v.want.len);
	}
	buf_dispose(&bundle);
	view_dispose(&v);
	env_bundle_dispose(&eb);
	return rc;
}

/* After the engine committed a change: the unit takes it when it restarts. */
static int senv_changed(struct store_inst *s, struct plan_store *ps)
{
	struct senv *p = s->priv;
	if (!p->restart) {
		ps->apply_note = restart_text(s, p);
		return 0;
	}
	struct buf log = BUF_INIT;
	int rc = 0, st = run_restart(p, &log);
	if (st != 0) {
		char *last = st < 0 ? xstrdup(err_msg()) : proc_last_line(&log);
		if (st < 0)
			err_set("the files are written, but restarting %s failed (%s); restart it "
				"by hand",
				p->unit, last);
		else
			err_set("the files are written, but restarting %s failed (exit %d: %s); "
				"restart it by hand",
				p->unit, st, last);
		free(last);
		rc = -1;
	} else {
		ps->apply_note =
		    xasprintf("%s: %s", p->unit,
			      p->restart_command ? "restart_command ran"
						 : "daemon-reload and try-restart done");
	}
	buf_dispose(&log);
	return rc;
}

static const struct store_file_kind senv_kind = {
    .files = senv_owned,
    .render = senv_render,
    .changed = senv_changed,
};

static const struct store_backend senv_backend = {
    .name = "systemd-env",
    .ops = STORE_OPS_CA | STORE_OP(OP_REFRESH),
    .read = senv_read,
    .file = &senv_kind,
    .free = senv_free,
};

const struct store_type store_type_systemd_env = {
    .name = "systemd-env",
    .summary = "A drop-in pointing a systemd unit's variables at a bundle of the CAs; "
	       "insecure settings unset",
    .files = senv_files,
    .options = senv_keys,
    .validate = senv_validate,
    .open = senv_open,
    .readers = {.flags = STORE_READ_ENV | STORE_READ_NODE},
};
