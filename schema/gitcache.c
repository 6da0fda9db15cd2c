/* The cache of clones behind --git (libgit2); see gitsource_int.h. */
#include "schema/gitsign.h"
#include "schema/gitsource_int.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hex.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <git2.h>
/* libgit2 1.8 moved git_error_set_str to the sys/ headers */
#if LIBGIT2_VER_MAJOR > 1 || (LIBGIT2_VER_MAJOR == 1 && LIBGIT2_VER_MINOR >= 8)
#include <git2/sys/errors.h>
#endif
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Append libgit2's last error to the message just set. */
void gitsrc_append_git_error(void)
{
	const git_error *e = git_error_last();
	err_append(": %s", e && e->message ? e->message : "unknown libgit2 error");
}

/* --- names --------------------------------------------------------------------- */

/* file://, ssh://, https://… or scp-like user@host:path: passed to libgit2 as is.
 * Anything else is a local path, made absolute so the cache key (and a saved
 * plan) does not depend on the working directory. */
char *gitsrc_normalize_url(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
	bool remote = strstr(url, "://") || (colon && (!slash || colon < slash));
	if (remote || url[0] == '/')
		return xstrdup(url);
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(url);
	char *abs = xasprintf("%s/%s", cwd, url);
	char *norm = path_normalize(abs);
	free(abs);
	return norm;
}

/* "a/./b/../c.yaml" → "a/c.yaml"; NULL when it climbs out of the repository. */
char *gitsrc_normalize_rel(const char *dir, const char *file)
{
	struct buf out = BUF_INIT;
	char *joined = *dir ? xasprintf("%s/%s", dir, file) : xstrdup(file);
	char *save = NULL;
	size_t depth = 0;
	bool ok = true;
	size_t *marks = xcalloc(strlen(joined) + 1, sizeof(size_t));
	for (char *p = strtok_r(joined, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			if (!depth) {
				ok = false;
				break;
			}
			buf_truncate(&out, marks[--depth]);
			continue;
		}
		marks[depth++] = out.len;
		buf_printf(&out, "%s%s", out.len ? "/" : "", p);
	}
	free(marks);
	free(joined);
	if (!ok || !out.len) {
		buf_dispose(&out);
		return NULL;
	}
	return buf_detach(&out);
}

/* <root>/var/cache/trustform/git/<name>-<sha256(url)[:16]>.git */
char *gitsrc_cache_path(const char *root, const char *url)
{
	char hex[FP_HEX_LEN + 1];
	sha256_hex(hex, url, strlen(url));
	const char *base = url + strlen(url);
	while (base > url && base[-1] == '/')
		base--;
	const char *end = base;
	while (base > url && base[-1] != '/' && base[-1] != ':')
		base--;
	struct buf name = BUF_INIT;
	for (const char *p = base; p < end && name.len < 40; p++)
		buf_putc(&name, (strchr("._-", *p) || (*p >= 'a' && *p <= 'z') ||
				 (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
				    ? *p
				    : '_');
	if (name.len > 4 && !strcmp(name.ptr + name.len - 4, ".git"))
		buf_truncate(&name, name.len - 4);
	char *dir = root_join(root, GIT_CACHE_DIR);
	char *p = xasprintf("%s/%s-%.16s.git", dir, name.len ? name.ptr : "repo", hex);
	free(dir);
	buf_dispose(&name);
	return p;
}

/* "3 days 4 hours", "12 minutes" */
static void describe_age(struct buf *b, long long secs)
{
	static const struct {
		long long s;
		const char *unit;
	} units[] = {
	    {86400, "day"},
	    {3600, "hour"},
	    {60, "minute"},
	    {1, "second"},
	};
	if (secs < 0)
		secs = 0;
	int shown = 0;
	for (size_t i = 0; i < 4 && shown < 2; i++) {
		long long n = secs / units[i].s;
		if (!n && !(i == 3 && !shown))
			continue;
		buf_printf(b, "%s%lld %s%s", shown ? " " : "", n, units[i].unit, n == 1 ? "" : "s");
		secs -= n * units[i].s;
		shown++;
	}
}

/* --- the cache ------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void remove_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* One fetch at a time per cached repository; readers of objects need no lock
 * (objects are only ever added, and trustform never prunes them). */
int gitsrc_lock_cache(struct git_priv *p, const char *cache)
{
	char *path = xasprintf("%s.lock", cache);
	p->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (p->lock_fd < 0 || flock(p->lock_fd, LOCK_EX) < 0) {
		err_set_errno(errno, "%s: cannot lock the git cache", path);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

void gitsrc_unlock_cache(struct git_priv *p)
{
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	p->lock_fd = -1;
}

static time_t read_fetched(const char *cache)
{
	char *path = xasprintf("%s/" FETCHED_FILE, cache);
	struct buf b = BUF_INIT;
	time_t t = buf_read_file(&b, path) == 0 ? (time_t)strtoll(b.ptr, NULL, 10) : 0;
	buf_dispose(&b);
	free(path);
	return t;
}

static int write_fetched(const char *cache, time_t now)
{
	char *path = xasprintf("%s/" FETCHED_FILE, cache);
	char text[32];
	int n = snprintf(text, sizeof(text), "%lld\n", (long long)now);
	int rc = atomic_write(path, text, (size_t)n, 0600);
	free(path);
	return rc;
}

struct cred_state {
	int tries;
};

/* SSH: the agent first, then the usual key files of the user running us. */
static int credentials(git_credential **out, const char *url, const char *user,
		       unsigned int allowed, void *payload)
{
	struct cred_state *cs = payload;
	if (!(allowed & GIT_CREDENTIAL_SSH_KEY))
		return GIT_PASSTHROUGH;
	static const char *const keys[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
	const char *name = user ? user : "git";
	const char *home = getenv("HOME");
	/* Call 0: the agent; calls 1..3: the next key file after each refusal. */
	if (cs->tries == 0) {
		cs->tries = 1;
		return git_credential_ssh_key_from_agent(out, name);
	}
	while (home && cs->tries <= 3) {
		char *priv = xasprintf("%s/.ssh/%s", home, keys[cs->tries - 1]);
		char *pub = xasprintf("%s.pub", priv);
		cs->tries++;
		int rc = 1;
		if (access(priv, R_OK) == 0)
			rc = git_credential_ssh_key_new(out, name, pub, priv, NULL);
		free(priv);
		free(pub);
		if (rc <= 0)
			return rc;
	}
	git_error_set_str(GIT_ERROR_SSH, "no SSH key was accepted (tried ssh-agent and "
					 "~/.ssh/id_ed25519, id_ecdsa, id_rsa)");
	return -1;
}

/* Fetch every branch (as refs/remotes/origin/...) and tag, pruning what the
 * remote deleted, so a deleted branch is never read from the cache. */
static int fetch(git_repository *repo, const char *url)
{
	/* libgit2 calls a missing local repository an "unsupported URL protocol" */
	const char *local = !strncmp(url, "file://", 7) ? url + 7 : url[0] == '/' ? url : NULL;
	if (local && !is_dir(local)) {
		err_set("cannot fetch %s: there is no repository at %s", url, local);
		return -1;
	}
	git_remote *remote = NULL;
	char *specs[] = {"+refs/heads/*:" REMOTE_PREFIX "*", "+refs/tags/*:refs/tags/*"};
	git_strarray refspecs = {specs, 2};
	git_fetch_options fo;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	struct cred_state cs = {0};
	fo.prune = GIT_FETCH_PRUNE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	fo.proxy_opts.type = GIT_PROXY_AUTO;
	fo.callbacks.credentials = credentials;
	fo.callbacks.payload = &cs;
	/* An in-memory remote, nothing written to the cache's config. insteadOf
	 * rewriting is skipped: the URL given is the URL fetched (and libgit2
	 * 1.5 leaks in that lookup: libgit2 PR #6382, fixed after 1.5.1). */
	git_remote_create_options co;
	git_remote_create_options_init(&co, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	co.repository = repo;
	co.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
	int rc = git_remote_create_with_opts(&remote, url, &co);
	if (rc == 0)
		rc = git_remote_fetch(remote, &refspecs, &fo, NULL);
	if (rc < 0) {
		err_set("cannot fetch %s", url);
		gitsrc_append_git_error();
	}
	git_remote_free(remote);
	return rc < 0 ? -1 : 0;
}

/* A first clone is made in a temp directory and renamed into place only once
 * it holds a fetch: a failed first clone leaves no empty cache behind. */
static int first_clone(struct git_checkout *g, struct git_priv *p, time_t now)
{
	/* A first clone killed midway left its temp directory: we hold the
	 * cache's lock, so any such directory is a dead run's. */
	char *pattern = xasprintf("%s.tmp-*", g->cache);
	glob_t gl;
	if (glob(pattern, GLOB_NOSORT, NULL, &gl) == 0) {
		for (size_t i = 0; i < gl.gl_pathc; i++)
			remove_tree(gl.gl_pathv[i]);
		globfree(&gl);
	}
	free(pattern);
	char *tmp = xasprintf("%s.tmp-XXXXXX", g->cache);
	int rc = -1;
	if (!mkdtemp(tmp)) {
		err_set_errno(errno, "%s: cannot create the git cache", tmp);
		goto out;
	}
	if (git_repository_init(&p->repo, tmp, 1) < 0) {
		err_set("%s: cannot create the git cache", tmp);
		gitsrc_append_git_error();
		goto out;
	}
	if (fetch(p->repo, g->url) < 0) {
		err_append("; there is no cached copy to fall back to");
		goto out;
	}
	git_repository_free(p->repo);
	p->repo = NULL;
	if (write_fetched(tmp, now) < 0)
		goto out; /* its own message names the file */
	if (rename(tmp, g->cache) < 0) {
		err_set_errno(errno, "%s: cannot move the new git cache into place", g->cache);
		goto out;
	}
	if (git_repository_open_bare(&p->repo, g->cache) < 0) {
		err_set("%s: cannot open the git cache", g->cache);
		gitsrc_append_git_error();
		goto out;
	}
	g->fresh = true;
	g->fetched_at = now;
	rc = 0;
out:
	if (rc < 0) {
		git_repository_free(p->repo);
		p->repo = NULL;
		remove_tree(tmp);
	}
	free(tmp);
	return rc;
}

bool gitsrc_is_full_oid(const char *s)
{
	if (strlen(s) != GIT_OID_HEXSZ)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789abcdefABCDEF", *s))
			return false;
	return true;
}

static bool have_commit(git_repository *repo, const char *hex)
{
	git_oid id;
	git_commit *c = NULL;
	bool ok = git_oid_fromstr(&id, hex) == 0 && git_commit_lookup(&c, repo, &id) == 0;
	git_commit_free(c);
	return ok;
}

/* Open the cache, fetch, and decide what to do when the remote is unreachable. */
int gitsrc_update_cache(struct git_checkout *g, struct git_priv *p, const struct git_source_opts *o)
{
	char *head = xasprintf("%s/HEAD", g->cache);
	bool exists = path_exists(head);
	free(head);
	if (!exists)
		return first_clone(g, p, o->now);
	if (git_repository_open_bare(&p->repo, g->cache) < 0) {
		err_set("%s: cannot open the git cache", g->cache);
		gitsrc_append_git_error();
		err_prefix("remove the directory to fetch it again");
		return -1;
	}
	g->fetched_at = read_fetched(g->cache);
	if (o->offline_if_present && gitsrc_is_full_oid(o->ref) && have_commit(p->repo, o->ref))
		return 0; /* a saved plan's exact commit: nothing to fetch */
	if (fetch(p->repo, g->url) == 0) {
		g->fresh = true;
		g->fetched_at = o->now;
		return write_fetched(g->cache, o->now);
	}
	struct buf age = BUF_INIT;
	if (g->fetched_at) {
		char when[32];
		struct tm tm;
		gmtime_r(&g->fetched_at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		buf_puts(&age, "fetched ");
		describe_age(&age, (long long)(o->now - g->fetched_at));
		buf_printf(&age, " ago (%s)", when);
	} else {
		buf_puts(&age, "fetched at an unknown time");
	}
	if (o->require_fresh) {
		err_append("; --require-fresh: not using the cached copy %s", age.ptr);
		buf_dispose(&age);
		return -1;
	}
	struct buf w = BUF_INIT;
	buf_printf(&w,
		   "%s; using the cached copy %s. The plan may miss changes pushed "
		   "since; pass --require-fresh to make this an error",
		   err_msg(), age.ptr);
	buf_dispose(&age);
	g->warning = buf_detach(&w);
	return 0;
}
