/*
 * The backend of the configuration-file stores (toolconf.c opens them): read
 * reports the bundle's CAs, each file that is not what trustform would write
 * (a refresh), and what overrides the setting (toolconf_scan.c); apply writes
 * the bundle's steps and the files in one transaction, a user's file and the
 * directories made for it as theirs, through the root jail.
 */
#include "model/step.h"
#include "stores/files/envbundle.h"
#include "stores/files/toolconf.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int view_load(struct tc_view *v, const struct tc_store *p, const struct tc_file *f)
{
	memset(v, 0, sizeof(*v));
	buf_init(&v->have);
	buf_init(&v->want);
	/* a user's file itself is never a link trustform follows (the jail
	 * refuses one in a directory they own; this, one anywhere) */
	/* one descriptor for the bytes and their owner and mode: a file swapped
	 * between a read and a stat must not give a zero stat to a file that
	 * exists (written back root:root 0000) */
	v->exists = buf_read_file_stat(&v->have, f->host, f->user >= 0, &v->st) == 0;
	if (!v->exists && errno != ENOENT) {
		err_set_errno(errno, "%s: cannot read", f->shown);
		return -1;
	}
	struct cfg_doc d;
	cfg_parse(&d, p->t->syn, v->have.ptr, v->have.len);
	size_t bb = 0, be = 0;
	int blk = cfg_block(&d, p->store, &bb, &be);
	for (size_t i = 0; p->t->syn == CFG_PIP && i < d.n && !v->dup_line; i++)
		if (d.e[i].name && !strcmp(d.e[i].name, p->name) && (blk < 1 || i < bb || i > be))
			v->dup_line = d.e[i].line;
	struct cfg_want w = {p->store, p->section, p->header, p->keyline, p->t->place};
	int rc = blk < 0 ? -1 : cfg_render(&v->want, &d, &w, !v->dup_line);
	if (rc < 0)
		err_set("%s:%zu: trustform's block of store %s is damaged (a begin marker without "
			"its end, or a second one): remove the lines from `# trustform:begin %s` "
			"to `# trustform:end %s` and run trustapply again",
			f->shown, d.e[bb].line, p->store, p->store, p->store);
	cfg_doc_dispose(&d);
	return rc;
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

/* Make name in dfd (if missing) and give it to u, through the descriptor of
 * the directory made now: never by name, which the user can swap for a link or
 * a hard link to a file of root's between mkdir and chown. */
static int mkdir_as(int dfd, const char *name, const struct tc_user *u, const char *path)
{
	if (mkdirat(dfd, name, 0755) < 0) {
		if (errno == EEXIST)
			return 0;
		err_set_errno(errno, "%s: cannot create directory for user %s", path_shown(path),
			      u->name);
		return -1;
	}
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		err_set_errno(errno, "%s: cannot open the directory made for user %s",
			      path_shown(path), u->name);
	} else if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 07022)) {
		err_set("%s: changed while trustform made it for user %s (owner %u, mode %04o); "
			"run trustapply again once nothing else works in that home",
			path_shown(path), u->name, (unsigned)st.st_uid,
			(unsigned)(st.st_mode & 07777));
	} else if (fchown(fd, u->uid, u->gid) < 0) {
		err_set_errno(errno, "%s: cannot give the directory made to user %s",
			      path_shown(path), u->name);
	} else {
		close(fd);
		return 0;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The directories between a user's home and their file, made as theirs. */
static int mkdir_user(const struct tc_store *p, const struct tc_file *f)
{
	const struct tc_user *u = &p->users[f->user];
	char *home = root_resolve_host(p->root, u->home);
	if (!home)
		return -1;
	char *path = xstrdup(f->host);
	size_t hl = strlen(home);
	int rc = 0;
	if (strncmp(path, home, hl) || path[hl] != '/') {
		err_set("%s: resolves to %s, outside the home %s of user %s (%s); trustform "
			"writes a user's files only inside their home: fix the link on the way",
			f->shown, f->host, u->home, u->name, home);
		rc = -1;
	}
	for (char *c = rc ? NULL : path + hl + 1; c && rc == 0 && (c = strchr(c, '/')); c++) {
		*c = '\0';
		const char *base;
		int dfd = jail_open_parent(path, &base);
		if (dfd < 0 || mkdir_as(dfd, base, u, path) < 0) {
			if (dfd < 0)
				err_set_errno(errno, "%s: cannot create directory for user %s",
					      path_shown(path), u->name);
			rc = -1;
		}
		if (dfd >= 0)
			close(dfd);
		*c = '/';
	}
	free(path);
	free(home);
	return rc;
}

/* Queue f's new text in txn if it differs; *wrote says so, v keeps what it
 * was rendered from. */
static int write_file(const struct tc_store *p, const struct tc_file *f, struct fs_txn *txn,
		      struct tc_view *v, bool *wrote)
{
	int rc = view_load(v, p, f);
	*wrote = false;
	if (rc == 0 && !view_ok(v)) {
		struct file_owner own = FILE_OWNER_DEFAULT;
		mode_t mode = 0644;
		if (v->exists) {
			own = (struct file_owner){v->st.st_uid, v->st.st_gid};
			mode = v->st.st_mode & 07777;
		} else if (f->user >= 0) {
			own = (struct file_owner){p->users[f->user].uid, p->users[f->user].gid};
		}
		rc = f->user >= 0 ? mkdir_user(p, f) : mkdir_parent(f->host);
		if (rc == 0)
			rc = fs_txn_write(txn, f->host, v->want.ptr, v->want.len, mode, own);
		*wrote = rc == 0;
	}
	return rc;
}

/* Compare-and-swap before the commit: the file still holds what its new text
 * was rendered from (or is still missing); -1 with TF_EMODIFIED otherwise (an
 * edit made meanwhile would be lost). */
static int unchanged(const struct tc_file *f, const struct tc_view *v)
{
	struct buf now = BUF_INIT;
	struct stat st;
	bool exists = buf_read_file_stat(&now, f->host, f->user >= 0, &st) == 0;
	int saved = errno;
	bool same = exists ? v->exists && buf_equal(&v->have, now.ptr, now.len)
			   : !v->exists && saved == ENOENT;
	buf_dispose(&now);
	if (same)
		return 0;
	err_modified_why(f->shown, "it changed while trustapply ran");
	return -1;
}

static int tc_apply(struct store_inst *s, struct plan_store *ps)
{
	struct tc_store *p = s->priv;
	struct env_bundle eb;
	struct fs_txn txn;
	bool changed = false;
	memset(&eb, 0, sizeof(eb));
	fs_txn_init(&txn);
	if (mkdir_parent(p->bundle_host) < 0 ||
	    env_bundle_load(&eb, s, p->bundle_host, p->bundle) < 0) {
		env_bundle_dispose(&eb); /* the whole store: the applier fails the steps */
		fs_txn_dispose(&txn);
		return -1;
	}
	int rc = pem_file_apply(&eb.f, ps, &txn, &changed);
	struct tc_view *v = xcalloc(p->nfiles ? p->nfiles : 1, sizeof(*v));
	bool *wrote = xcalloc(p->nfiles ? p->nfiles : 1, sizeof(*wrote));
	size_t nv = 0;
	int frc = 0;
	for (; nv < p->nfiles && frc == 0; nv++)
		frc = write_file(p, &p->files[nv], &txn, &v[nv], &wrote[nv]);
	for (size_t i = 0; i < nv && frc == 0; i++)
		if (wrote[i])
			frc = unchanged(&p->files[i], &v[i]);
	if (frc < 0) {
		plan_steps_fail_pending(ps);
		rc = -1;
	}
	for (size_t i = 0; i < nv; i++)
		view_dispose(&v[i]);
	free(v);
	free(wrote);
	rc = plan_steps_finish(ps, &txn, rc, NULL);
	env_bundle_dispose(&eb);
	fs_txn_dispose(&txn);
	return rc;
}

const struct store_backend tc_backend = {
    .name = "tool-config",
    .ops = STORE_OPS_CA | STORE_OP(OP_REFRESH),
    .read = tc_read,
    .apply = tc_apply,
    .free = tc_free,
};
