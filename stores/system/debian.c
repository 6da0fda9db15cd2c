/*
 * The Debian (and Ubuntu) system store: reads ca-certificates' sources into a
 * trust_set; a file store (stores/store.h) whose render writes trustform's
 * own files under /usr/local/share/ca-certificates/trustform and `!` lines in
 * /etc/ca-certificates.conf for distro CAs, whose derive gives /etc/ssl/certs
 * for the sources that leaves (debian_etc.c), all in the engine's one
 * transaction, and whose changed runs the hooks (hooks.c) with + and - lines.
 */
#include "stores/system/debian.h"
#include "model/step.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MANAGED_PREFIX "trustform/"

/* "trustform/<name>-<12 hex>.crt" → name; NULL for anything else. */
static char *managed_label(const char *rel)
{
	return store_managed_label(rel, "trustform", ".crt");
}

static char *managed_rel(const char *name, const char *fphex)
{
	return xasprintf(MANAGED_PREFIX "%s-%.12s.crt", name, fphex);
}

static void add_src_entries(struct trust_set *out, const struct deb_src *src, const char *label,
			    bool owned, enum trust_state state)
{
	if (owned && !(src->parsed_ok && src->certs.n == 1)) {
		trust_set_add_damaged(out, label, src->inroot)->state = state;
		return;
	}
	for (size_t i = 0; i < src->certs.n; i++) {
		const struct cert *c = src->certs.items[i];
		struct trust_entry *e = trust_set_add(out, c->fp, label, owned, state,
						      src->local ? src->inroot : src->rel);
		trust_entry_describe(e, c);
		e->siblings = src->certs.n - 1;
		e->fixed = !src->local;
		e->can_distrust = !src->local;
	}
}

static void describe_stale(const struct deb_etc_diff *d, bool journal, struct buf *out)
{
	if (d->bundle_differs)
		buf_printf(out, "%s/%s differs from the concatenation of its sources\n",
			   DEB_ETCCERTS, DEB_BUNDLE);
	if (d->link_add || d->link_change || d->link_remove)
		buf_printf(out, "%s: %zu link(s) to create, %zu to retarget, %zu to remove\n",
			   DEB_ETCCERTS, d->link_add, d->link_change, d->link_remove);
	if (d->hash_changes)
		buf_printf(out, "%s: %zu subject-hash link(s) to create, renumber or remove\n",
			   DEB_ETCCERTS, d->hash_changes);
	if (journal)
		buf_printf(out, "hooks in %s did not run after an interrupted apply\n",
			   DEB_HOOKSDIR);
	if (out->len && out->ptr[out->len - 1] == '\n')
		buf_truncate(out, out->len - 1);
}

static int deb_read(struct store_inst *s, struct trust_set *out)
{
	const char *root = s->ctx->root;
	struct deb_state st;
	if (deb_state_load(&st, root) < 0)
		return -1;
	for (size_t i = 0; i < st.ndistro; i++) {
		if (st.distro[i].parsed_ok)
			add_src_entries(out, &st.distro[i], st.distro[i].rel, false,
					deb_conf_state(&st, &st.distro[i]));
	}
	for (size_t i = 0; i < st.nlocal; i++) {
		const struct deb_src *src = &st.local[i];
		char *label = managed_label(src->rel);
		if (label)
			add_src_entries(out, src, label, true, TS_TRUSTED);
		else if (src->parsed_ok)
			add_src_entries(out, src, src->rel, false, TS_TRUSTED);
		else
			trust_set_note(out,
				       "%s is not a certificate, but update-ca-certificates "
				       "copies its bytes into the bundle; remove or fix it",
				       src->inroot);
		free(label);
	}
	for (size_t i = 0; i < st.nconf; i++) {
		if (st.conf[i].kind != CONF_SELECT)
			continue;
		if (strmap_get(&st.distro_by_norm, st.conf[i].norm) == STRMAP_NONE)
			trust_set_note(out, "%s lists %s, which is not in %s", DEB_CONF,
				       st.conf[i].name, DEB_CERTSDIR);
	}

	struct deb_etc_diff diff;
	int rc = deb_etc_check(&st, &diff);
	if (rc == 0) {
		char *journal = root_join(root, DEB_JOURNAL);
		bool pending = deb_hooks_enabled(s) && path_exists(journal);
		free(journal);
		struct buf why = BUF_INIT;
		describe_stale(&diff, pending, &why);
		if (why.len)
			out->stale = buf_detach(&why);
		buf_dispose(&why);
		if (*root && !deb_hooks_enabled(s)) {
			char **hooks;
			size_t n;
			deb_hooks_list(root, &hooks, &n);
			if (n)
				trust_set_note(out,
					       "%zu hook(s) in %s will not run under --root; set "
					       "`run_hooks: true` on the store to run them",
					       n, DEB_HOOKSDIR);
			for (size_t i = 0; i < n; i++)
				free(hooks[i]);
			free(hooks);
		}
	}
	deb_state_dispose(&st);
	return rc;
}

/* --- apply: the file-store kind ---------------------------------------------- */

/* What files found, for render and derive (s->priv during an apply). */
struct deb_apply {
	struct deb_state st;
	bool hooks;
};

static void deb_free(struct store_inst *s)
{
	struct deb_apply *a = s->priv;
	if (a)
		deb_state_dispose(&a->st);
	free(a);
	s->priv = NULL;
}

/* The files are ca-certificates.conf (entry 0) and, when the hooks run, their
 * journal (entry 1); render names the local files its steps touch, derive
 * /etc/ssl/certs' entries. */
static int deb_files(struct store_inst *s, struct store_files *fs)
{
	const char *root = s->ctx->root;
	deb_free(s);
	struct deb_apply *a = xcalloc(1, sizeof(*a));
	s->priv = a;
	a->hooks = deb_hooks_enabled(s);
	char *mdir = own_dir_in_root(root, DEB_MANAGED);
	char *jdir = a->hooks ? own_dir_in_root(root, "/var/lib/trustform") : NULL;
	bool dirs = mdir && (!a->hooks || jdir);
	free(mdir);
	free(jdir);
	if (!dirs || deb_state_load(&a->st, root) < 0)
		return -1;
	char *host = root_join(root, DEB_CONF);
	store_files_add(fs, host, DEB_CONF);
	free(host);
	if (a->hooks) {
		host = root_join(root, DEB_JOURNAL);
		struct store_file *j = store_files_add(fs, host, DEB_JOURNAL);
		j->mode = 0600;
		j->first = true; /* a run killed during the commit still tells the hooks */
		free(host);
	}
	return 0;
}

static const struct deb_src *find_local(const struct deb_state *st, const char *inroot)
{
	size_t i = strmap_get(&st->local_by_inroot, inroot);
	return i == STRMAP_NONE ? NULL : &st->local[i];
}

static bool src_holds(const struct deb_src *src, const unsigned char *fp)
{
	for (size_t i = 0; src && i < src->certs.n; i++)
		if (!memcmp(src->certs.items[i]->fp, fp, FP_LEN))
			return true;
	return false;
}

static void write_managed(const struct store_inst *s, const struct deb_state *st,
			  const struct conf_ca *ca, struct store_files *fs)
{
	char *rel = managed_rel(ca->name, ca->cert->fphex);
	char *inroot = xasprintf("%s/%s", DEB_LOCALDIR, rel);
	const struct deb_src *have = find_local(st, inroot);
	if (!(have && have->certs.n == 1 && src_holds(have, ca->cert->fp))) {
		size_t len;
		char *pem = cert_to_pem(ca->cert, &len);
		char *host = root_join(s->ctx->root, inroot);
		store_file_set(store_files_get(fs, host, inroot), pem, len);
		free(host);
		free(pem);
	}
	free(rel);
	free(inroot);
}

/* Remove a local file, if it still holds what the plan saw. */
static int remove_local(const struct store_inst *s, const struct deb_state *st,
			const struct trust_entry *seen, struct store_files *fs)
{
	const struct deb_src *have = find_local(st, seen->where);
	if (!have)
		return 0; /* already gone */
	if (trust_entry_removable(seen, &have->certs) < 0)
		return -1;
	char *host = root_join(s->ctx->root, seen->where);
	store_file_remove(store_files_get(fs, host, seen->where));
	free(host);
	return 0;
}

/* The conf with the files of deselect (normalised as conf lines are) turned
 * into `!` lines, or added as such. */
static void render_conf(const struct deb_state *st, char **deselect, size_t n, struct buf *out)
{
	bool *done = xcalloc(n ? n : 1, sizeof(*done));
	for (size_t i = 0; i < st->nconf; i++) {
		const struct deb_conf_line *l = &st->conf[i];
		bool hit = false;
		for (size_t j = 0; j < n; j++) {
			if (l->kind != CONF_OTHER && !strcmp(l->norm, deselect[j])) {
				done[j] = true;
				hit = l->kind == CONF_SELECT;
			}
		}
		if (hit)
			buf_printf(out, "!%s", l->name);
		else
			buf_puts(out, l->raw);
		bool last = i + 1 == st->nconf;
		if (!last || (st->conf_raw.len && st->conf_raw.ptr[st->conf_raw.len - 1] == '\n'))
			buf_putc(out, '\n');
	}
	for (size_t j = 0; j < n; j++) {
		if (done[j])
			continue;
		if (out->len && out->ptr[out->len - 1] != '\n')
			buf_putc(out, '\n');
		buf_printf(out, "!%s\n", deselect[j] + 1); /* without the leading '/' */
	}
	free(done);
}

static int do_step(const struct store_inst *s, const struct deb_state *st,
		   const struct plan_step *step, char ***deselect, size_t *ndeselect,
		   struct store_files *fs)
{
	switch (step->op) {
	case OP_ADD:
		write_managed(s, st, step->ca, fs);
		return 0;
	case OP_REPLACE:
	case OP_UPDATE: {
		/* The new file first, so the CA is never missing in between. */
		write_managed(s, st, step->ca, fs);
		char *rel = managed_rel(step->ca->name, step->ca->cert->fphex);
		char *inroot = xasprintf("%s/%s", DEB_LOCALDIR, rel);
		int rc =
		    strcmp(inroot, step->seen.where) ? remove_local(s, st, &step->seen, fs) : 0;
		free(rel);
		free(inroot);
		return rc;
	}
	case OP_REMOVE:
	case OP_DISTRUST:
		if (step->seen.fixed) {
			/* compare-and-swap: the distro file still holds what the plan saw */
			const struct deb_src *d = deb_find_distro(st, step->seen.where);
			if (!d || !src_holds(d, step->seen.fp)) {
				char *file = xasprintf("%s/%s", DEB_CERTSDIR, step->seen.where);
				err_modified(file);
				free(file);
				return -1;
			}
			*deselect = xrealloc(*deselect, (*ndeselect + 1) * sizeof(**deselect));
			(*deselect)[(*ndeselect)++] = xstrdup(d->norm);
			return 0;
		}
		return remove_local(s, st, &step->seen, fs);
	case OP_REFRESH:
		return 0;
	case OP_RETRUST:
	case OP_ADD_DISTRUSTED:
	case OP_ROOT_DRIFT:
	case OP_REISSUE:
	case OP_SET:
		break;
	}
	return plan_step_unexpected(step);
}

/* The deselections, in ca-certificates.conf (fs->f[0]), as long as it still
 * holds what the sources were read from; else they are stale together. */
static int render_deselect(const struct deb_state *st, struct plan_store *ps, char **deselect,
			   size_t n, struct store_file *conf)
{
	if (!buf_equal(&conf->have, st->conf_raw.ptr, st->conf_raw.len)) {
		err_modified_why(DEB_CONF, "it changed while trustapply ran");
		for (size_t i = 0; i < ps->n; i++)
			if (ps->steps[i].has_seen && ps->steps[i].seen.fixed &&
			    ps->steps[i].result == STEP_PENDING)
				plan_step_end(&ps->steps[i], TF_EMODIFIED, "%s", err_msg());
		err_clear();
		return -1;
	}
	struct buf out = BUF_INIT;
	render_conf(st, deselect, n, &out);
	store_file_set(conf, out.ptr, out.len);
	buf_dispose(&out);
	return 0;
}

static int deb_render(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	struct deb_apply *a = s->priv;
	char **deselect = NULL;
	size_t ndeselect = 0;
	int rc = 0;
	for (size_t i = 0; i < ps->n; i++) {
		struct plan_step *step = &ps->steps[i];
		if (do_step(s, &a->st, step, &deselect, &ndeselect, fs) < 0) {
			plan_step_fail_err(step);
			rc = -1;
		}
	}
	if (ndeselect && render_deselect(&a->st, ps, deselect, ndeselect, &fs->f[0]) < 0)
		rc = -1;
	for (size_t i = 0; i < ndeselect; i++)
		free(deselect[i]);
	free(deselect);
	/* an interrupted run's hook lines: the hooks run even if nothing changes */
	fs->run_changed = a->hooks && fs->f[1].exists;
	return rc;
}

/* /etc/ssl/certs for the sources as render leaves them, and the hook lines,
 * journalled as the transaction's first change: a run killed during the
 * commit still tells the hooks next time, one that never commits leaves no
 * line. */
static int deb_derive(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	(void)ps;
	struct deb_apply *a = s->priv;
	struct buf lines = BUF_INIT;
	deb_state_update(&a->st, fs);
	int rc = deb_etc_derive(&a->st, fs, &lines);
	if (rc == 0 && a->hooks && lines.len) {
		struct store_file *j = &fs->f[1];
		struct buf all = BUF_INIT;
		buf_add(&all, j->have.ptr, j->have.len);
		buf_add(&all, lines.ptr, lines.len);
		store_file_set(j, all.ptr, all.len);
		buf_dispose(&all);
	}
	buf_dispose(&lines);
	deb_free(s);
	return rc;
}

/* After the commit: the hooks, with the journalled lines; the journal goes
 * once they all ran. */
static int deb_changed(struct store_inst *s, struct plan_store *ps)
{
	(void)ps;
	if (!deb_hooks_enabled(s))
		return 0;
	char *path = root_join(s->ctx->root, DEB_JOURNAL);
	struct buf lines = BUF_INIT;
	int rc = 0;
	if (buf_read_file(&lines, path) == 0) {
		rc = deb_hooks_run(s->ctx->root, &lines);
		if (rc == 0)
			rc = durable_unlink(path);
	}
	buf_dispose(&lines);
	free(path);
	return rc;
}

static const struct store_file_kind deb_kind = {
    .files = deb_files,
    .render = deb_render,
    .derive = deb_derive,
    .changed = deb_changed,
};

const struct store_backend store_backend_debian = {
    .name = "debian",
    .ops = STORE_OPS_CA | STORE_OP(OP_DISTRUST) | STORE_OP(OP_REFRESH),
    .read = deb_read,
    .state_key = deb_state_key,
    .file = &deb_kind,
    .free = deb_free,
};
