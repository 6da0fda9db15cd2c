/*
 * The configuration-file stores: pip-config, npm-config and git-config point
 * their tool's CA setting at a bundle trustform writes for the store.
 *
 *   /etc/trustform/bundles/<store>.pem     the CAs as marked blocks (and with
 *       `system_set:` the system set before them: each setting replaces the
 *       tool's roots), as for the env stores (envbundle.c)
 *   /etc/pip.conf, /etc/npmrc, /etc/gitconfig (scope: system, or `path:`), or
 *   ~/.config/pip/pip.conf, ~/.npmrc, ~/.gitconfig of each of `users:`
 *       (scope: user): the setting between `# trustform:begin <store>` and
 *       `# trustform:end <store>`; every other byte is kept (cfgsyntax.c)
 *
 * The files are derived from the configuration, so they are planned as a
 * refresh ("~ files"). A later setting that wins over trustform's (a user's
 * ~/.npmrc, an includeIf, pip's [install] section) makes the trust
 * ineffective (toolconf_scan.c). Files in a home are written through the
 * root jail (no link the user made is followed) and new ones, with any
 * directory made for them, belong to the user.
 */
#include "stores/files/toolconf.h"
#include "model/step.h"
#include "stores/files/envbundle.h"
#include "stores/files/envvars.h"
#include "stores/files/envwrite.h"
#include "stores/files/files.h"
#include "stores/storeopt.h"
#include "stores/userdb.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUNDLE_DIR "/etc/trustform/bundles"
#define URL_BAD	   "\"\\ \t;#[]"

static const char *const pip_user[] = {".pip/pip.conf", ".config/pip/pip.conf", NULL};
static const char *const npm_user[] = {".npmrc", NULL};
static const char *const git_user[] = {".config/git/config", ".gitconfig", NULL};

static const struct tool_def tool_pip = {
    "pip-config",	    "pip",    CFG_PIP, "/etc/pip.conf",
    ".config/pip/pip.conf", pip_user, "cert",  PLACE_IN_SECTION};
static const struct tool_def tool_npm = {"npm-config", "npm",	 CFG_NPMRC, "/etc/npmrc",
					 ".npmrc",     npm_user, "cafile",  PLACE_TOP};
static const struct tool_def tool_git = {"git-config", "git",	 CFG_GIT,     "/etc/gitconfig",
					 ".gitconfig", git_user, "sslCAInfo", PLACE_APPEND};

static const char *const scope_choices[] = {"system", "user", NULL};

#define TC_COMMON_OPTS                                                                             \
	{.name = "scope",                                                                          \
	 .kind = OPT_ENUM,                                                                         \
	 .choices = scope_choices,                                                                 \
	 .def = "system",                                                                          \
	 .help = "the system file, or the own files of each of `users`"},                          \
	    {.name = "users",                                                                      \
	     .kind = OPT_LIST,                                                                     \
	     .pattern = "^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$",                                      \
	     .help = "scope user: whose files are written; scope system: whose own files are "     \
		     "checked for settings that override the system file's"},                      \
	    {.name = "path",                                                                       \
	     .kind = OPT_PATH,                                                                     \
	     .help = "scope system: the system file, when the tool reads another one"},            \
	    ENVVAR_OPT_BUNDLE, ENVVAR_OPT_SYSTEM_SET

static const struct store_option pip_keys[] = {TC_COMMON_OPTS, {0}};
static const struct store_option npm_keys[] = {TC_COMMON_OPTS, {0}};
static const struct store_option git_keys[] = {
    TC_COMMON_OPTS,
    {.name = "url",
     .kind = OPT_STRING,
     .pattern = "^https://[^\"\\\\ \\t;#\\[\\]]+$",
     .help = "set `http.<url>.sslCAInfo` for this URL (and the URLs below it) instead of "
	     "`http.sslCAInfo`"},
    {0},
};

static const struct store_backend tc_backend;

/* --- validation ----------------------------------------------------------------- */

static void tc_validate(const struct conf_store *cs, struct diag *d)
{
	const char *scope = conf_store_str(cs, "scope");
	bool user = scope && !strcmp(scope, "user");
	const struct ynode *users = conf_store_node(cs, "users");
	const struct ynode *path = conf_store_node(cs, "path");
	const struct ynode *b = conf_store_node(cs, "bundle");
	const struct ynode *url = conf_store_node(cs, "url");
	if (user && !users)
		store_conf_error(d, cs, cs->node,
				 "scope: user writes the files of users' homes; list them with "
				 "users: [alice, …]");
	if (user && path)
		store_conf_error(d, cs, path,
				 "path: names the system file; with scope: user the files are in "
				 "the users' homes (remove path:, or use scope: system)");
	for (size_t i = 0; users && users->kind == YNODE_SEQ && i < users->n; i++) {
		const struct ynode *u = users->items[i];
		if (u->kind == YNODE_SCALAR && !userdb_name_ok(u->text))
			store_conf_error(d, cs, u, "\"%s\" is not a user name", u->text);
	}
	if (b && b->kind == YNODE_SCALAR && !envw_value_ok(b->text))
		store_conf_error(d, cs, b,
				 "the bundle path \"%s\" is written unquoted in the tool's file; "
				 "use only letters, digits and /._-+@ in it",
				 b->text);
	if (url && url->kind == YNODE_SCALAR &&
	    (strncmp(url->text, "https://", 8) || !url->text[8] || strpbrk(url->text, URL_BAD) ||
	     !envw_text_ok(url->text)))
		store_conf_error(d, cs, url,
				 "url \"%s\" must be an https:// URL without quotes, backslashes, "
				 "blanks, brackets, ; or # (e.g. https://git.corp.example/)",
				 url->text);
}

/* --- opening ----------------------------------------------------------------------- */

static void tc_store_free(struct tc_store *p)
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
	free(p);
}

static void tc_free(struct store_inst *s)
{
	tc_store_free(s->priv);
}

static void setting(struct tc_store *p)
{
	const struct tool_def *t = p->t;
	if (t->syn == CFG_PIP) {
		p->section = xstrdup("global");
		p->header = xstrdup("[global]");
		p->keyline = xasprintf("cert = %s", p->bundle);
	} else if (t->syn == CFG_NPMRC) {
		p->section = xstrdup("");
		p->keyline = xasprintf("cafile=%s", p->bundle);
	} else {
		p->section = p->url ? xasprintf("http.%s", p->url) : xstrdup("http");
		p->header = p->url ? xasprintf("[http \"%s\"]", p->url) : xstrdup("[http]");
		p->keyline = xasprintf("\tsslCAInfo = %s", p->bundle);
	}
	p->name = *p->section
		      ? xasprintf("%s.%s", p->section, t->syn == CFG_GIT ? "sslcainfo" : t->key)
		      : xstrdup(t->key);
}

static void add_file(struct tc_store *p, char *shown, char *host, int user)
{
	p->files = xrealloc(p->files, (p->nfiles + 1) * sizeof(*p->files));
	p->files[p->nfiles++] = (struct tc_file){shown, host, user};
}

/* The users of `users:` found in the tree; the others are notes. */
static int add_users(struct tc_store *p, const struct conf_store *cs, const struct run_ctx *ctx,
		     struct store_open *out)
{
	const struct ynode *users = conf_store_node(cs, "users");
	for (size_t i = 0; users && i < users->n; i++) {
		struct user_info ui;
		int rc = userdb_by_name(&ui, ctx->root, users->items[i]->text);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			char *src = userdb_source(ctx->root);
			store_open_note(out, "user %s is not in %s: skipped", users->items[i]->text,
					src);
			free(src);
			continue;
		}
		char *home = root_resolve_host(ctx->root, ui.home);
		if (!home || !is_dir(home)) {
			store_open_note(out, "the home %s of user %s does not exist: skipped",
					ui.home, ui.name);
		} else {
			p->users = xrealloc(p->users, (p->nusers + 1) * sizeof(*p->users));
			p->users[p->nusers++] =
			    (struct tc_user){xstrdup(ui.name), xstrdup(ui.home), ui.uid, ui.gid};
		}
		free(home);
		user_info_dispose(&ui);
	}
	return 0;
}

static int tc_open(const struct tool_def *t, const struct conf_store *cs, const struct run_ctx *ctx,
		   struct store_open *out)
{
	struct tc_store *p = xcalloc(1, sizeof(*p));
	p->t = t;
	p->store = cs->name;
	p->root = ctx->root;
	const char *scope = conf_store_str(cs, "scope");
	p->user_scope = scope && !strcmp(scope, "user");
	const char *b = conf_store_str(cs, "bundle");
	p->bundle = b ? xstrdup(b) : xasprintf(BUNDLE_DIR "/%s.pem", cs->name);
	const char *url = conf_store_str(cs, "url");
	p->url = url ? xstrdup(url) : NULL;
	setting(p);
	if (!(p->bundle_host = root_resolve_host(ctx->root, p->bundle)) ||
	    add_users(p, cs, ctx, out) < 0)
		goto fail;
	if (!p->user_scope) {
		const char *path = conf_store_str(cs, "path");
		char *host = root_resolve_host(ctx->root, path ? path : t->sys_path);
		if (!host)
			goto fail;
		add_file(p, xstrdup(path ? path : t->sys_path), host, -1);
	}
	for (size_t i = 0; p->user_scope && i < p->nusers; i++) {
		char *shown = xasprintf("%s/%s", p->users[i].home, t->user_path);
		char *host = root_resolve_host(ctx->root, shown);
		if (!host) {
			free(shown);
			goto fail;
		}
		add_file(p, shown, host, (int)i);
	}
	char *title = xasprintf("%s (%s)", cs->name, t->type);
	struct store_inst *s = store_inst_new(&tc_backend, cs, ctx, cs->name, title);
	free(title);
	s->priv = p;
	struct buf tg = BUF_INIT;
	buf_printf(&tg, "%s of the file%s", t->key, p->nfiles == 1 ? "" : "s");
	for (size_t i = 0; i < p->nfiles; i++)
		buf_printf(&tg, " %s", p->files[i].host);
	if (p->url)
		buf_printf(&tg, " for %s", p->url);
	s->target = buf_detach(&tg);
	store_open_add(out, s);
	return 0;
fail:
	tc_store_free(p);
	return -1;
}

static int pip_open(const struct conf_store *cs, const struct run_ctx *ctx, struct store_open *o)
{
	return tc_open(&tool_pip, cs, ctx, o);
}
static int npm_open(const struct conf_store *cs, const struct run_ctx *ctx, struct store_open *o)
{
	return tc_open(&tool_npm, cs, ctx, o);
}
static int git_open(const struct conf_store *cs, const struct run_ctx *ctx, struct store_open *o)
{
	return tc_open(&tool_git, cs, ctx, o);
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
	v->exists = (f->user >= 0 ? buf_read_file_nofollow(&v->have, f->host)
				  : buf_read_file(&v->have, f->host)) == 0;
	if (!v->exists && errno != ENOENT) {
		err_set_errno(errno, "%s: cannot read", f->shown);
		return -1;
	}
	int fd = v->exists ? buf_open_regular(f->host, 0, &v->st) : -1;
	if (fd >= 0)
		close(fd);
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
	tc_check_overrides(p, out);
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
	for (char *c = path + hl + 1; rc == 0 && (c = strchr(c, '/')) != NULL; c++) {
		*c = '\0';
		const char *base;
		int dfd = jail_open_parent(path, &base);
		if (dfd < 0 ||
		    ((mkdirat(dfd, base, 0755) < 0
			  ? errno != EEXIST
			  : fchownat(dfd, base, u->uid, u->gid, AT_SYMLINK_NOFOLLOW) < 0))) {
			err_set_errno(errno, "%s: cannot create directory for user %s", path,
				      u->name);
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

static int write_file(const struct tc_store *p, const struct tc_file *f, struct fs_txn *txn)
{
	struct tc_view v;
	int rc = view_load(&v, p, f);
	if (rc == 0 && !view_ok(&v)) {
		struct file_owner own = FILE_OWNER_DEFAULT;
		mode_t mode = 0644;
		if (v.exists) {
			own = (struct file_owner){v.st.st_uid, v.st.st_gid};
			mode = v.st.st_mode & 07777;
		} else if (f->user >= 0) {
			own = (struct file_owner){p->users[f->user].uid, p->users[f->user].gid};
		}
		rc = f->user >= 0 ? mkdir_user(p, f) : mkdir_parent(f->host);
		if (rc == 0)
			rc = fs_txn_write(txn, f->host, v.want.ptr, v.want.len, mode, own);
	}
	view_dispose(&v);
	return rc;
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
	for (size_t i = 0; i < p->nfiles; i++)
		if (write_file(p, &p->files[i], &txn) < 0) {
			plan_steps_fail_pending(ps);
			rc = -1;
			break;
		}
	rc = plan_steps_finish(ps, &txn, rc, NULL);
	env_bundle_dispose(&eb);
	fs_txn_dispose(&txn);
	return rc;
}

static const struct store_backend tc_backend = {
    .name = "tool-config",
    .read = tc_read,
    .apply = tc_apply,
    .free = tc_free,
};

/* --- the three types ---------------------------------------------------------------- */

static const struct store_files_doc pip_files[] = {
    {NULL, "The bundle (`/etc/trustform/bundles/<store>.pem` or `bundle`) and `cert = <bundle>` "
	   "in [global] of `/etc/pip.conf` (or `path`), or of each user's "
	   "`~/.config/pip/pip.conf`, between `# trustform:begin <store>` and "
	   "`# trustform:end <store>`"},
    {0},
};
static const struct store_files_doc npm_files[] = {
    {NULL, "The bundle (`/etc/trustform/bundles/<store>.pem` or `bundle`) and "
	   "`cafile=<bundle>` in `/etc/npmrc` (or `path`), or in each user's `~/.npmrc`, "
	   "between `# trustform:begin <store>` and `# trustform:end <store>`"},
    {0},
};
static const struct store_files_doc git_files[] = {
    {NULL, "The bundle (`/etc/trustform/bundles/<store>.pem` or `bundle`) and "
	   "`[http]` (or `[http \"<url>\"]`) `sslCAInfo = <bundle>` at the end of "
	   "`/etc/gitconfig` (or `path`), or of each user's `~/.gitconfig`, between "
	   "`# trustform:begin <store>` and `# trustform:end <store>`"},
    {0},
};

const struct store_type store_type_pip_config = {
    .name = "pip-config",
    .summary = "pip's `cert` in `/etc/pip.conf` or users' `pip.conf`, pointing at a bundle; "
	       "the rest of the file is kept byte for byte",
    .files = pip_files,
    .options = pip_keys,
    .validate = tc_validate,
    .open = pip_open,
};

const struct store_type store_type_npm_config = {
    .name = "npm-config",
    .summary = "npm's `cafile` in `/etc/npmrc` or users' `~/.npmrc`, pointing at a bundle; "
	       "the rest of the file is kept byte for byte",
    .files = npm_files,
    .options = npm_keys,
    .validate = tc_validate,
    .open = npm_open,
};

const struct store_type store_type_git_config = {
    .name = "git-config",
    .summary = "git's `http.sslCAInfo` (or `http.<url>.sslCAInfo`) in `/etc/gitconfig` or "
	       "users' `~/.gitconfig`, pointing at a bundle; the rest is kept byte for byte",
    .files = git_files,
    .options = git_keys,
    .validate = tc_validate,
    .open = git_open,
};
