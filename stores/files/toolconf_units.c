/*
 * Where the tools of a configuration-file store run, besides the files every
 * run reads: the `projects:` of npm-config and git-config (npm reads the
 * project's own .npmrc, git the repository's .git/config, after every other
 * file), the `venvs:` of pip-config (the venv's pip reads its pip.conf last),
 * and the same taken from the store's declared `consumers:` (a service runs
 * its tool there): each unit's WorkingDirectory= (npm, git), and for pip the
 * venv of its ExecStart= program or of its VIRTUAL_ENV=.
 */
#include "stores/files/toolconf.h"
#include "stores/files/unitfile.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

void tc_add_project(struct tc_store *p, const char *dir, char *why)
{
	char *d = path_normalize(dir);
	for (size_t i = 0; i < p->nprojects; i++)
		if (!strcmp(p->projects[i].dir, d)) {
			free(d);
			free(why);
			return;
		}
	p->projects = xrealloc(p->projects, (p->nprojects + 1) * sizeof(*p->projects));
	p->projects[p->nprojects++] = (struct tc_project){d, why};
}

void tc_add_venv(struct tc_store *p, const char *dir)
{
	char *d = path_normalize(dir);
	for (size_t i = 0; i < p->nvenvs; i++)
		if (!strcmp(p->venvs[i], d)) {
			free(d);
			return;
		}
	p->venvs = xrealloc(p->venvs, (p->nvenvs + 1) * sizeof(*p->venvs));
	p->venvs[p->nvenvs++] = d;
}

/* The venv whose bin/ holds the program a unit starts (/opt/app/venv for
 * /opt/app/venv/bin/gunicorn: a pyvenv.cfg beside bin/), or NULL. */
static char *exec_venv(const struct tc_store *p, const struct unit_env *u)
{
	if (!u->nexec)
		return NULL;
	char **w;
	size_t nw = unit_split_words(u->exec[u->nexec - 1].cmd, &w);
	char *venv = NULL;
	/* systemd's prefixes: @ - : + ! (the program is the word after them) */
	const char *prog = nw ? w[0] + strspn(w[0], "@-:+!") : "";
	const char *bin = strstr(prog, "/bin/");
	if (prog[0] == '/' && bin && !strchr(bin + 5, '/')) {
		char *cfg = xasprintf("%.*s/pyvenv.cfg", (int)(bin - prog), prog);
		char *host = root_resolve_host(p->root, cfg);
		if (host && path_exists(host))
			venv = xasprintf("%.*s", (int)(bin - prog), prog);
		free(host);
		free(cfg);
	}
	for (size_t i = 0; i < nw; i++)
		free(w[i]);
	free(w);
	return venv;
}

void tc_add_unit_projects(struct tc_store *p, const struct conf_store *cs, struct store_open *out)
{
	for (size_t i = 0; i < cs->consumers.n; i++) {
		const char *unit = cs->consumers.items[i].unit;
		struct unit_env u;
		if (unit_env_load(&u, p->root, unit, NULL, NULL) < 0) {
			store_open_note(out,
					"%s cannot be read (%s): where it runs %s is not checked",
					unit, err_msg(), p->t->tool);
			err_clear();
			continue;
		}
		if (p->t->syn == CFG_PIP) {
			const char *src = NULL;
			const char *ve = unit_env_final(&u, "VIRTUAL_ENV", &src);
			char *ex = exec_venv(p, &u);
			if (ve && ve[0] == '/')
				tc_add_venv(p, ve);
			if (ex)
				tc_add_venv(p, ex);
			free(ex);
		} else if (u.workdir && u.workdir[0] == '/') {
			tc_add_project(
			    p, u.workdir,
			    xasprintf("WorkingDirectory= of %s, %s", unit, u.workdir_src));
		} else if (u.workdir) {
			store_open_note(out,
					"%s: WorkingDirectory=%s is not checked (a home that "
					"depends on User=): list the directory in projects:",
					u.workdir_src, u.workdir);
		}
		unit_env_dispose(&u);
	}
}

/* Does in-root path name something (in the tree, through its jail)? */
static bool in_tree(const struct tc_store *p, const char *path, bool dir)
{
	char *host = root_resolve_host(p->root, path);
	bool yes = host && (dir ? is_dir(host) : path_exists(host));
	free(host);
	err_clear();
	return yes;
}

/* The parent of an in-root directory ("/" stays "/"), in place. */
static void up(char *d)
{
	char *slash = strrchr(d, '/');
	if (slash == d)
		d[1] = '\0';
	else if (slash)
		*slash = '\0';
}

/* npm's project: the nearest directory from dir up with a package.json or a
 * node_modules (npm's localPrefix), else dir itself. */
static char *npm_file(const struct tc_store *p, const char *dir)
{
	char *d = xstrdup(dir);
	bool found = false;
	for (;;) {
		const char *top = strcmp(d, "/") ? d : "";
		char *pj = xasprintf("%s/package.json", top),
		     *nm = xasprintf("%s/node_modules", top);
		found = in_tree(p, pj, false) || in_tree(p, nm, true);
		free(pj);
		free(nm);
		if (found || !strcmp(d, "/"))
			break;
		up(d);
	}
	const char *at = found ? d : dir;
	char *f = xasprintf("%s/.npmrc", strcmp(at, "/") ? at : "");
	free(d);
	return f;
}

/* A `.git` file's `gitdir: X` (a worktree's, a submodule's), in-root, or NULL. */
static char *gitdir_of_file(const struct tc_store *p, const char *dotgit, const char *top)
{
	char *host = root_resolve_host(p->root, dotgit);
	struct buf b = BUF_INIT;
	char *gd = NULL;
	if (host && buf_read_file(&b, host) == 0 && b.len > 8 && !strncmp(b.ptr, "gitdir: ", 8)) {
		size_t n = strcspn(b.ptr + 8, "\r\n");
		const char *v = b.ptr + 8;
		gd = v[0] == '/' ? xasprintf("%.*s", (int)n, v)
				 : xasprintf("%s/%.*s", top, (int)n, v);
	}
	free(host);
	buf_dispose(&b);
	err_clear();
	return gd;
}

/* A worktree's gitdir names its repository's in `commondir`: the config is there. */
static char *git_common(const struct tc_store *p, char *gd)
{
	char *cd = xasprintf("%s/commondir", gd);
	char *host = root_resolve_host(p->root, cd);
	struct buf b = BUF_INIT;
	if (host && buf_read_file(&b, host) == 0 && b.len) {
		size_t n = strcspn(b.ptr, "\r\n");
		char *c = b.ptr[0] == '/' ? xasprintf("%.*s", (int)n, b.ptr)
					  : xasprintf("%s/%.*s", gd, (int)n, b.ptr);
		free(gd);
		gd = c;
	}
	free(host);
	free(cd);
	buf_dispose(&b);
	err_clear();
	return gd;
}

/* git's repository: from dir up, the first with a .git (a directory, or a
 * file naming the gitdir), or a bare repository itself (HEAD, config,
 * objects/); NULL when dir is in none. */
static char *git_file(const struct tc_store *p, const char *dir)
{
	char *d = xstrdup(dir), *gd = NULL;
	for (;;) {
		const char *top = strcmp(d, "/") ? d : "";
		char *dotgit = xasprintf("%s/.git", top);
		char *head = xasprintf("%s/HEAD", top), *obj = xasprintf("%s/objects", top);
		if (in_tree(p, dotgit, true))
			gd = xstrdup(dotgit);
		else if (in_tree(p, dotgit, false))
			gd = gitdir_of_file(p, dotgit, top);
		else if (in_tree(p, head, false) && in_tree(p, obj, true))
			gd = xstrdup(*top ? top : "/");
		bool there = in_tree(p, dotgit, false);
		free(dotgit);
		free(head);
		free(obj);
		if (gd || there || !strcmp(d, "/"))
			break;
		up(d);
	}
	free(d);
	if (!gd)
		return NULL;
	gd = git_common(p, gd);
	char *f = xasprintf("%s/config", gd);
	free(gd);
	char *n = path_normalize(f);
	free(f);
	return n;
}

char *tc_project_file(const struct tc_store *p, const char *dir)
{
	if (p->t->syn == CFG_NPMRC)
		return npm_file(p, dir);
	if (p->t->syn == CFG_GIT)
		return git_file(p, dir);
	return NULL;
}
