/* One engine's certs.d directory for one registry; see certsd.h. */
#include "stores/container/certsd.h"
#include "model/cert.h"
#include "model/step.h"
#include "stores/container/certsd_int.h"
#include "stores/storeopt.h"
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

/* The client pairs of the directory (what apply's hosts.toml lists besides
 * the CA files). */
static void dstate_clients(struct dstate *st, const struct certsd *p, const char *root)
{
	struct dstate tmp;
	if (dstate_load(&tmp, p, root) == 0) {
		st->clients = tmp.clients;
		st->nclients = tmp.nclients;
		tmp.clients = NULL;
		tmp.nclients = 0;
	}
	err_clear();
	dstate_dispose(&tmp);
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

/* --- apply: a file store (stores/store.h, struct store_file_kind) ---------------- */

static char *managed_base(const struct conf_ca *ca)
{
	return xasprintf(PREFIX "%s-%.12s.crt", ca->name, ca->cert->fphex);
}

static const char *base_of(const struct store_file *f)
{
	const char *slash = strrchr(f->shown, '/');
	return slash ? slash + 1 : f->shown;
}

static bool is_toml(const struct store_file *f)
{
	return !strcmp(base_of(f), HOSTS_TOML);
}

/* Name a file of the directory once (host: under dir_host). */
static void own_file(struct store_files *fs, const char *dir_host, const struct certsd *p,
		     const char *base)
{
	char *inroot = xasprintf("%s/%s", p->dir, base);
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].shown, inroot)) {
			free(inroot);
			return;
		}
	char *host = xasprintf("%s/%s", dir_host, base);
	store_files_add(fs, host, inroot);
	free(host);
	free(inroot);
}

/* The files apply may change: every `*.crt` of the directory (a step may
 * remove one), trustform's file for each CA the host's roles give the store,
 * and containerd's hosts.toml. Every file goes into the directory itself:
 * refused when a link leads there (own_dir_in_root), so that no write follows
 * one out of the root. */
static int certsd_files(struct store_inst *s, struct store_files *fs)
{
	struct certsd *p = s->priv;
	struct dstate st;
	if (dstate_load(&st, p, s->ctx->root) < 0) {
		dstate_dispose(&st);
		return -1;
	}
	if (p->eng->hosts_toml && st.toml_exists && !st.toml_ours) {
		char *why = foreign_toml_text(p);
		err_set("%s", why);
		free(why);
		dstate_dispose(&st);
		return -1; /* nothing is written: the applier fails the steps */
	}
	char *dir_host = own_dir_in_root(s->ctx->root, p->dir);
	if (!dir_host) {
		dstate_dispose(&st);
		return -1;
	}
	for (size_t i = 0; i < st.n; i++)
		own_file(fs, dir_host, p, st.f[i].base);
	struct resolved *r;
	const struct host_store *hs = store_desired(s, &r);
	for (size_t i = 0; hs && i < hs->ncas; i++)
		if (hs->cas[i]->cert && hs->cas[i]->ensure == ENSURE_PRESENT) {
			char *base = managed_base(hs->cas[i]);
			own_file(fs, dir_host, p, base);
			free(base);
		}
	resolved_free(r);
	if (p->eng->hosts_toml)
		own_file(fs, dir_host, p, HOSTS_TOML);
	free(dir_host);
	dstate_dispose(&st);
	return 0;
}

static struct store_file *find_file(struct store_files *fs, const char *inroot)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].shown, inroot))
			return &fs->f[i];
	return NULL;
}

/* The certificates a loaded `*.crt` holds (none when it does not parse). */
static void held_certs(const struct store_file *f, struct cert_list *out)
{
	memset(out, 0, sizeof(*out));
	if (f->exists && cert_list_parse(out, f->have.ptr, f->have.len) < 0) {
		cert_list_dispose(out);
		memset(out, 0, sizeof(*out));
		err_clear();
	}
}

static int write_cert(const struct certsd *p, struct store_files *fs, const struct conf_ca *ca)
{
	char *base = managed_base(ca);
	char *inroot = xasprintf("%s/%s", p->dir, base);
	struct store_file *f = find_file(fs, inroot);
	free(inroot);
	free(base);
	if (!f) { /* certsd_files names one for every CA the store is given */
		err_set("%s/" PREFIX "%s-%.12s.crt was not among the store's files: CA \"%s\" "
			"is not the store's on this host; run trustplan again",
			p->dir, ca->name, ca->cert->fphex, ca->name);
		return -1;
	}
	struct cert_list have;
	held_certs(f, &have);
	bool same = have.n == 1 && !memcmp(have.items[0]->fp, ca->cert->fp, FP_LEN);
	cert_list_dispose(&have);
	if (same) { /* the same CA, however its PEM is laid out */
		f->remove = false;
		return 0;
	}
	size_t len;
	char *pem = cert_to_pem(ca->cert, &len);
	store_file_set(f, pem, len);
	free(pem);
	return 0;
}

/* Remove the file of the seen entry if it still holds what the plan saw. */
static int remove_seen(struct store_files *fs, const struct trust_entry *seen)
{
	struct store_file *f = find_file(fs, seen->where);
	if (!f || !f->exists)
		return 0;
	struct cert_list have;
	held_certs(f, &have);
	int rc = trust_entry_removable(seen, &have);
	cert_list_dispose(&have);
	if (rc == 0)
		store_file_remove(f);
	return rc;
}

static int do_step(const struct certsd *p, struct store_files *fs, const struct plan_step *step)
{
	switch (step->op) {
	case OP_ADD:
		return write_cert(p, fs, step->ca);
	case OP_REMOVE:
		return remove_seen(fs, &step->seen);
	case OP_REPLACE:
	case OP_UPDATE: {
		if (write_cert(p, fs, step->ca) < 0)
			return -1;
		char *base = managed_base(step->ca);
		char *want = xasprintf("%s/%s", p->dir, base);
		int rc = strcmp(want, step->seen.where) ? remove_seen(fs, &step->seen) : 0;
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

/* containerd: trustform's hosts.toml for the `*.crt` files the steps leave
 * (sorted), or none when no CA of trustform's is left. */
static void render_toml(const struct store_inst *s, struct store_files *fs)
{
	const struct certsd *p = s->priv;
	struct dstate st;
	struct store_file *toml = NULL;
	char **names = xcalloc(fs->n + 1, sizeof(*names));
	size_t n = 0;
	memset(&st, 0, sizeof(st));
	buf_init(&st.toml);
	st.f = xcalloc(fs->n + 1, sizeof(*st.f));
	for (size_t i = 0; i < fs->n; i++) {
		struct store_file *f = &fs->f[i];
		if (is_toml(f)) {
			toml = f;
			continue;
		}
		if (f->exists && !f->write) { /* toml_skip_reason: no certificate in it */
			struct crt *c = &st.f[st.n++];
			c->base = (char *)base_of(f);
			held_certs(f, &c->certs);
			c->parsed = c->certs.n > 0;
		}
		if (f->write || (f->exists && !f->remove))
			names[n++] = (char *)base_of(f);
	}
	qsort(names, n, sizeof(*names), str_cmp);
	dstate_clients(&st, p, s->ctx->root);
	if (has_owned(names, n)) {
		struct buf want = BUF_INIT;
		toml_render(&want, p, names, n, &st);
		store_file_set(toml, want.ptr, want.len);
		buf_dispose(&want);
	} else {
		store_file_remove(toml);
	}
	for (size_t i = 0; i < st.n; i++)
		cert_list_dispose(&st.f[i].certs);
	free(st.f);
	st.f = NULL;
	st.n = 0;
	dstate_dispose(&st);
	free(names);
}

static int certsd_render(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	const struct certsd *p = s->priv;
	int rc = 0;
	for (size_t i = 0; i < ps->n; i++)
		if (do_step(p, fs, &ps->steps[i]) < 0) {
			plan_step_fail_err(&ps->steps[i]);
			rc = -1;
		}
	if (p->eng->hosts_toml)
		render_toml(s, fs);
	return rc;
}

static const struct store_file_kind certsd_kind = {
    .files = certsd_files,
    .render = certsd_render,
};

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
    .file = &certsd_kind,
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
