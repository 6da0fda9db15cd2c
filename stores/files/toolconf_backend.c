/*
 * The backend of the configuration-file stores (toolconf.c opens them): read
 * reports the bundle's CAs, each file that is not what trustform would write
 * (a refresh), and what overrides the setting (toolconf_scan.c). It is a file
 * store (stores/store.h): render gives the bundle and each file's new text,
 * and the engine writes them in one transaction through the root jail, a
 * user's file and the directories made for it as theirs.
 */
#include "model/step.h"
#include "stores/files/envbundle.h"
#include "stores/files/toolconf.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void tc_store_free(struct tc_store *p)
{
	if (!p)
		return;
	free(p->bundle);
	free(p->bundle_host);
	free(p->url);
	free(p->name);
	free(p->section);
	free(p->header);
	free(p->keyline);
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].shown);
		free(p->files[i].host);
	}
	free(p->files);
	for (size_t i = 0; i < p->nusers; i++) {
		free(p->users[i].name);
		free(p->users[i].home);
	}
	free(p->users);
	for (size_t i = 0; i < p->nvenvs; i++)
		free(p->venvs[i]);
	free(p->venvs);
	for (size_t i = 0; i < p->nprojects; i++) {
		free(p->projects[i].dir);
		free(p->projects[i].why);
	}
	free(p->projects);
	free(p);
}

static void tc_free(struct store_inst *s)
{
	tc_store_free(s->priv);
}

/* --- one file ---------------------------------------------------------------------- */

struct tc_view {
	struct buf have, want;
	bool exists;
	struct stat st;
	size_t dup_line; /* pip: a foreign `cert` in [global] (trustform must not add one) */
};

/* What a file holding have must hold (want); *dup_line: pip's foreign `cert`
 * in [global] (trustform then adds none). -1 with err set when trustform's
 * block is damaged. */
static int render_file(const struct tc_store *p, const char *shown, const struct buf *have,
		       struct buf *want, size_t *dup_line)
{
	struct cfg_doc d;
	cfg_parse(&d, p->t->syn, have->ptr, have->len);
	size_t bb = 0, be = 0;
	int blk = cfg_block(&d, p->store, &bb, &be);
	*dup_line = 0;
	for (size_t i = 0; p->t->syn == CFG_PIP && i < d.n && !*dup_line; i++)
		if (d.e[i].name && !strcmp(d.e[i].name, p->name) && (blk < 1 || i < bb || i > be))
			*dup_line = d.e[i].line;
	struct cfg_want w = {p->store, p->section, p->header, p->keyline, p->t->place};
	int rc = blk < 0 ? -1 : cfg_render(want, &d, &w, !*dup_line);
	if (rc < 0)
		err_set("%s:%zu: trustform's block of store %s is damaged (a begin marker without "
			"its end, or a second one): remove the lines from `# trustform:begin %s` "
			"to `# trustform:end %s` and run trustapply again",
			shown, d.e[bb].line, p->store, p->store, p->store);
	cfg_doc_dispose(&d);
	return rc;
}

static int view_load(struct tc_view *v, const struct tc_store *p, const struct tc_file *f)
{
	memset(v, 0, sizeof(*v));
	buf_init(&v->have);
	buf_init(&v->want);
	/* a user's file itself is never a link trustform follows (the jail
	 * refuses one in a directory they own; this, one anywhere); one
	 * descriptor for the bytes and their owner and mode */
	v->exists = buf_read_file_stat(&v->have, f->host, f->user >= 0, &v->st) == 0;
	if (!v->exists && errno != ENOENT) {
		err_set("%s: cannot read (%s): make it a regular file (or remove it), and run "
			"trustapply again",
			f->shown, buf_strerror(errno));
		return -1;
	}
	return render_file(p, f->shown, &v->have, &v->want, &v->dup_line);
}

static void view_dispose(struct tc_view *v)
{
	buf_dispose(&v->have);
	buf_dispose(&v->want);
}

static bool view_ok(const struct tc_view *v)
{
	return buf_equal(&v->have, v->want.ptr, v->want.len) && (v->exists || !v->want.len);
}

/* --- read and apply ----------------------------------------------------------------- */

static void note_replaces(const struct tc_store *p, const struct store_inst *s, size_t nsys,
			  struct trust_set *out)
{
	size_t ncas = store_cas_present(s);
	if (nsys != SIZE_MAX)
		trust_set_note(out,
			       "%s `%s` replaces the roots of %s: %s holds the system set of %s "
			       "(%zu certificates) and the %zu CA%s of this store",
			       p->t->tool, p->t->key, p->t->tool, p->bundle,
			       conf_store_str(s->conf, "system_set"), nsys, ncas,
			       ncas == 1 ? "" : "s");
	else
		trust_set_note(out,
			       "%s `%s` replaces the roots of %s: %s holds the %zu CA%s of this "
			       "store and not the system set, so public servers are refused (set "
			       "`system_set:` to add it)",
			       p->t->tool, p->t->key, p->t->tool, p->bundle, ncas,
			       ncas == 1 ? "" : "s");
}

/* An env store of the host that sets the tool's variable (PIP_CERT,
 * GIT_SSL_CAINFO) to another bundle: the variable wins over every file the
 * tool reads, for every login shell (shell-env) or in one service. */
static void env_overrides(const struct store_inst *s, const struct tc_store *p,
			  struct trust_set *out)
{
	const char *var = p->t->env_var;
	const struct conf_store **hs = NULL;
	size_t n = var ? store_host_stores(s, &hs) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct conf_store *cs = hs[i];
		bool shell = !strcmp(cs->type, "shell-env");
		const struct ynode *env = conf_store_node(cs, "env");
		bool sets = false;
		if (!shell && strcmp(cs->type, "systemd-env"))
			continue;
		for (size_t k = 0; env && env->kind == YNODE_SEQ && k < env->n; k++)
			sets = sets || (env->items[k]->kind == YNODE_SCALAR &&
					!strcmp(env->items[k]->text, var));
		const char *b = conf_store_str(cs, "bundle");
		char *bundle = b ? xstrdup(b) : xasprintf(TC_BUNDLE_DIR "/%s.pem", cs->name);
		char *pos = store_opt_pos(cs, "env");
		if (!sets || !strcmp(bundle, p->bundle))
			;
		else if (shell)
			trust_set_ineffective(out,
					      "%s: store %s (shell-env) sets %s=%s for every login "
					      "shell and desktop session, and %s prefers it over "
					      "every file, so %s does not use %s there; remove %s "
					      "from that store's env:, or give both stores one "
					      "bundle",
					      pos, cs->name, var, bundle, p->t->tool, p->t->tool,
					      p->bundle, var);
		else
			trust_set_note(out,
				       "%s: store %s (systemd-env) sets %s=%s for %s: %s run by "
				       "that service uses that bundle, not %s",
				       pos, cs->name, var, bundle, conf_store_str(cs, "unit"),
				       p->t->tool, p->bundle);
		free(bundle);
		free(pos);
	}
	free(hs);
}

static int tc_read(struct store_inst *s, struct trust_set *out)
{
	struct tc_store *p = s->priv;
	char *sys_stale;
	size_t nsys;
	if (env_bundle_read(s, p->bundle_host, p->bundle, out, &sys_stale, &nsys) < 0)
		return -1;
	struct buf why = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < p->nfiles && rc == 0; i++) {
		struct tc_view v;
		rc = view_load(&v, p, &p->files[i]);
		if (rc < 0 && p->files[i].user >= 0) {
			/* that user's alone: never a veto over the bundle and the
			 * other users' files (trustapply writes those) */
			trust_set_ineffective(out, "%s; until then %s does not use %s for %s",
					      err_msg(), p->t->tool, p->bundle,
					      p->users[p->files[i].user].name);
			err_clear();
			view_dispose(&v);
			rc = 0;
			continue;
		}
		if (rc == 0 && v.dup_line)
			trust_set_ineffective(out,
					      "%s:%zu: `%s` is set here already, and %s refuses a "
					      "file that sets it twice in [%s]; remove that line "
					      "(trustform then writes its own)",
					      p->files[i].shown, v.dup_line, p->t->key, p->t->tool,
					      p->section);
		if (rc == 0 && !view_ok(&v))
			buf_printf(&why, "%s %s (%s)\n", p->files[i].shown,
				   v.exists ? "is out of date" : "will be written",
				   p->keyline + (p->keyline[0] == '\t'));
		view_dispose(&v);
	}
	if (rc < 0) {
		buf_dispose(&why);
		free(sys_stale);
		return -1;
	}
	if (why.len) {
		buf_truncate(&why, why.len - 1);
		out->stale = buf_detach(&why);
	}
	buf_dispose(&why);
	env_bundle_add_stale(out, sys_stale);
	if (!p->nfiles)
		trust_set_note(out, "no file to write: none of `users` is on this host");
	tc_check_overrides(s, p, out);
	env_overrides(s, p, out);
	if (!p->user_scope && !p->nusers && p->nfiles) {
		struct buf uf = BUF_INIT;
		for (const char *const *f = p->t->user_files; *f; f++)
			buf_printf(&uf, "%s~/%s", uf.len ? ", " : "", *f);
		trust_set_note(out,
			       "users' own files (%s) are read after %s and may override it; "
			       "they are not checked: list the users in `users:`",
			       uf.ptr, p->files[0].shown);
		buf_dispose(&uf);
	}
	note_replaces(p, s, nsys, out);
	return 0;
}

/* The bundle (its mode kept), then each file: the engine loads and writes
 * them (reconcile/apply_files.c), a user's as theirs (store_file_for_user). */
static int tc_owned(struct store_inst *s, struct store_files *fs)
{
	struct tc_store *p = s->priv;
	store_files_add(fs, p->bundle_host, p->bundle)->keep_mode = true;
	for (size_t i = 0; i < p->nfiles; i++) {
		const struct tc_file *f = &p->files[i];
		struct store_file *sf = store_files_add(fs, f->host, f->shown);
		sf->keep_mode = true; /* an existing file keeps its owner and mode */
		if (f->user < 0)
			continue;
		const struct tc_user *u = &p->users[f->user];
		char *home = root_resolve_host(p->root, u->home);
		if (!home)
			return -1;
		store_file_for_user(sf, u->name, home, u->home, u->uid, u->gid);
		free(home);
	}
	return 0;
}

static int tc_render(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	struct tc_store *p = s->priv;
	struct env_bundle eb;
	struct buf bundle = BUF_INIT;
	if (env_bundle_from(&eb, s, &fs->f[0]) < 0)
		return -1;
	int rc = pem_file_render(&eb.f, ps, &bundle);
	store_file_set(&fs->f[0], bundle.ptr, bundle.len);
	buf_dispose(&bundle);
	env_bundle_dispose(&eb);
	for (size_t i = 0; i < p->nfiles; i++) {
		struct store_file *sf = &fs->f[i + 1];
		struct buf want = BUF_INIT;
		size_t dup;
		if (sf->refused)
			continue; /* a user's file that cannot be read: reported */
		if (render_file(p, sf->shown, &sf->have, &want, &dup) < 0) {
			buf_dispose(&want);
			if (!sf->user)
				return -1;     /* the whole store: nothing is written */
			store_file_refuse(sf); /* that user's alone */
			continue;
		}
		store_file_set(sf, want.ptr, want.len);
		buf_dispose(&want);
	}
	return rc;
}

static const struct store_file_kind tc_kind = {
    .files = tc_owned,
    .render = tc_render,
};

const struct store_backend tc_backend = {
    .name = "tool-config",
    .ops = STORE_OPS_CA | STORE_OP(OP_REFRESH),
    .read = tc_read,
    .file = &tc_kind,
    .free = tc_free,
};
