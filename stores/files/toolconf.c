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
 * directory made for them, belong to the user (the file-store engine,
 * reconcile/apply_files.c, told so by toolconf_backend.c). This
 * file is the types: their options, checks, and how one opens on a host.
 */
#include "stores/files/toolconf.h"
#include "stores/files/envbundle.h"
#include "stores/files/envvars.h"
#include "stores/files/envwrite.h"
#include "stores/files/files.h"
#include "stores/storeopt.h"
#include "stores/userdb.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define URL_BAD "\"\\ \t;#[]"

static const char *const pip_user[] = {".pip/pip.conf", ".config/pip/pip.conf", NULL};
static const char *const npm_user[] = {".npmrc", NULL};
static const char *const git_user[] = {".config/git/config", ".gitconfig", NULL};

static const struct tool_def tool_pip = {"pip-config",		 "pip",	   CFG_PIP, "/etc/pip.conf",
					 ".config/pip/pip.conf", pip_user, "cert",  "PIP_CERT",
					 PLACE_IN_SECTION};
static const struct tool_def tool_npm = {"npm-config", "npm",	 CFG_NPMRC, "/etc/npmrc", ".npmrc",
					 npm_user,     "cafile", NULL,	    PLACE_TOP};
static const struct tool_def tool_git = {"git-config", "git",	 CFG_GIT,     "/etc/gitconfig",
					 ".gitconfig", git_user, "sslCAInfo", "GIT_SSL_CAINFO",
					 PLACE_APPEND};

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

static const struct store_option pip_keys[] = {
    TC_COMMON_OPTS,
    {.name = "venvs",
     .kind = OPT_LIST,
     .help = "venvs whose own `pip.conf` (read after every other file by the venv's pip) is "
	     "checked for settings that override trustform's; so is the venv each of `consumers` "
	     "runs (its `ExecStart=` program, or `VIRTUAL_ENV=`)"},
    {0},
};
static const struct store_option npm_keys[] = {
    TC_COMMON_OPTS,
    {.name = "projects",
     .kind = OPT_LIST,
     .help = "directories npm runs in: the project's own `.npmrc` (in the nearest directory "
	     "with a `package.json` or `node_modules`), read after every other file, is checked "
	     "for settings that override trustform's; the `WorkingDirectory=` of each of "
	     "`consumers` is checked too"},
    {0},
};
static const struct store_option git_keys[] = {
    TC_COMMON_OPTS,
    {.name = "projects",
     .kind = OPT_LIST,
     .help = "directories git runs in: the repository's own `.git/config` (and what it "
	     "includes), read after every other file, is checked for settings that override "
	     "trustform's; the `WorkingDirectory=` of each of `consumers` is checked too"},
    {.name = "url",
     .kind = OPT_STRING,
     .pattern = "^https://[^\"\\\\ \\t;#\\[\\]]+$",
     .help = "set `http.<url>.sslCAInfo` for this URL (and the URLs below it) instead of "
	     "`http.sslCAInfo`"},
    {0},
};

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
	const char *const lists[] = {"venvs", "projects"};
	const char *const eg[] = {"the venv's directory, e.g. /opt/app/venv",
				  "the directory the tool runs in, e.g. /srv/app"};
	for (size_t k = 0; k < 2; k++) {
		const struct ynode *l = conf_store_node(cs, lists[k]);
		for (size_t i = 0; l && l->kind == YNODE_SEQ && i < l->n; i++) {
			const struct ynode *v = l->items[i];
			if (v->kind == YNODE_SCALAR &&
			    (v->text[0] != '/' || !envw_text_ok(v->text)))
				store_conf_error(d, cs, v,
						 "%s: \"%s\" must be an absolute path (%s)",
						 lists[k], v->text, eg[k]);
		}
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
	p->bundle = b ? xstrdup(b) : xasprintf(TC_BUNDLE_DIR "/%s.pem", cs->name);
	const char *url = conf_store_str(cs, "url");
	p->url = url ? xstrdup(url) : NULL;
	setting(p);
	const struct ynode *venvs = conf_store_node(cs, "venvs");
	for (size_t i = 0; venvs && venvs->kind == YNODE_SEQ && i < venvs->n; i++)
		tc_add_venv(p, venvs->items[i]->text);
	const struct ynode *prj = conf_store_node(cs, "projects");
	for (size_t i = 0; prj && prj->kind == YNODE_SEQ && i < prj->n; i++)
		tc_add_project(p, prj->items[i]->text, xstrdup("projects:"));
	tc_add_unit_projects(p, cs, out);
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
		if (!host) { /* a link of theirs (stow, chezmoi): that user alone is skipped */
			store_open_note(out,
					"%s of user %s is not written (%s): replace the link with "
					"the file it points to; user %s is skipped",
					shown, p->users[i].name, err_msg(), p->users[i].name);
			err_clear();
			free(shown);
			continue;
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
