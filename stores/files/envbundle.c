/* The bundle of an env store; see envbundle.h. */
#include "stores/files/envbundle.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int load_sys(struct env_bundle *b, const struct store_inst *s)
{
	const char *path = conf_store_str(s->conf, "system_set");
	if (!path)
		return 0;
	b->has_sys = true;
	b->sys_shown = xstrdup(path);
	char *host = root_resolve_host(s->ctx->root, path);
	if (!host)
		return -1;
	struct pem_file sf;
	int rc = pem_file_load(&sf, host, path);
	if (rc == 0 && !sf.exists && !store_host_has_system(s)) {
		char *pos = store_opt_pos(s->conf, "system_set");
		err_set("%s: the system set %s does not exist; install ca-certificates (or "
			"the distro's equivalent), configure a system store for the host, or fix "
			"`system_set:`",
			pos, path);
		free(pos);
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < sf.n; i++)
		b->nsys += sf.segs[i].cert != NULL;
	if (rc == 0)
		buf_add(&b->sys, sf.raw.ptr, sf.raw.len);
	pem_file_dispose(&sf);
	free(host);
	return rc;
}

int env_bundle_load(struct env_bundle *b, const struct store_inst *s, const char *host,
		    const char *shown)
{
	memset(b, 0, sizeof(*b));
	buf_init(&b->sys);
	if (pem_file_load(&b->f, host, shown) < 0 || load_sys(b, s) < 0)
		return -1;
	if (b->has_sys)
		b->f.foreign = &b->sys;
	return 0;
}

int env_bundle_from(struct env_bundle *b, const struct store_inst *s, const struct store_file *sf)
{
	memset(b, 0, sizeof(*b));
	buf_init(&b->sys);
	if (pem_file_from(&b->f, sf) < 0 || load_sys(b, s) < 0)
		return -1;
	if (b->has_sys)
		b->f.foreign = &b->sys;
	return 0;
}

void env_bundle_dispose(struct env_bundle *b)
{
	pem_file_dispose(&b->f);
	buf_dispose(&b->sys);
	free(b->sys_shown);
	b->sys_shown = NULL;
}

/* The bundle is the system set followed by trustform's blocks alone. */
static bool sys_in_place(const struct env_bundle *b)
{
	const struct pem_file *f = &b->f;
	size_t at = b->sys.len;
	bool nl = at && b->sys.ptr[at - 1] != '\n';
	if (f->raw.len < at + nl || (at && memcmp(f->raw.ptr, b->sys.ptr, at)) ||
	    (nl && f->raw.ptr[at++] != '\n'))
		return false;
	for (size_t i = 0; i < f->n; i++) {
		if (f->segs[i].end <= at)
			continue;
		if (f->segs[i].kind != SEG_OURS || f->segs[i].start != at)
			return false;
		at = f->segs[i].end;
	}
	return at == f->raw.len;
}

int env_bundle_read(const struct store_inst *s, const char *host, const char *shown,
		    struct trust_set *out, char **stale, size_t *nsys)
{
	struct env_bundle b;
	*stale = NULL;
	*nsys = SIZE_MAX;
	int rc = env_bundle_load(&b, s, host, shown);
	if (rc == 0) {
		pem_file_entries(&b.f, out);
		if (b.has_sys)
			*nsys = b.nsys;
		if (b.has_sys && !sys_in_place(&b))
			*stale = xasprintf("%s: the system set of %s (%zu certificates) will be "
					   "copied in before the store's CAs",
					   shown, b.sys_shown, b.nsys);
	}
	env_bundle_dispose(&b);
	return rc;
}

void env_bundle_add_stale(struct trust_set *out, char *line)
{
	if (!line)
		return;
	char *old = out->stale;
	out->stale = old ? xasprintf("%s\n%s", old, line) : line;
	if (old) {
		free(old);
		free(line);
	}
}
