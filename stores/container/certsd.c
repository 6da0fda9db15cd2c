/* One engine's certs.d directory for one registry; see certsd.h. */
#include "stores/container/certsd.h"
#include "model/cert.h"
#include "model/step.h"
#include "stores/container/certsd_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct store_backend certsd_backend;

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcmp(s + n - m, suffix);
}

static void dstate_dispose(struct dstate *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->f[i].base);
		free(st->f[i].inroot);
		cert_list_dispose(&st->f[i].certs);
	}
	free(st->f);
	for (size_t i = 0; i < st->nclients; i++)
		free(st->clients[i]);
	free(st->clients);
	buf_dispose(&st->toml);
	memset(st, 0, sizeof(*st));
}

static int crt_cmp(const void *a, const void *b)
{
	return strcmp(((const struct crt *)a)->base, ((const struct crt *)b)->base);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A regular file of the directory (links are followed chroot-style). */
static char *file_host(const char *root, const char *inroot, bool *isreg)
{
	char *fh = root_resolve_host(root, inroot);
	struct stat sb;
	*isreg = fh && stat(fh, &sb) == 0 && S_ISREG(sb.st_mode);
	return fh;
}

static int dstate_load(struct dstate *st, const struct certsd *p, const char *root)
{
	memset(st, 0, sizeof(*st));
	buf_init(&st->toml);
	char *host = root_resolve_host(root, p->dir);
	if (!host)
		return -1;
	DIR *d = jail_opendir(host);
	if (!d) {
		int e = errno;
		if (e != ENOENT)
			err_set_errno(e, "%s: cannot list", p->dir);
		free(host);
		return e == ENOENT ? 0 : -1;
	}
	st->exists = true;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *b = de->d_name;
		if (b[0] == '.' || is_temp_name(b))
			continue;
		bool crt = ends_with(b, ".crt"), toml = !strcmp(b, HOSTS_TOML);
		bool client = ends_with(b, ".cert");
		if (!crt && !toml && !client)
			continue;
		char *inroot = xasprintf("%s/%s", p->dir, b);
		bool isreg;
		char *fh = file_host(root, inroot, &isreg);
		if (isreg && crt) {
			ARRAY_GROW(st->f, st->n + 1, st->alloc);
			struct crt *f = &st->f[st->n++];
			memset(f, 0, sizeof(*f));
			f->base = xstrdup(b);
			f->inroot = inroot;
			inroot = NULL;
			struct buf bytes = BUF_INIT;
			if (buf_read_file(&bytes, fh) == 0)
				f->parsed = cert_list_parse(&f->certs, bytes.ptr, bytes.len) == 0 &&
					    f->certs.n > 0;
			buf_dispose(&bytes);
		} else if (isreg && toml) {
			st->toml_exists = true;
			if (buf_read_file(&st->toml, fh) < 0) {
				err_set_errno(errno, "%s: cannot read", inroot);
				free(fh);
				free(inroot);
				closedir(d);
				free(host);
				return -1;
			}
			st->toml_ours = !strncmp(st->toml.ptr, TOML_MARK, strlen(TOML_MARK));
		} else if (toml) {
			st->toml_exists = true; /* not a file: never ours */
		} else if (isreg && client) {
			char *key = xasprintf("%.*s.key", (int)(strlen(inroot) - 5), inroot);
			bool keyreg;
			char *kh = file_host(root, key, &keyreg);
			if (keyreg) {
				ARRAY_GROW(st->clients, st->nclients + 1, st->clients_alloc);
				st->clients[st->nclients++] = xstrndup(b, strlen(b) - 5);
			}
			free(kh);
			free(key);
		}
		free(fh);
		free(inroot);
	}
	closedir(d);
	free(host);
	if (st->n > 1)
		qsort(st->f, st->n, sizeof(*st->f), crt_cmp);
	if (st->nclients > 1)
		qsort(st->clients, st->nclients, sizeof(*st->clients), str_cmp);
	return 0;
}

/* --- read ------------------------------------------------------------------------ */

static int certsd_read(struct store_inst *s, struct trust_set *out)
{
	struct certsd *p = s->priv;
	struct dstate st;
	if (dstate_load(&st, p, s->ctx->root) < 0) {
		dstate_dispose(&st);
		return -1;
	}
	if (!st.exists)
		trust_set_note(out, "%s does not exist yet; apply creates it", p->dir);
	for (size_t i = 0; i < st.n; i++) {
		const struct crt *f = &st.f[i];
		char *label = store_managed_name(f->base, PREFIX, ".crt");
		trust_set_add_file(out, label, f->base, f->inroot, f->parsed ? &f->certs : NULL,
				   TS_TRUSTED);
		free(label);
	}
	if (p->eng->hosts_toml) {
		if (st.toml_exists && !st.toml_ours) {
			char *why = foreign_toml_text(p);
			trust_set_ineffective(out, "%s", why);
			free(why);
		} else {
			out->stale = toml_stale(p, &st);
		}
		for (size_t i = 0; i < st.n; i++) {
			const char *why = toml_skip_reason(st.f[i].base, &st);
			if (why)
				trust_set_note(out,
					       "%s: not listed in %s/" HOSTS_TOML ": %s; "
					       "containerd does not read it. Rename it (UTF-8, "
					       "ending .crt) or remove it",
					       st.f[i].inroot, p->dir, why);
		}
		containerd_shadow_check(s, out);
		containerd_config_note(s, out);
	}
	dstate_dispose(&st);
	return 0;
}

/* --- apply ----------------------------------------------------------------------- */

/* The directory's `*.crt` names as apply changes them. */
struct names {
	char **v;
	size_t n, alloc;
};

static void names_put(struct names *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], name))
			return;
	ARRAY_GROW(ns->v, ns->n + 1, ns->alloc);
	ns->v[ns->n++] = xstrdup(name);
}

static void names_drop(struct names *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], name)) {
			free(ns->v[i]);
			ns->v[i] = ns->v[--ns->n];
			return;
		}
}

static void names_dispose(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

struct applying {
	const struct store_inst *s;
	const struct certsd *p;
	const struct dstate *st;
	const char *dir_host; /* the directory, checked by own_dir_in_root */
	struct fs_txn txn;
	struct names names;
};

static const struct crt *find_crt(const struct dstate *st, const char *inroot)
{
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->f[i].inroot, inroot))
			return &st->f[i];
	return NULL;
}

static char *managed_base(const struct conf_ca *ca)
{
	return xasprintf(PREFIX "%s-%.12s.crt", ca->name, ca->cert->fphex);
}

static int write_cert(struct applying *a, const struct conf_ca *ca)
{
	char *base = managed_base(ca);
	char *inroot = xasprintf("%s/%s", a->p->dir, base);
	const struct crt *have = find_crt(a->st, inroot);
	int rc = 0;
	if (!(have && have->parsed && have->certs.n == 1 &&
	      !memcmp(have->certs.items[0]->fp, ca->cert->fp, FP_LEN))) {
		size_t len;
		char *pem = cert_to_pem(ca->cert, &len);
		char *host = xasprintf("%s/%s", a->dir_host, base);
		rc = fs_txn_write(&a->txn, host, pem, len, 0644, FILE_OWNER_DEFAULT);
		free(host);
		free(pem);
	}
	if (rc == 0)
		names_put(&a->names, base);
	free(inroot);
	free(base);
	return rc;
}

/* Remove the file of the seen entry if it still holds what the plan saw. */
static int remove_seen(struct applying *a, const struct trust_entry *seen)
{
	const struct crt *f = find_crt(a->st, seen->where);
	if (!f)
		return 0;
	if (trust_entry_removable(seen, &f->certs) < 0)
		return -1;
	char *host = xasprintf("%s/%s", a->dir_host, f->base);
	fs_txn_unlink(&a->txn, host);
	free(host);
	names_drop(&a->names, f->base);
	return 0;
}

static int do_step(struct applying *a, const struct plan_step *step)
{
	switch (step->op) {
	case OP_ADD:
		return write_cert(a, step->ca);
	case OP_REMOVE:
		return remove_seen(a, &step->seen);
	case OP_REPLACE:
	case OP_UPDATE: {
		if (write_cert(a, step->ca) < 0)
			return -1;
		char *base = managed_base(step->ca);
		char *want = xasprintf("%s/%s", a->p->dir, base);
		int rc = strcmp(want, step->seen.where) ? remove_seen(a, &step->seen) : 0;
		free(want);
		free(base);
		return rc;
	}
	case OP_REFRESH:
		return 0; /* hosts.toml is made again below */
	case OP_ADD_DISTRUSTED:
	case OP_DISTRUST:
	case OP_RETRUST:
	case OP_ROOT_DRIFT:
	case OP_REISSUE:
	case OP_SET:
		break;
	}
	return plan_step_unexpected(step); /* a certs.d lists only trusted CAs */
}

/* containerd: trustform's hosts.toml for the names apply leaves, or none
 * when no CA of trustform's is left. */
static int hosts_toml(struct applying *a)
{
	char *host = xasprintf("%s/" HOSTS_TOML, a->dir_host);
	int rc = 0;
	if (a->names.n > 1)
		qsort(a->names.v, a->names.n, sizeof(*a->names.v), str_cmp);
	if (has_owned(a->names.v, a->names.n)) {
		struct buf want = BUF_INIT;
		toml_render(&want, a->p, a->names.v, a->names.n, a->st);
		if (!a->st->toml_exists || a->st->toml.len != want.len ||
		    memcmp(a->st->toml.ptr, want.ptr, want.len))
			rc = fs_txn_write(&a->txn, host, want.ptr, want.len, 0644,
					  FILE_OWNER_DEFAULT);
		buf_dispose(&want);
	} else if (a->st->toml_exists) {
		fs_txn_unlink(&a->txn, host);
	}
	free(host);
	return rc;
}

static int certsd_apply(struct store_inst *s, struct plan_store *ps)
{
	struct certsd *p = s->priv;
	struct dstate st;
	int rc = 0;
	if (dstate_load(&st, p, s->ctx->root) < 0) {
		dstate_dispose(&st);
		return -1; /* the whole store: the applier fails the steps */
	}
	if (p->eng->hosts_toml && st.toml_exists && !st.toml_ours) {
		char *why = foreign_toml_text(p);
		err_set("%s", why);
		free(why);
		dstate_dispose(&st);
		return -1; /* the whole store: the applier fails the steps */
	}
	/* Every file goes into this directory: refused when a link leads there,
	 * so that the writes below cannot follow one out of the root. */
	char *dir_host = own_dir_in_root(s->ctx->root, p->dir);
	if (!dir_host) {
		dstate_dispose(&st);
		return -1; /* the whole store: the applier fails the steps */
	}
	struct applying a = {.s = s, .p = p, .st = &st, .dir_host = dir_host};
	fs_txn_init(&a.txn);
	for (size_t i = 0; i < st.n; i++)
		names_put(&a.names, st.f[i].base);
	for (size_t i = 0; i < ps->n; i++)
		if (do_step(&a, &ps->steps[i]) < 0) {
			plan_step_fail_err(&ps->steps[i]);
			rc = -1;
		}
	if (p->eng->hosts_toml && hosts_toml(&a) < 0) {
		plan_steps_fail_pending(ps);
		rc = -1;
	}
	rc = plan_steps_finish(ps, &a.txn, rc, NULL);
	fs_txn_dispose(&a.txn);
	names_dispose(&a.names);
	dstate_dispose(&st);
	free(dir_host);
	return rc;
}

/* --- the instance ---------------------------------------------------------------- */

static int certsd_state_key(struct store_inst *s, struct buf *key)
{
	struct certsd *p = s->priv;
	struct dstate st;
	int rc = dstate_load(&st, p, s->ctx->root);
	char *h = root_resolve_host(s->ctx->root, p->dir);
	buf_printf(key, "%s %s %d\n", p->eng->name, p->dir, st.exists);
	for (size_t i = 0; rc == 0 && h && i < st.n; i++) {
		char *fh = xasprintf("%s/%s", h, st.f[i].base);
		rc = store_state_key_file(key, fh);
		free(fh);
	}
	for (size_t i = 0; rc == 0 && h && i < st.nclients; i++)
		buf_printf(key, "client %s\n", st.clients[i]);
	if (rc == 0 && h && p->eng->hosts_toml) {
		char *fh = xasprintf("%s/" HOSTS_TOML, h);
		rc = store_state_key_file(key, fh);
		free(fh);
		char *ch = root_resolve_host(s->ctx->root, CONTAINERD_CONFIG);
		rc = rc == 0 && ch ? store_state_key_file(key, ch) : -1;
		free(ch);
		char *alt = containerd_shadow(p);
		buf_printf(key, "shadow %d\n", shadow_exists(s, alt));
		free(alt);
	}
	free(h);
	dstate_dispose(&st);
	return h ? rc : -1;
}

static void certsd_free(struct store_inst *s)
{
	struct certsd *p = s->priv;
	if (!p)
		return;
	free(p->host);
	free(p->dir);
	free(p);
}

static const struct store_backend certsd_backend = {
    .name = "registry",
    .ops = STORE_OPS_CA | STORE_OP(OP_REFRESH),
    .read = certsd_read,
    .state_key = certsd_state_key,
    .apply = certsd_apply,
    .free = certsd_free,
};

struct store_inst *certsd_open(const struct conf_store *cs, const struct run_ctx *ctx,
			       enum engine e, const char *host)
{
	struct certsd *p = xcalloc(1, sizeof(*p));
	p->eng = &engines[e];
	p->host = xstrdup(host);
	p->dir = xasprintf("%s/%s", p->eng->certs_d, host);
	char *address = xasprintf("%s[%s %s]", cs->name, p->eng->name, host);
	struct store_inst *s = store_inst_new(&certsd_backend, cs, ctx, address, address);
	s->priv = p;
	s->target = xasprintf("the directory %s", p->dir);
	free(address);
	return s;
}
