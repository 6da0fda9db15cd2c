/* Paths under --root and chroot-like symlink resolution; see rootfs.h. */
#include "util/rootfs.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINK_HOPS 40

char *root_join(const char *root, const char *p)
{
	if (!root || !*root)
		return xstrdup(p);
	size_t rl = strlen(root), pl = strlen(p);
	bool slash = p[0] != '/';
	char *out = xmalloc(rl + slash + pl + 1);
	memcpy(out, root, rl);
	if (slash)
		out[rl] = '/';
	memcpy(out + rl + slash, p, pl + 1);
	return out;
}

char *path_normalize(const char *abs)
{
	struct buf out = BUF_INIT;
	const char *p = abs;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(out.ptr, '/');
			buf_truncate(&out, slash ? (size_t)(slash - out.ptr) : 0);
		} else {
			buf_putc(&out, '/');
			buf_add(&out, p, n);
		}
		p += n;
	}
	if (!out.len)
		buf_putc(&out, '/');
	return buf_detach(&out);
}

bool path_is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int root_resolve(const char *root, const char *inroot_abs, struct buf *out)
{
	struct buf done = BUF_INIT; /* resolved prefix, in-root, no trailing slash */
	struct buf rest = BUF_INIT; /* components still to walk, from pos */
	struct buf host = BUF_INIT; /* root + done, for lstat */
	size_t rootlen = root ? strlen(root) : 0, pos = 0;
	int hops = 0, rc = -1;
	bool missing = false;

	buf_puts(&rest, inroot_abs);
	for (;;) {
		while (pos < rest.len && rest.ptr[pos] == '/')
			pos++;
		if (pos >= rest.len)
			break;
		const char *p = rest.ptr + pos;
		size_t n = strcspn(p, "/");
		pos += n;
		if (n == 1 && p[0] == '.')
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(done.ptr, '/');
			buf_truncate(&done, slash ? (size_t)(slash - done.ptr) : 0);
			continue;
		}
		size_t before = done.len;
		buf_putc(&done, '/');
		buf_add(&done, p, n);
		if (missing)
			continue;

		buf_reset(&host);
		buf_add(&host, root, rootlen);
		buf_add(&host, done.ptr, done.len);
		struct stat st;
		if (lstat(host.ptr, &st) < 0) {
			missing = true; /* the rest is taken lexically */
			continue;
		}
		if (!S_ISLNK(st.st_mode))
			continue;
		char target[PATH_MAX];
		ssize_t len = readlink(host.ptr, target, sizeof(target) - 1);
		if (len < 0) {
			err_set_errno(errno, "%s: cannot read link", path_shown(host.ptr));
			goto out;
		}
		target[len] = '\0';
		if (++hops > MAX_LINK_HOPS) {
			err_set("%s: too many levels of symbolic links", path_shown(host.ptr));
			goto out;
		}
		/* the rule of rootjail.h: never a link in a directory others can write */
		struct stat dst;
		buf_truncate(&host, rootlen + before);
		if (lstat(host.len ? host.ptr : "/", &dst) < 0) {
			err_set_errno(errno, "%s: cannot read the directory", path_shown(host.ptr));
			goto out;
		}
		if (!jail_link_trusted(&dst, &st)) {
			buf_add(&host, done.ptr + before, done.len - before);
			err_set("%s", jail_refuse(host.ptr, target, &dst));
			goto out;
		}
		buf_truncate(&done, before);
		if (target[0] == '/')
			buf_reset(&done);
		struct buf next = BUF_INIT;
		buf_add(&next, target, (size_t)len);
		buf_putc(&next, '/');
		buf_add(&next, rest.ptr + pos, rest.len - pos);
		buf_dispose(&rest);
		rest = next;
		pos = 0;
	}
	buf_reset(out);
	if (done.len)
		buf_add(out, done.ptr, done.len);
	else
		buf_putc(out, '/');
	rc = 0;
out:
	buf_dispose(&done);
	buf_dispose(&rest);
	buf_dispose(&host);
	return rc;
}

char *root_resolve_host(const char *root, const char *inroot_abs)
{
	struct buf r = BUF_INIT;
	char *host = NULL;
	if (root_resolve(root, inroot_abs, &r) == 0)
		host = root_join(root, r.ptr);
	buf_dispose(&r);
	return host;
}

char *own_dir_in_root(const char *root, const char *dir)
{
	struct buf real = BUF_INIT;
	char *norm = path_normalize(dir);
	char *host = NULL;
	if (root_resolve(root, norm, &real) < 0)
		goto out;
	if (strcmp(real.ptr, norm) != 0) {
		err_set("%s is a symlink, or lies under one (it leads to %s); trustform "
			"writes only into a real directory there: replace the link with a "
			"directory",
			norm, real.ptr);
		goto out;
	}
	host = root_join(root, norm);
	if (mkdir_p(host, 0755) < 0) {
		free(host);
		host = NULL;
		goto out;
	}
	cleanup_stale_temps(host);
out:
	free(norm);
	buf_dispose(&real);
	return host;
}
