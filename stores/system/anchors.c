/* Anchors-directory system stores; see anchors.h. */
#include "stores/system/anchors.h"
#include "model/cert.h"
#include "model/step.h"
#include "stores/storeopt.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PREFIX	    "trustform-"
#define JOURNAL_DIR "/var/lib/trustform"

struct afile {
	char *inroot;
	struct buf bytes;
	struct cert_list certs;
	bool parsed, blocked;
};

struct astate {
	struct afile *f;
	size_t n, alloc;
};

static void astate_dispose(struct astate *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->f[i].inroot);
		buf_dispose(&st->f[i].bytes);
		cert_list_dispose(&st->f[i].certs);
	}
	free(st->f);
	memset(st, 0, sizeof(*st));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct afile *)a)->inroot, ((const struct afile *)b)->inroot);
}

static void load_dir(struct astate *st, const char *root, const char *dir, bool blocked)
{
	char *host = root_resolve_host(root, dir);
	DIR *d = host ? jail_opendir(host) : NULL;
	struct dirent *de;
	size_t first = st->n;
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || is_temp_name(de->d_name))
			continue;
		char *inroot = xasprintf("%s/%s", dir, de->d_name);
		char *fh = root_resolve_host(root, inroot);
		struct stat sb;
		if (!fh || stat(fh, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			free(fh);
			free(inroot);
			continue;
		}
		ARRAY_GROW(st->f, st->n + 1, st->alloc);
		struct afile *f = &st->f[st->n++];
		memset(f, 0, sizeof(*f));
		buf_init(&f->bytes);
		f->inroot = inroot;
		f->blocked = blocked;
		if (buf_read_file(&f->bytes, fh) == 0)
			f->parsed = cert_list_parse(&f->certs, f->bytes.ptr, f->bytes.len) == 0 &&
				    f->certs.n > 0;
		free(fh);
	}
	if (d)
		closedir(d);
	free(host);
	if (st->n - first > 1)
		qsort(st->f + first, st->n - first, sizeof(*st->f), name_cmp);
}

static void astate_load(struct astate *st, const struct anchors_family *fam, const char *root)
{
	memset(st, 0, sizeof(*st));
	load_dir(st, root, fam->anchors, false);
	if (fam->blocklist)
		load_dir(st, root, fam->blocklist, true);
}

static char *managed_path(const struct anchors_family *fam, bool blocked, const char *name,
			  const char *fphex)
{
	return xasprintf("%s/" PREFIX "%s-%.12s%s", blocked ? fam->blocklist : fam->anchors, name,
			 fphex, blocked ? ".pem" : fam->suffix);
}

/* --- extraction ----------------------------------------------------------------- */

static char *journal_path(const struct anchors_family *fam)
{
	return xasprintf(JOURNAL_DIR "/%s-removed.pending", fam->name);
}

/* Why the extracted bundle is out of date with the anchors, or NULL. */
static char *extraction_stale(const struct anchors_family *fam, const struct store_inst *s,
			      const struct astate *st)
{
	const char *root = s->ctx->root;
	struct buf bundle = BUF_INIT, journal = BUF_INIT, why = BUF_INIT;
	struct cert_list have = {0};
	struct strmap in;
	strmap_init(&in);
	char *bh = root_resolve_host(root, fam->extracted);
	bool exists = bh && buf_read_file(&bundle, bh) == 0;
	free(bh);
	if (exists && cert_list_parse(&have, bundle.ptr, bundle.len) == 0)
		for (size_t i = 0; i < have.n; i++)
			strmap_put(&in, have.items[i]->fphex, i);
	size_t missing = 0, blocked_in = 0, removed_in = 0;
	for (size_t i = 0; i < st->n; i++)
		for (size_t j = 0; j < st->f[i].certs.n; j++) {
			const char *fp = st->f[i].certs.items[j]->fphex;
			bool there = strmap_get(&in, fp) != STRMAP_NONE;
			missing += !st->f[i].blocked && !there;
			blocked_in += st->f[i].blocked && there;
		}
	char *jp = journal_path(fam);
	char *jh = root_join(root, jp);
	if (buf_read_file(&journal, jh) == 0)
		for (const char *l = journal.ptr; *l;) {
			size_t n = strcspn(l, "\n");
			char fp[FP_HEX_LEN + 1];
			snprintf(fp, sizeof(fp), "%.*s", (int)n, l);
			removed_in += strmap_get(&in, fp) != STRMAP_NONE;
			l += n + (l[n] != 0);
		}
	free(jh);
	free(jp);
	if (missing && !exists)
		buf_printf(&why, "%s does not exist: extraction has not run\n", fam->extracted);
	else if (missing)
		buf_printf(&why, "%zu anchor(s) not yet in %s: extraction pending\n", missing,
			   fam->extracted);
	if (blocked_in)
		buf_printf(&why, "%zu distrusted certificate(s) still in %s: extraction pending\n",
			   blocked_in, fam->extracted);
	if (removed_in)
		buf_printf(&why, "%zu removed anchor(s) still in %s: extraction pending\n",
			   removed_in, fam->extracted);
	char *out = NULL;
	if (why.len) {
		buf_truncate(&why, why.len - 1);
		out = buf_detach(&why);
	}
	strmap_dispose(&in);
	cert_list_dispose(&have);
	buf_dispose(&bundle);
	buf_dispose(&journal);
	buf_dispose(&why);
	return out;
}

static char *extract_text(const struct anchors_family *fam)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; fam->extract[i]; i++)
		buf_printf(&b, "%s%s", i ? " " : "", fam->extract[i]);
	return buf_detach(&b);
}

/* Can extraction run here, and what the plan says about it. */
static bool extract_runnable(const struct anchors_family *fam, const struct store_inst *s,
			     char **say)
{
	const char *cmd = conf_store_str(s->conf, "extract_command");
	char *argv0 = proc_which(fam->extract[0]);
	char *text = extract_text(fam);
	bool ok = true;
	if (cmd) {
		*say = xasprintf("run extract_command (%s)", cmd);
	} else if (*s->ctx->root) {
		*say = xasprintf("extraction pending: `%s` is not run under --root; run it inside "
				 "the system, or set extract_command",
				 text);
		ok = false;
	} else if (!argv0) {
		*say = xasprintf("extraction pending: `%s` is not on this machine; install it "
				 "(the anchors are written) or set extract_command",
				 text);
		ok = false;
	} else {
		*say = xasprintf("run `%s`", text);
	}
	free(argv0);
	free(text);
	return ok;
}

static int run_extract(const struct anchors_family *fam, const struct store_inst *s)
{
	const char *cmd = conf_store_str(s->conf, "extract_command");
	struct buf log = BUF_INIT;
	int st;
	char *text = cmd ? xstrdup(cmd) : extract_text(fam);
	if (cmd) {
		char *envv = xasprintf("TRUSTFORM_ROOT=%s", *s->ctx->root ? s->ctx->root : "/");
		const char *env[] = {envv, NULL};
		struct proc_opts o = {
		    .what = "extract_command", .shell = cmd, .env = env, .out = &log};
		st = proc_exec(&o);
		free(envv);
	} else {
		st = proc_run(fam->extract, NULL, &log);
	}
	if (st < 0) {
		err_prefix("the anchors are written, but `%s` could not run; run it by hand", text);
	} else if (st != 0) {
		char *last = proc_last_line(&log);
		err_set("the anchors are written, but `%s` failed (exit %d: %s); run it by hand",
			text, st, last);
		free(last);
	}
	free(text);
	buf_dispose(&log);
	return st == 0 ? 0 : -1;
}

/* --- read ------------------------------------------------------------------------ */

int anchors_read(const struct anchors_family *fam, struct store_inst *s, struct trust_set *out)
{
	struct astate st;
	astate_load(&st, fam, s->ctx->root);
	for (size_t i = 0; i < st.n; i++) {
		const struct afile *f = &st.f[i];
		char *label = store_managed_name(strrchr(f->inroot, '/') + 1, PREFIX,
						 f->blocked ? ".pem" : fam->suffix);
		enum trust_state ts = f->blocked ? TS_DISTRUSTED : TS_TRUSTED;
		size_t k = trust_set_add_file(out, label, strrchr(f->inroot, '/') + 1, f->inroot,
					      f->parsed ? &f->certs : NULL, ts);
		for (; k < out->n; k++)
			out->items[k].can_distrust = fam->blocklist && !f->blocked &&
						     !trust_entry_is_damaged(&out->items[k]);
		free(label);
	}
	out->stale = extraction_stale(fam, s, &st);
	extract_runnable(fam, s, &out->after);
	astate_dispose(&st);
	return 0;
}

/* --- apply: the file-store kind ---------------------------------------------- */

/* What files found, for render (s->priv during an apply). */
struct anchors_apply {
	struct astate st;
	struct buf journal; /* fingerprints of the anchors render removes */
};

void anchors_free(struct store_inst *s)
{
	struct anchors_apply *a = s->priv;
	if (a) {
		astate_dispose(&a->st);
		buf_dispose(&a->journal);
	}
	free(a);
	s->priv = NULL;
}

/* The journal of removed anchors (entry 0); render names the anchor files its
 * steps touch. Every file trustform writes goes into the family's directories
 * (and the journal's): refused when a link leads there, so that root_join
 * cannot follow one out of the root. */
int anchors_files(const struct anchors_family *fam, struct store_inst *s, struct store_files *fs)
{
	const char *dirs[] = {fam->anchors, fam->blocklist, JOURNAL_DIR};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		char *host = dirs[i] ? own_dir_in_root(s->ctx->root, dirs[i]) : NULL;
		if (dirs[i] && !host)
			return -1; /* the whole store: the applier fails the steps */
		free(host);
	}
	anchors_free(s);
	struct anchors_apply *a = xcalloc(1, sizeof(*a));
	buf_init(&a->journal);
	s->priv = a;
	astate_load(&a->st, fam, s->ctx->root);
	char *jp = journal_path(fam);
	char *host = root_join(s->ctx->root, jp);
	store_files_add(fs, host, jp)->first = true; /* in place before what it records */
	free(host);
	free(jp);
	return 0;
}

static const struct afile *find_file(const struct astate *st, const char *inroot)
{
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->f[i].inroot, inroot))
			return &st->f[i];
	return NULL;
}

static void write_cert(const struct anchors_family *fam, const struct store_inst *s,
		       const struct astate *st, bool blocked, const struct conf_ca *ca,
		       struct store_files *fs)
{
	char *inroot = managed_path(fam, blocked, ca->name, ca->cert->fphex);
	const struct afile *have = find_file(st, inroot);
	if (!(have && have->certs.n == 1 && have->certs.items[0] == ca->cert)) {
		size_t len;
		char *pem = cert_to_pem(ca->cert, &len);
		char *host = root_join(s->ctx->root, inroot); /* in a checked dir */
		store_file_set(store_files_get(fs, host, inroot), pem, len);
		free(host);
		free(pem);
	}
	free(inroot);
}

/* Remove the file of the seen entry if it still holds what the plan saw. */
static int remove_seen(const struct store_inst *s, const struct astate *st,
		       const struct trust_entry *seen, struct store_files *fs, struct buf *journal)
{
	const struct afile *f = find_file(st, seen->where);
	if (!f)
		return 0;
	if (trust_entry_removable(seen, &f->certs) < 0)
		return -1;
	char *host = root_join(s->ctx->root, seen->where);
	store_file_remove(store_files_get(fs, host, seen->where));
	free(host);
	if (!f->blocked && f->certs.n == 1)
		buf_printf(journal, "%s\n", f->certs.items[0]->fphex);
	return 0;
}

static int do_step(const struct anchors_family *fam, const struct store_inst *s,
		   const struct astate *st, const struct plan_step *step, struct store_files *fs,
		   struct buf *journal)
{
	switch (step->op) {
	case OP_ADD:
		write_cert(fam, s, st, false, step->ca, fs);
		return 0;
	case OP_ADD_DISTRUSTED:
		write_cert(fam, s, st, true, step->ca, fs);
		return 0;
	case OP_REMOVE:
		return remove_seen(s, st, &step->seen, fs, journal);
	case OP_DISTRUST:
		write_cert(fam, s, st, true, step->ca, fs);
		return remove_seen(s, st, &step->seen, fs, journal);
	case OP_REPLACE:
	case OP_UPDATE: {
		write_cert(fam, s, st, false, step->ca, fs);
		char *want = managed_path(fam, false, step->ca->name, step->ca->cert->fphex);
		int rc = strcmp(want, step->seen.where)
			     ? remove_seen(s, st, &step->seen, fs, journal)
			     : 0;
		free(want);
		return rc;
	}
	case OP_REFRESH:
		return 0;
	case OP_RETRUST:
	case OP_ROOT_DRIFT:
	case OP_REISSUE:
	case OP_SET:
		break;
	}
	return plan_step_unexpected(step);
}

/* Removed anchors are journalled, first in the same transaction: until
 * extraction runs they are still trusted through the extracted bundle, and
 * the plan must say so. A run killed during the commit never leaves an
 * anchor removed and unjournalled; one that does not commit, no line. */
int anchors_render(const struct anchors_family *fam, struct store_inst *s, struct plan_store *ps,
		   struct store_files *fs)
{
	struct anchors_apply *a = s->priv;
	int rc = 0;
	for (size_t i = 0; i < ps->n; i++)
		if (do_step(fam, s, &a->st, &ps->steps[i], fs, &a->journal) < 0) {
			plan_step_fail_err(&ps->steps[i]);
			rc = -1;
		}
	if (a->journal.len) {
		struct store_file *j = &fs->f[0];
		struct buf all = BUF_INIT;
		buf_add(&all, j->have.ptr, j->have.len);
		buf_add(&all, a->journal.ptr, a->journal.len);
		store_file_set(j, all.ptr, all.len);
		buf_dispose(&all);
	}
	fs->run_changed = true; /* any commit: extract (pending from before, too) */
	anchors_free(s);
	return rc;
}

/* After extraction: why the extracted bundle still does not match the anchors
 * (as the next plan would say), or NULL when it does. */
static char *extracted_in_effect(const struct anchors_family *fam, const struct store_inst *s)
{
	struct astate st;
	astate_load(&st, fam, s->ctx->root);
	char *why = extraction_stale(fam, s, &st);
	astate_dispose(&st);
	if (why)
		for (char *p = why; (p = strchr(p, '\n')) != NULL;)
			*p = ';';
	return why;
}

/* After the commit: the extract command, where it can run; the journal goes
 * once the extracted bundle shows the anchors. */
int anchors_changed(const struct anchors_family *fam, struct store_inst *s, struct plan_store *ps)
{
	char *say;
	if (!extract_runnable(fam, s, &say)) {
		ps->apply_note = say;
		return 0;
	}
	free(say);
	char *text = conf_store_str(s->conf, "extract_command") ? xstrdup("extract_command")
								: extract_text(fam);
	char *still = NULL;
	int rc = 0;
	if (run_extract(fam, s) < 0) {
		rc = -1; /* the applier reports err */
	} else if ((still = extracted_in_effect(fam, s)) != NULL) {
		/* the command ran and said yes, but the clients' bundle does not show it */
		err_set("`%s` ran, but %s; the anchors are written, the clients do not see them: "
			"run the extraction inside the system and check %s",
			text, still, fam->extracted);
		free(still);
		rc = -1;
	} else {
		char *jp = journal_path(fam);
		char *jh = root_join(s->ctx->root, jp);
		durable_unlink(jh);
		free(jh);
		free(jp);
		ps->apply_note = xasprintf("extracted (%s ran)", text);
	}
	free(text);
	return rc;
}
