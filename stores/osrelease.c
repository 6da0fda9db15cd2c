/* os-release parsing (freedesktop.org format: KEY=value, optionally quoted). */
#include "stores/osrelease.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *unquote(const char *v, size_t n)
{
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		struct buf b = BUF_INIT;
		for (size_t i = 1; i + 1 < n; i++) {
			if (v[i] == '\\' && i + 2 < n)
				i++;
			buf_putc(&b, v[i]);
		}
		return buf_detach(&b);
	}
	return xstrndup(v, n);
}

int os_release_read(struct os_release *out, const char *root)
{
	static const char *const paths[] = {"/etc/os-release", "/usr/lib/os-release"};
	struct buf b = BUF_INIT;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < 2 && !out->path; i++) {
		char *p = root_resolve_host(root, paths[i]);
		if (p && buf_read_file(&b, p) == 0) {
			out->path = p;
		} else if (p && errno != ENOENT && errno != ENOTDIR) {
			err_set_errno(errno,
				      "%s: cannot read it to tell the distribution; make it "
				      "a regular file or set `distro:` on the system store",
				      path_shown(p));
			free(p);
			buf_dispose(&b);
			return -1;
		} else {
			free(p);
		}
	}
	if (!out->path) {
		err_set("cannot tell the distribution: /etc/os-release is missing; set `distro:` "
			"on the system store (debian, ubuntu, ...)");
		return -1;
	}
	for (const char *p = b.ptr; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		if (eq) {
			size_t kl = (size_t)(eq - p), vl = n - kl - 1;
			char **slot = NULL;
			if (kl == 2 && !strncmp(p, "ID", 2))
				slot = &out->id;
			else if (kl == 7 && !strncmp(p, "ID_LIKE", 7))
				slot = &out->id_like;
			else if (kl == 11 && !strncmp(p, "PRETTY_NAME", 11))
				slot = &out->pretty;
			if (slot) {
				free(*slot);
				*slot = unquote(eq + 1, vl);
			}
		}
		p += n + (nl ? 1 : 0);
	}
	buf_dispose(&b);
	if (!out->id)
		out->id = xstrdup("linux"); /* the os-release default */
	return 0;
}

void os_release_dispose(struct os_release *o)
{
	free(o->id);
	free(o->id_like);
	free(o->pretty);
	free(o->path);
	memset(o, 0, sizeof(*o));
}
