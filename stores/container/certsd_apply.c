/*
 * The registry's apply, as a file store (stores/store.h, struct
 * store_file_kind): the files of its directory it may change, and what each
 * must hold after the steps; reconcile/apply_files.c does the rest. See
 * certsd_int.h.
 */
#include "model/cert.h"
#include "model/step.h"
#include "stores/container/certsd_int.h"
#include "stores/storeopt.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

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
	qsort(names, n, sizeof(*names), certsd_name_cmp);
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

const struct store_file_kind certsd_kind = {
    .files = certsd_files,
    .render = certsd_render,
};
