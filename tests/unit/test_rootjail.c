/* The rule for links (util/rootjail.h), without --root: only in temp dirs. */
#include "harness.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define USER 4242

static const struct {
	uid_t dir_uid;
	mode_t dir_mode;
	uid_t link_uid;
	bool trusted;
} rules[] = {
    {0, 0755, USER, true},	/* root's directory: whoever's link, only root put it there */
    {USER, 0755, USER, false},	/* a user's directory */
    {USER, 0755, 0, false},	/* a root-owned link a user moved into their directory */
    {0, 0775, 0, false},	/* group-writable */
    {0, 0757, 0, false},	/* other-writable, not sticky */
    {0, 01777, 0, true},	/* /tmp: root's own link */
    {0, 01777, USER, false},	/* /tmp: a user's link */
    {USER, 01777, USER, false}, /* sticky, but owned by a user */
};

static char *put(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(p);
		close(fd);
	}
	return p;
}

static int user_link(const char *target, const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	int rc = symlink(target, p) == 0 && lchown(p, USER, USER) == 0 ? 0 : -1;
	free(p);
	return rc;
}

int main(void)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
		struct stat d = {.st_uid = rules[i].dir_uid,
				 .st_mode = S_IFDIR | rules[i].dir_mode};
		struct stat l = {.st_uid = rules[i].link_uid, .st_mode = S_IFLNK | 0777};
		CHECK_MSG(jail_link_trusted(&d, &l) == rules[i].trusted, "rule %zu", i);
	}

	char tmpl[] = "/tmp/tf-rootjail-XXXXXX";
	const char *t = mkdtemp(tmpl);
	CHECK(t && chmod(t, 0755) == 0);
	char *victim = put(t, "victim", "root's file\n");
	char *u = xasprintf("%s/u", t), *r = xasprintf("%s/r", t);
	CHECK(mkdir(u, 0755) == 0 && chown(u, USER, USER) == 0 && mkdir(r, 0755) == 0);
	CHECK(user_link(victim, u, "l") == 0);
	CHECK(user_link(r, u, "d") == 0);
	char *fresh = xasprintf("%s/fresh", t);
	CHECK(user_link(fresh, u, "dangling") == 0);
	char *rl = xasprintf("%s/l", r);
	CHECK(symlink(victim, rl) == 0);
	free(rl);
	free(put(r, "x", "x\n"));
	CHECK(jail_set_root("") == 0);

	/* a user's link: refused for reads and creates, and said why */
	char *p = xasprintf("%s/l", u);
	errno = 0;
	CHECK(jail_open(p, O_RDONLY, 0) < 0 && errno == ELOOP);
	char *want = xasprintf("%s is a symbolic link (to %s) in a directory that uid %d can write",
			       p, victim, USER);
	CHECK_MSG(jail_refusal() && strstr(jail_refusal(), want), "%s", jail_refusal());
	struct buf b = BUF_INIT;
	CHECK(buf_read_file(&b, p) < 0 && errno == ELOOP);
	CHECK(strstr(buf_strerror(ELOOP), "replace the link with a regular file") != NULL);
	CHECK(root_resolve("", p, &b) < 0 && strstr(err_msg(), want));
	free(want);
	free(p);
	p = xasprintf("%s/dangling", u);
	CHECK(jail_open(p, O_WRONLY | O_CREAT, 0644) < 0 && errno == ELOOP);
	CHECK(access(fresh, F_OK) < 0);
	free(p);
	/* a user's link to a directory, on the path */
	p = xasprintf("%s/d/x", u);
	CHECK(jail_open(p, O_RDONLY, 0) < 0 && errno == ELOOP);
	CHECK(root_resolve("", p, &b) < 0);
	free(p);
	/* writing "through" a user's link replaces the link in its directory */
	p = xasprintf("%s/l", u);
	CHECK(atomic_write(p, "new\n", 4, 0644) == 0);
	CHECK(buf_read_file(&b, victim) == 0 && !strcmp(b.ptr, "root's file\n"));
	free(p);

	/* a directory every user can write (not sticky): even root's link there */
	char *w = xasprintf("%s/w", t), *wl = xasprintf("%s/w/l", t);
	CHECK(mkdir(w, 0755) == 0 && chmod(w, 0777) == 0 && symlink(victim, wl) == 0);
	CHECK(jail_open(wl, O_RDONLY, 0) < 0 && errno == ELOOP);
	CHECK_MSG(jail_refusal() &&
		      strstr(jail_refusal(), "in a directory that every user can write"),
		  "%s", jail_refusal());
	free(w), free(wl);

	/* root's link in root's directory is followed */
	p = xasprintf("%s/l", r);
	int fd = jail_open(p, O_RDONLY, 0);
	CHECK(fd >= 0 && jail_refusal() == NULL);
	if (fd >= 0)
		close(fd);
	CHECK(buf_read_file(&b, p) == 0 && !strcmp(b.ptr, "root's file\n"));
	free(p);
	/* and a path with no link at all */
	p = xasprintf("%s/x", r);
	CHECK(buf_read_file(&b, p) == 0 && !strcmp(b.ptr, "x\n"));
	free(p);
	buf_dispose(&b);

	/* messages name in-root paths (path_shown): the root taken off a host
	 * path beneath it, any other path as given */
	CHECK(!strcmp(path_shown(victim), victim));
	CHECK(jail_set_root(r) == 0);
	p = xasprintf("%s/etc/ssl/certs/x.pem", r);
	CHECK_MSG(!strcmp(path_shown(p), "/etc/ssl/certs/x.pem"), "%s", path_shown(p));
	free(p);
	CHECK(!strcmp(path_shown(r), "/"));
	CHECK(!strcmp(path_shown(victim), victim));
	p = xasprintf("%sx/etc", r); /* a sibling whose name starts like the root's */
	CHECK(!strcmp(path_shown(p), p));
	free(p);
	CHECK(!strcmp(path_shown("/etc/hostname"), "/etc/hostname"));
	/* a refused link is named by its in-root path */
	char *rl2 = xasprintf("%s/sub", r);
	CHECK(mkdir(rl2, 0755) == 0 && chmod(rl2, 0777) == 0);
	free(rl2);
	rl2 = xasprintf("%s/sub/l", r);
	CHECK(symlink(victim, rl2) == 0);
	CHECK(jail_open(rl2, O_RDONLY, 0) < 0 && errno == ELOOP);
	CHECK_MSG(jail_refusal() && !strncmp(jail_refusal(), "/sub/l is a symbolic link", 25), "%s",
		  jail_refusal());
	free(rl2);

	jail_reset();
	char *cmd = xasprintf("rm -rf %s", t);
	CHECK(system(cmd) == 0);
	free(cmd);
	free(victim), free(u), free(r), free(fresh);
	return test_report();
}
