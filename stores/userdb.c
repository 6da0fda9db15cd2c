/* Users and groups, from the C library or from <root>/etc; see userdb.h. */
#include "stores/userdb.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

bool userdb_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 32 || name[0] == '-' || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			return false;
	}
	return true;
}

char *userdb_source(const char *root)
{
	return root_join(root, "/etc/passwd");
}

void user_info_dispose(struct user_info *u)
{
	free(u->name);
	free(u->home);
	free(u->groups);
	memset(u, 0, sizeof(*u));
}

void user_info_copy(struct user_info *dst, const struct user_info *src)
{
	*dst = *src;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->home = src->home ? xstrdup(src->home) : NULL;
	dst->groups = xcalloc(src->ngroups ? src->ngroups : 1, sizeof(gid_t));
	if (src->ngroups)
		memcpy(dst->groups, src->groups, src->ngroups * sizeof(gid_t));
}

static void add_group(struct user_info *u, gid_t g)
{
	for (size_t i = 0; i < u->ngroups; i++)
		if (u->groups[i] == g)
			return;
	u->groups = xrealloc(u->groups, (u->ngroups + 1) * sizeof(gid_t));
	u->groups[u->ngroups++] = g;
}

/* --- the real root: the C library --------------------------------------------- */

static int from_passwd(struct user_info *out, const struct passwd *pw)
{
	memset(out, 0, sizeof(*out));
	out->name = xstrdup(pw->pw_name);
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	out->home = xstrdup(pw->pw_dir ? pw->pw_dir : "/");
	int n = 32;
	gid_t *g = xcalloc((size_t)n, sizeof(gid_t));
	if (getgrouplist(pw->pw_name, pw->pw_gid, g, &n) < 0) {
		g = xrealloc(g, (size_t)n * sizeof(gid_t));
		if (getgrouplist(pw->pw_name, pw->pw_gid, g, &n) < 0)
			n = 0;
	}
	for (int i = 0; i < n; i++)
		add_group(out, g[i]);
	add_group(out, pw->pw_gid);
	free(g);
	return 0;
}

/* What a lookup looks for: a name, a uid, or the home that holds a path. */
struct match {
	const char *name;
	uid_t uid;
	const char *path; /* normalised in-root path */
};

static bool matches(const struct match *m, const char *name, uid_t uid, const char *home,
		    size_t *best)
{
	if (m->name)
		return !strcmp(name, m->name);
	if (!m->path)
		return uid == m->uid;
	/* the longest home that holds the path; "/" is nobody's home here */
	char *h = path_normalize(home);
	size_t n = strlen(h);
	bool ok = strcmp(h, "/") != 0 && path_is_under(m->path, h) && (n > *best);
	free(h);
	if (ok)
		*best = n;
	return ok;
}

static int libc_lookup(struct user_info *out, const struct match *m)
{
	if (m->path) {
		/* no index by home: walk the user database */
		size_t best = 0;
		int rc = 1;
		setpwent();
		for (struct passwd *pw; (pw = getpwent()) != NULL;) {
			if (!matches(m, pw->pw_name, pw->pw_uid, pw->pw_dir ? pw->pw_dir : "/",
				     &best))
				continue;
			if (rc == 0)
				user_info_dispose(out);
			rc = from_passwd(out, pw);
		}
		endpwent();
		return rc;
	}
	struct passwd pw, *res = NULL;
	size_t len = 16384;
	char *mem = xmalloc(len);
	int rc;
	while ((rc = m->name ? getpwnam_r(m->name, &pw, mem, len, &res)
			     : getpwuid_r(m->uid, &pw, mem, len, &res)) == ERANGE) {
		len *= 2;
		mem = xrealloc(mem, len);
	}
	if (rc != 0 && rc != ENOENT && rc != ESRCH) {
		err_set_errno(rc, "cannot look up user %s", m->name ? m->name : "by id");
		free(mem);
		return -1;
	}
	rc = res ? from_passwd(out, res) : 1;
	free(mem);
	return rc;
}

/* --- under --root: the image's own files -------------------------------------- */

/* Split a colon-separated line into at most max fields, in place. */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

static bool parse_id(const char *s, unsigned long *out)
{
	char *end;
	if (!*s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out < (unsigned long)(uid_t)-1;
}

static int read_lines(const char *root, const char *file, struct buf *b)
{
	char *path = root_join(root, file);
	int rc = 0;
	if (buf_read_file(b, path) < 0) {
		if (errno == ENOENT) {
			rc = 1;
		} else {
			err_set_errno(errno, "%s: cannot read", path);
			rc = -1;
		}
	}
	free(path);
	return rc;
}

static void root_groups(struct user_info *u, const char *root)
{
	struct buf b = BUF_INIT;
	add_group(u, u->gid);
	if (read_lines(root, "/etc/group", &b) != 0)
		goto out;
	for (char *line = b.ptr, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *f[4];
		unsigned long gid;
		if (split_fields(line, f, 4) < 4 || !parse_id(f[2], &gid))
			continue;
		char *save = NULL;
		for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
			if (!strcmp(m, u->name))
				add_group(u, (gid_t)gid);
	}
out:
	buf_dispose(&b);
}

static int root_lookup(struct user_info *out, const char *root, const struct match *m)
{
	struct buf b = BUF_INIT;
	size_t best = 0;
	int rc = read_lines(root, "/etc/passwd", &b);
	if (rc != 0)
		goto out;
	rc = 1;
	for (char *line = b.ptr, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *f[7];
		unsigned long u, g;
		if (split_fields(line, f, 7) < 7 || !parse_id(f[2], &u) || !parse_id(f[3], &g))
			continue;
		if (!matches(m, f[0], (uid_t)u, *f[5] ? f[5] : "/", &best))
			continue;
		if (rc == 0)
			user_info_dispose(out);
		memset(out, 0, sizeof(*out));
		out->name = xstrdup(f[0]);
		out->uid = (uid_t)u;
		out->gid = (gid_t)g;
		out->home = xstrdup(*f[5] ? f[5] : "/");
		rc = 0;
		if (!m->path)
			break;
	}
	if (rc == 0)
		root_groups(out, root);
out:
	buf_dispose(&b);
	return rc;
}

static int lookup(struct user_info *out, const char *root, const struct match *m)
{
	return root && *root ? root_lookup(out, root, m) : libc_lookup(out, m);
}

int userdb_by_name(struct user_info *out, const char *root, const char *name)
{
	struct match m = {.name = name};
	return lookup(out, root, &m);
}

int userdb_by_uid(struct user_info *out, const char *root, uid_t uid)
{
	struct match m = {.uid = uid};
	return lookup(out, root, &m);
}

int userdb_by_home(struct user_info *out, const char *root, const char *path)
{
	char *norm = path_normalize(path);
	struct match m = {.path = norm};
	int rc = lookup(out, root, &m);
	free(norm);
	return rc;
}
