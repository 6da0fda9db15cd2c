/*
 * The Debian (and Ubuntu) system store: reads ca-certificates' sources into a
 * trust_set, and applies plan steps by writing trustform's own files under
 * /usr/local/share/ca-certificates/trustform, `!` lines in
 * /etc/ca-certificates.conf for distro CAs, then regenerating /etc/ssl/certs
 * (debian_etc.c) and running the hooks (hooks.c) with + and - lines.
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

/* --- apply ------------------------------------------------------------------ */

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

static int write_managed(const struct store_inst *s, const struct deb_state *st,
			 const struct conf_ca *ca, struct fs_txn *txn)
{
	char *rel = managed_rel(ca->name, ca->cert->fphex);
	char *inroot = xasprintf("%s/%s", DEB_LOCALDIR, rel);
	const struct deb_src *have = find_local(st, inroot);
	int rc = 0;
	if (have && have->certs.n == 1 && src_holds(have, ca->cert->fp))
		goto out; /* already there: idempotent */
	size_t len;
	char *pem = cert_to_pem(ca->cert, &len);
	char *host = root_join(s->ctx->root, inroot);
	rc = fs_txn_write(txn, host, pem, len, 0644, FILE_OWNER_DEFAULT);
	free(host);
	free(pem);
out:
	free(rel);
	free(inroot);
	return rc;
}

/* Remove a local file, if it still holds what the plan saw. */
static int remove_local(const struct store_inst *s, const struct deb_state *st,
			const struct trust_entry *seen, struct fs_txn *txn)
{
	const struct deb_src *have = find_local(st, seen->where);
	if (!have)
		return 0; /* already gone */
	if (trust_entry_removable(seen, &have->certs) < 0)
		return -1;
	char *host = root_join(s->ctx->root, seen->where);
	fs_txn_unlink(txn, host);
	free(host);
	return 0;
}

/* deselect holds the files to deselect, normalised as conf lines are. */
static int write_conf(const struct store_inst *s, const struct deb_state *st, char **deselect,
		      size_t n, struct fs_txn *txn)
{
	struct buf out = BUF_INIT;
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
			buf_printf(&out, "!%s", l->name);
		else
			buf_puts(&out, l->raw);
		bool last = i + 1 == st->nconf;
		if (!last || (st->conf_raw.len && st->conf_raw.ptr[st->conf_raw.len - 1] == '\n'))
			buf_putc(&out, '\n');
	}
	for (size_t j = 0; j < n; j++) {
		if (done[j])
			continue;
		if (out.len && out.ptr[out.len - 1] != '\n')
			buf_putc(&out, '\n');
		buf_printf(&out, "!%s\n", deselect[j] + 1); /* without the leading '/' */
	}
	char *host = root_join(s->ctx->root, DEB_CONF);
	int rc = buf_equal(&st->conf_raw, out.ptr, out.len)
		     ? 0
		     : fs_txn_write(txn, host, out.ptr, out.len, 0644, FILE_OWNER_DEFAULT);
	free(host);
	free(done);
	buf_dispose(&out);
	return rc;
}

static int do_step(const struct store_inst *s, const struct deb_state *st,
		   const struct plan_step *step, char ***deselect, size_t *ndeselect,
		   struct fs_txn *txn)
{
	switch (step->op) {
	case OP_ADD:
		return write_managed(s, st, step->ca, txn);
	case OP_REPLACE:
	case OP_UPDATE: {
		/* The new file first, so the CA is never missing in between. */
		if (write_managed(s, st, step->ca, txn) < 0)
			return -1;
		char *rel = managed_rel(step->ca->name, step->ca->cert->fphex);
		char *inroot = xasprintf("%s/%s", DEB_LOCALDIR, rel);
		int rc =
		    strcmp(inroot, step->seen.where) ? remove_local(s, st, &step->seen, txn) : 0;
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
		return remove_local(s, st, &step->seen, txn);
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

struct journal_ctx {
	const struct store_inst *s;
	bool enabled;
};

/* Record the hook lines, as the first change of /etc/ssl/certs' transaction,
 * so that a run killed during the commit still tells the hooks next time, and
 * one that never commits leaves no line. */
static int journal_write(struct fs_txn *txn, const struct buf *lines, void *arg)
{
	struct journal_ctx *j = arg;
	if (!j->enabled || !lines->len)
		return 0;
	char *path = root_join(j->s->ctx->root, DEB_JOURNAL);
	struct buf all = BUF_INIT;
	if (buf_read_file(&all, path) < 0 && errno != ENOENT) {
		err_set_errno(errno, "%s: cannot read", path);
		free(path);
		return -1;
	}
	buf_add(&all, lines->ptr, lines->len);
	char *dir = own_dir_in_root(j->s->ctx->root, "/var/lib/trustform");
	int rc = !dir ? -1 : fs_txn_write(txn, path, all.ptr, all.len, 0600, FILE_OWNER_DEFAULT);
	if (rc == 0)
		fs_txn_first(txn, txn->n - 1);
	free(dir);
	free(path);
	buf_dispose(&all);
	return rc;
}

static int run_hooks(const struct store_inst *s)
{
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

static int deb_apply(struct store_inst *s, struct plan_store *ps)
{
	const char *root = s->ctx->root;
	struct deb_state st;
	char **deselect = NULL;
	size_t ndeselect = 0;
	int rc = 0;

	char *mdir = own_dir_in_root(root, DEB_MANAGED);
	if (!mdir || deb_state_load(&st, root) < 0) {
		free(mdir);
		return -1; /* the whole store: the applier fails the steps */
	}
	free(mdir);
	char *etc = root_join(root, "/etc");
	cleanup_stale_temps(etc); /* a killed run's ca-certificates.conf temp */
	free(etc);
	/* Sources first, as one transaction: trustform's files and the conf. */
	struct fs_txn txn;
	fs_txn_init(&txn);
	for (size_t i = 0; i < ps->n; i++) {
		struct plan_step *step = &ps->steps[i];
		if (do_step(s, &st, step, &deselect, &ndeselect, &txn) < 0) {
			plan_step_fail_err(step);
			rc = -1;
		}
	}
	if (ndeselect && write_conf(s, &st, deselect, ndeselect, &txn) < 0) {
		/* the deselections' own failure: they take the error together */
		int code = err_code() == TF_EMODIFIED ? TF_EMODIFIED : TF_ERROR;
		for (size_t i = 0; i < ps->n; i++)
			if (ps->steps[i].has_seen && ps->steps[i].seen.fixed)
				plan_step_end(&ps->steps[i], code, "%s", err_msg());
		err_clear();
		rc = -1;
	}
	rc = plan_steps_finish(ps, &txn, rc, NULL);
	fs_txn_dispose(&txn);
	for (size_t i = 0; i < ndeselect; i++)
		free(deselect[i]);
	free(deselect);
	deb_state_dispose(&st);

	/* Regenerate /etc/ssl/certs from what the sources are now. */
	struct journal_ctx j = {s, deb_hooks_enabled(s)};
	if (deb_state_load(&st, root) < 0 || deb_etc_apply(&st, journal_write, &j) < 0) {
		/* The sources are written, but clients read /etc/ssl/certs: nothing
		 * took effect, so nothing is done (the next plan shows the rest). */
		for (size_t i = 0; i < ps->n; i++)
			if (ps->steps[i].result == STEP_DONE)
				plan_step_fail(&ps->steps[i],
					       "written to " DEB_LOCALDIR " but not "
					       "in effect: " DEB_ETCCERTS " could not be updated");
		rc = -1; /* the applier reports err */
	} else if (j.enabled && run_hooks(s) < 0) {
		rc = -1;
	}
	deb_state_dispose(&st);
	return rc;
}

const struct store_backend store_backend_debian = {
    .name = "debian",
    .ops = STORE_OPS_CA | STORE_OP(OP_DISTRUST) | STORE_OP(OP_REFRESH),
    .read = deb_read,
    .state_key = deb_state_key,
    .apply = deb_apply,
};
