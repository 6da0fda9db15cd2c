/* The configuration from git, with libgit2; see gitsource.h. */
#include "schema/gitsign.h"
#include "schema/gitsource_int.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hex.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- the commit --------------------------------------------------------------------- */

static int peel_ref(git_repository *repo, const char *name, git_oid *out)
{
	git_reference *ref = NULL;
	git_object *obj = NULL;
	int rc = git_reference_lookup(&ref, repo, name);
	if (rc == 0)
		rc = git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT);
	if (rc == 0)
		git_oid_cpy(out, git_object_id(obj));
	git_object_free(obj);
	git_reference_free(ref);
	return rc;
}

static void list_branches(git_repository *repo, struct buf *out)
{
	git_reference_iterator *it = NULL;
	const char *name;
	size_t n = 0;
	if (git_reference_iterator_glob_new(&it, repo, REMOTE_PREFIX "*") < 0)
		return;
	while (n < 10 && git_reference_next_name(&name, it) == 0)
		buf_printf(out, "%s%s", n++ ? ", " : "", name + strlen(REMOTE_PREFIX));
	git_reference_iterator_free(it);
}

/* REF: a full commit id, refs/heads/X or refs/tags/X, or a name that must be
 * exactly one of a branch and a tag (git would silently prefer the tag). */
static int resolve_ref(struct git_checkout *g, git_repository *repo, git_oid *out)
{
	const char *ref = g->ref;
	if (gitsrc_is_full_oid(ref)) {
		git_commit *c = NULL;
		if (git_oid_fromstr(out, ref) == 0 && git_commit_lookup(&c, repo, out) == 0) {
			git_commit_free(c);
			return 0;
		}
		err_set("commit %s is not in %s (only commits on its branches and tags are "
			"fetched); push it, or name a branch or tag",
			ref, g->url);
		return -1;
	}
	char *branch, *tag;
	if (!strncmp(ref, "refs/heads/", 11)) {
		branch = xasprintf(REMOTE_PREFIX "%s", ref + 11);
		tag = NULL;
	} else if (!strncmp(ref, "refs/tags/", 10)) {
		branch = NULL;
		tag = xstrdup(ref);
	} else {
		branch = xasprintf(REMOTE_PREFIX "%s", ref);
		tag = xasprintf("refs/tags/%s", ref);
	}
	git_oid b, t;
	bool has_b = branch && peel_ref(repo, branch, &b) == 0;
	bool has_t = tag && peel_ref(repo, tag, &t) == 0;
	int rc = 0;
	if (has_b && has_t && !git_oid_equal(&b, &t)) {
		err_set("--ref %s names both a branch and a tag of %s, on different commits; "
			"write refs/heads/%s or refs/tags/%s",
			ref, g->url, ref, ref);
		rc = -1;
	} else if (has_b || has_t) {
		git_oid_cpy(out, has_b ? &b : &t);
	} else {
		struct buf known = BUF_INIT;
		list_branches(repo, &known);
		err_set("--ref %s is not a branch, tag or full commit id of %s (branches: %s)", ref,
			g->url, known.len ? known.ptr : "none");
		buf_dispose(&known);
		rc = -1;
	}
	free(branch);
	free(tag);
	return rc;
}

/* A regular file of the commit's tree; symbolic links and submodules are refused. */
static int read_blob(const struct git_checkout *g, const char *path, struct buf *out)
{
	struct git_priv *p = g->priv;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int rc = -1;
	if (git_tree_entry_bypath(&e, p->tree, path) < 0) {
		err_set("%s is not in commit %.12s of %s", path, g->commit, g->url);
		goto out;
	}
	git_filemode_t mode = git_tree_entry_filemode(e);
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
		err_set("%s in commit %.12s is a %s, not a regular file", path, g->commit,
			mode == GIT_FILEMODE_LINK   ? "symbolic link"
			: mode == GIT_FILEMODE_TREE ? "directory"
						    : "submodule");
		goto out;
	}
	/* the size from the object's header, before anything is inflated: a
	 * blob is capped like a file (a small repository can hold a huge
	 * compressible one) */
	git_odb *odb = NULL;
	size_t size = 0;
	git_object_t type;
	int hr = git_repository_odb(&odb, p->repo);
	if (hr == 0)
		hr = git_odb_read_header(&size, &type, odb, git_tree_entry_id(e));
	git_odb_free(odb);
	if (hr < 0) {
		err_set("%s: cannot read the object", path);
		gitsrc_append_git_error();
		goto out;
	}
	if (size > BUF_READ_MAX) {
		err_set("%s in commit %.12s of %s is %zu bytes, more than the %zu MiB trustform "
			"reads from a file; a configuration or CA file is far smaller: fix the "
			"file in the repository",
			path, g->commit, g->url, size, BUF_READ_MAX >> 20);
		goto out;
	}
	if (git_blob_lookup(&blob, p->repo, git_tree_entry_id(e)) < 0) {
		err_set("%s: cannot read the object", path);
		gitsrc_append_git_error();
		goto out;
	}
	buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	rc = 0;
out:
	git_blob_free(blob);
	git_tree_entry_free(e);
	return rc;
}

/* config_files: CA files named by the config, from the same commit. */
static int files_read(const struct config_files *f, const struct config *cfg, const char *file,
		      struct buf *out, char **where)
{
	const struct git_checkout *g = f->arg;
	struct git_priv *p = g->priv;
	if (file[0] == '/') {
		*where = xstrdup(file);
		err_set("a configuration from git reads its CA files from the commit: give the "
			"path relative to %s, not an absolute path",
			g->path);
		return -1;
	}
	char *rel = gitsrc_normalize_rel(p->dir, file);
	if (!rel) {
		*where = xstrdup(file);
		err_set("the path leads outside the repository");
		return -1;
	}
	*where = xasprintf("%.12s:%s", g->commit, rel);
	int rc = read_blob(g, rel, out);
	free(rel);
	return rc;
}

static int checkout_commit(struct git_checkout *g, const struct git_source_opts *o)
{
	struct git_priv *p = g->priv;
	git_oid id;
	git_commit *commit = NULL;
	int rc = -1;
	if (resolve_ref(g, p->repo, &id) < 0)
		return -1;
	git_oid_tostr(g->commit, sizeof(g->commit), &id);
	if (git_commit_lookup(&commit, p->repo, &id) < 0 || git_commit_tree(&p->tree, commit) < 0) {
		err_set("commit %s: cannot read its tree", g->commit);
		gitsrc_append_git_error();
		goto out;
	}
	g->commit_time = (time_t)git_commit_time(commit);
	if (o->allowed_signers &&
	    gitsign_verify(p->repo, &id, o->allowed_signers, g->commit_time, &g->signed_by) < 0)
		goto out;
	if (read_blob(g, g->path, &g->data) < 0) {
		err_prefix("--path %s", o->path);
		goto out;
	}
	rc = 0;
out:
	git_commit_free(commit);
	return rc;
}

int git_checkout_open(struct git_checkout **out, const struct git_source_opts *o)
{
	*out = NULL;
	git_libgit2_init();
	struct git_checkout *g = xcalloc(1, sizeof(*g));
	struct git_priv *p = xcalloc(1, sizeof(*p));
	p->lock_fd = -1;
	g->priv = p;
	g->data = (struct buf)BUF_INIT;
	g->files = (struct config_files){.read = files_read, .arg = g};
	g->url = gitsrc_normalize_url(o->url);
	g->ref = xstrdup(o->ref);
	g->path = gitsrc_normalize_rel("", o->path);
	int rc = -1;
	if (!g->path || o->path[0] == '/') {
		err_set("--path %s must name a file inside the repository, relative to its top",
			o->path);
		goto out;
	}
	const char *slash = strrchr(g->path, '/');
	p->dir = slash ? xstrndup(g->path, (size_t)(slash - g->path)) : xstrdup("");
	g->cache = gitsrc_cache_path(o->root, g->url);
	char *dir = root_join(o->root, GIT_CACHE_DIR);
	rc = mkdir_p(dir, 0700); /* a config may hold store passwords */
	free(dir);
	if (rc < 0 || (rc = gitsrc_lock_cache(p, g->cache)) < 0)
		goto out;
	rc = gitsrc_update_cache(g, p, o);
	if (rc == 0)
		rc = checkout_commit(g, o);
	if (rc == 0)
		g->display = xasprintf("%s@%.12s", g->path, g->commit);
out:
	gitsrc_unlock_cache(p);
	if (rc < 0) {
		git_checkout_free(g);
		return -1;
	}
	*out = g;
	return 0;
}

void git_checkout_free(struct git_checkout *g)
{
	if (!g)
		return;
	struct git_priv *p = g->priv;
	git_tree_free(p->tree);
	git_repository_free(p->repo);
	gitsrc_unlock_cache(p);
	free(p->dir);
	free(p);
	free(g->url);
	free(g->ref);
	free(g->path);
	free(g->warning);
	free(g->signed_by);
	free(g->cache);
	free(g->display);
	buf_dispose(&g->data);
	free(g);
	git_libgit2_shutdown();
}

char *git_checkout_origin(const struct git_checkout *g)
{
	return xasprintf("%s//%s @ %s", g->url, g->path, g->commit);
}
