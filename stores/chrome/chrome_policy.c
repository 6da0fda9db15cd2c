/*
 * The `chrome-policy` store: Google Chrome's and Chromium's managed policies,
 * system-wide, for every user and profile, without touching a home.
 *
 *   /etc/opt/chrome/policies/managed/trustform.json     Google Chrome
 *   /etc/chromium/policies/managed/trustform.json       Chromium
 *
 * trustform writes only its own trustform.json, holding exactly the role's
 * present CAs (CACertificates, base64 DER) and distrusted ones
 * (CADistrustedCertificates); it is removed when both are empty. The other
 * files of the directory are read, never written.
 *
 * Chrome reads every file of the directory in file-name order and takes a
 * policy from the last file that sets it: lists are not merged across files
 * (ConfigDirPolicyLoader; PolicyListMultipleSourceMergeList merges across
 * sources, not across the files of one directory). So for each of the two
 * keys exactly one file decides:
 *   - a file after trustform.json that sets the key beats ours: its
 *     certificates are foreign entries, and a CA of the role it does not list
 *     is trust that will not take effect (trust_set_ineffective);
 *   - a file before trustform.json that sets the key loses to ours once ours
 *     sets it (a note), and decides when ours does not (its certificates are
 *     then the foreign entries).
 */
#include "model/cert.h"
#include "model/step.h"
#include "schema/keys.h"
#include "schema/resolve.h"
#include "stores/chrome/chrome.h"
#include "stores/chrome/chrome_int.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct browser browsers[] = {
    {"chrome",
     "Google Chrome",
     "/etc/opt/chrome/policies/managed",
     {"/opt/google/chrome", "/usr/bin/google-chrome", NULL}},
    {"chromium",
     "Chromium",
     "/etc/chromium/policies/managed",
     {"/usr/lib/chromium", "/usr/bin/chromium", NULL}},
};
#define NBROWSERS (sizeof(browsers) / sizeof(*browsers))

static const char *const browser_names[] = {"chrome", "chromium", NULL};

static const struct store_option cpol_keys[] = {
    {.name = "browsers",
     .kind = OPT_LIST,
     .choices = browser_names,
     .flags = OPTF_NONEMPTY,
     .help = "the browsers whose managed policy to write: chrome "
	     "(`/etc/opt/chrome/policies/managed`), chromium (`/etc/chromium/policies/managed`); "
	     "default both"},
    {0},
};

static const struct store_files_doc cpol_files[] = {
    {NULL, "`trustform.json` in `/etc/opt/chrome/policies/managed/` and/or "
	   "`/etc/chromium/policies/managed/` (CACertificates and CADistrustedCertificates, "
	   "base64 DER); removed when it would be empty. The directory's other policy files are "
	   "read, never written; no home is touched"},
    {0},
};

static const struct store_backend cpol_backend;

/* --- read ---------------------------------------------------------------------- */

static const char *config_name(const struct store_inst *s, const unsigned char fp[FP_LEN])
{
	const struct config *cfg = s->ctx->cfg;
	for (size_t i = 0; cfg && i < cfg->ncas; i++)
		if (cfg->cas[i].cert && !memcmp(cfg->cas[i].cert->fp, fp, FP_LEN))
			return cfg->cas[i].name;
	return NULL;
}

/*
 * The policy file holds certificates, not names. An entry of ours that no CA
 * of the configuration is (now) is taken for the older copy of the store's CA
 * with the same subject, when exactly one CA of the role has that subject and
 * ours does not hold it yet: a CA replaced under its name (regenerated with
 * the same subject) is then one -/+ step, as in the stores that keep names.
 * Otherwise it keeps its subject as its label (and is removed, the new one
 * added).
 */
static const char *older_copy_of(const struct host_store *hs, const struct pfile *mine,
				 const struct cert *c)
{
	const char *name = NULL;
	for (size_t i = 0; hs && c->subject && i < hs->ncas; i++) {
		const struct conf_ca *ca = hs->cas[i];
		if (!ca->cert || ca->ensure == ENSURE_ABSENT || !ca->cert->subject ||
		    strcmp(ca->cert->subject, c->subject) != 0)
			continue;
		if (name || plist_has(&mine->ca, ca->cert->fp) ||
		    plist_has(&mine->dis, ca->cert->fp))
			return NULL;
		name = ca->name;
	}
	return name;
}

static void add_entries(const struct store_inst *s, struct trust_set *out, const struct plist *l,
			bool owned, enum trust_state st, const char *where,
			const struct plist *distrusted, bool can_distrust,
			const struct host_store *hs, const struct pfile *mine)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct pcert *c = &l->v[i];
		if (!c->cert)
			continue;
		const char *name = config_name(s, c->fp);
		if (!name && owned)
			name = older_copy_of(hs, mine, c->cert);
		char *label = name ? xstrdup(name)
				   : xasprintf("%s", c->cert->subject ? c->cert->subject : "?");
		enum trust_state state = st;
		if (!owned && st == TS_TRUSTED && plist_has(distrusted, c->fp))
			state = TS_DISTRUSTED; /* Chrome's distrust beats its trust */
		struct trust_entry *e = trust_set_add(out, c->fp, label, owned, state, where);
		trust_entry_describe(e, c->cert);
		e->can_distrust = can_distrust && state == TS_TRUSTED;
		free(label);
	}
}

/* Items of a list Chrome cannot use (not base64 DER of a certificate). */
static size_t count_bad(const struct plist *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += !l->v[i].cert;
	return n;
}

static int cpol_read(struct store_inst *s, struct trust_set *out)
{
	struct cpol *p = s->priv;
	int rc = pol_load_ours(p, &p->seen);
	if (rc < 0)
		return -1;
	p->existed = rc == 0;
	struct pfile mine = {0}, *others;
	size_t nothers;
	if (pol_load_others(p, &others, &nothers) < 0)
		return -1;
	struct buf stale = BUF_INIT;
	if (p->existed) {
		pfile_parse(&mine, &p->seen);
		if (mine.bad)
			buf_printf(&stale, "%s is damaged (%s): apply rewrites it\n", p->file,
				   mine.why);
		size_t bad = count_bad(&mine.ca) + count_bad(&mine.dis);
		if (bad)
			buf_printf(&stale,
				   "%s: %zu item(s) are not base64 DER certificates: "
				   "apply drops them\n",
				   p->file, bad);
	}

	struct resolved *r;
	const struct host_store *hs = store_desired(s, &r); /* the desired set's slot */
	size_t npresent = 0, ndis = 0;
	for (size_t i = 0; hs && i < hs->ncas; i++) {
		npresent += hs->cas[i]->ensure == ENSURE_PRESENT;
		ndis += hs->cas[i]->ensure == ENSURE_DISTRUSTED;
	}
	/* as the plan leaves it: ours holds exactly the present and the distrusted CAs */
	bool ours_ca = npresent, ours_dis = ndis;

	/* Which file decides each key: the last that sets it, ours included. */
	const struct pfile *dec_ca = NULL, *dec_dis = NULL;
	for (size_t i = 0; i < nothers; i++) {
		const struct pfile *f = &others[i];
		if (f->bad) {
			trust_set_note(out,
				       "%s is not a policy file Chrome can read (%s); it "
				       "ignores the whole file",
				       f->shown, f->why);
			continue;
		}
		bool later = strcmp(f->name, OURS) > 0;
		if (f->ca.set && (later || !ours_ca))
			dec_ca = f;
		if (f->dis.set && (later || !ours_dis))
			dec_dis = f;
	}
	const struct plist *eff_dis = dec_dis ? &dec_dis->dis : &mine.dis;
	add_entries(s, out, &mine.ca, true, TS_TRUSTED, p->file, NULL, true, hs, &mine);
	add_entries(s, out, &mine.dis, true, TS_DISTRUSTED, p->file, NULL, false, hs, &mine);
	if (dec_ca)
		add_entries(s, out, &dec_ca->ca, false, TS_TRUSTED, dec_ca->shown, eff_dis,
			    !dec_dis || strcmp(dec_dis->name, OURS) < 0, NULL, NULL);
	if (dec_dis)
		add_entries(s, out, &dec_dis->dis, false, TS_DISTRUSTED, dec_dis->shown, NULL,
			    false, NULL, NULL);

	/* Files whose list Chrome does not use. */
	for (size_t i = 0; i < nothers; i++) {
		const struct pfile *f = &others[i];
		static const char *const keys[] = {K_CA, K_DIS};
		for (int k = 0; k < 2 && !f->bad; k++) {
			const struct plist *l = k ? &f->dis : &f->ca;
			const struct pfile *dec = k ? dec_dis : dec_ca;
			if (!l->set || dec == f)
				continue;
			const char *winner = dec ? dec->shown : p->file;
			trust_set_note(out,
				       "%s sets %s too; Chrome does not merge a policy "
				       "across files and takes it from the last file by name "
				       "that sets it, %s, so the %zu certificate(s) %s lists "
				       "there do not count",
				       f->shown, keys[k], winner, l->n, f->name);
		}
	}

	/* The role's CAs against the file that decides. */
	for (size_t i = 0; hs && i < hs->ncas; i++) {
		const struct conf_ca *ca = hs->cas[i];
		if (!ca->cert)
			continue;
		bool later_ca = dec_ca && strcmp(dec_ca->name, OURS) > 0;
		bool later_dis = dec_dis && strcmp(dec_dis->name, OURS) > 0;
		if (ca->ensure == ENSURE_PRESENT && later_ca &&
		    !plist_has(&dec_ca->ca, ca->cert->fp))
			trust_set_ineffective(out,
					      "%s sets " K_CA " and comes after " OURS " by "
					      "name; %s takes the policy from that file only "
					      "(lists are not merged across files), so CA \"%s\" "
					      "is not trusted; add it to that file's " K_CA
					      ", or remove the key from it",
					      dec_ca->shown, p->b->title, ca->name);
		if (ca->ensure == ENSURE_DISTRUSTED && later_dis &&
		    !plist_has(&dec_dis->dis, ca->cert->fp))
			trust_set_ineffective(
			    out,
			    "%s sets " K_DIS " and comes after " OURS " by "
			    "name; %s takes the policy from that file only, so "
			    "CA \"%s\" is not distrusted; add it to that file's " K_DIS
			    ", or remove the key from it",
			    dec_dis->shown, p->b->title, ca->name);
		if (ca->ensure == ENSURE_ABSENT && dec_ca && plist_has(&dec_ca->ca, ca->cert->fp) &&
		    !plist_has(eff_dis, ca->cert->fp))
			trust_set_ineffective(out,
					      "%s lists CA \"%s\" in " K_CA ", and it is ensure: "
					      "absent; trustform writes only " OURS ": remove it "
					      "from that file (or make the CA ensure: distrusted)",
					      dec_ca->shown, ca->name);
	}
	resolved_free(r);

	if (stale.len) {
		buf_truncate(&stale, stale.len - 1);
		out->stale = buf_detach(&stale);
	}
	buf_dispose(&stale);
	bool installed = false;
	for (size_t i = 0; !installed && p->b->installs[i]; i++) {
		char *h = root_join(s->ctx->root, p->b->installs[i]);
		installed = path_exists(h);
		free(h);
	}
	if (!installed)
		trust_set_note(out,
			       "%s is not installed here (looked for %s and %s); the policy "
			       "is for when it is",
			       p->b->title, p->b->installs[0], p->b->installs[1]);
	pfile_dispose(&mine);
	pol_others_free(others, nothers);
	return 0;
}

/* --- apply --------------------------------------------------------------------- */

static void put(struct plist *l, const struct cert *c)
{
	char *b64 = pol_cert_b64(c);
	struct cert *copy = cert_from_der(c->der, c->der_len);
	plist_add(l, b64, copy);
	free(b64);
}

static int do_step(struct plan_step *st, struct pfile *f, const struct cpol *p)
{
	const unsigned char *seen = st->has_seen && st->seen.owned ? st->seen.fp : NULL;
	switch (st->op) {
	case OP_ADD:
	case OP_REPLACE:
	case OP_UPDATE:
	case OP_ADD_DISTRUSTED:
	case OP_DISTRUST: {
		if (seen) {
			plist_drop(&f->ca, seen);
			plist_drop(&f->dis, seen);
		}
		plist_drop(&f->ca, st->ca->cert->fp);
		plist_drop(&f->dis, st->ca->cert->fp);
		bool dis = st->op == OP_ADD_DISTRUSTED || st->op == OP_DISTRUST;
		put(dis ? &f->dis : &f->ca, st->ca->cert);
		return 0;
	}
	case OP_REMOVE:
		if (!seen) {
			plan_step_fail(st,
				       "%s lists it, and trustform writes only %s; remove it "
				       "from that file",
				       st->seen.where, p->file);
			return -1;
		}
		plist_drop(&f->ca, seen);
		plist_drop(&f->dis, seen);
		return 0;
	case OP_REFRESH:
		return 0;
	default:
		plan_step_unexpected(st);
		plan_step_fail_err(st);
		return -1;
	}
}

static json_t *list_json(const struct plist *l)
{
	json_t *a = json_array();
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].cert)
			json_array_append_new(a, json_string(l->v[i].b64));
	return a;
}

/* trustform.json: the engine writes or removes it. */
static int cpol_owned(struct store_inst *s, struct store_files *fs)
{
	struct cpol *p = s->priv;
	store_files_add(fs, p->host, p->file);
	return 0;
}

/* trustform.json with the steps carried out, or none when it would be empty. */
static int cpol_render(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	struct cpol *p = s->priv;
	struct store_file *sf = &fs->f[0];
	struct pfile f = {0};
	/* the whole file as the plan read it: the steps were made from all of it */
	if (sf->exists != p->existed || !buf_equal(&p->seen, sf->have.ptr, sf->have.len)) {
		err_modified(p->file);
		return -1; /* the whole store: the applier makes the steps stale */
	}
	if (sf->exists)
		pfile_parse(&f, &sf->have);
	int rc = 0;
	for (size_t i = 0; i < ps->n; i++)
		if (do_step(&ps->steps[i], &f, p) < 0)
			rc = -1;
	json_t *root = json_object();
	if (count_bad(&f.ca) < f.ca.n)
		json_object_set_new(root, K_CA, list_json(&f.ca));
	if (count_bad(&f.dis) < f.dis.n)
		json_object_set_new(root, K_DIS, list_json(&f.dis));
	if (json_object_size(root)) {
		char *text = json_dumps(root, JSON_INDENT(2));
		struct buf b = BUF_INIT;
		buf_puts(&b, text);
		buf_putc(&b, '\n');
		store_file_set(sf, b.ptr, b.len);
		buf_dispose(&b);
		free(text);
	} else {
		store_file_remove(sf);
	}
	json_decref(root);
	pfile_dispose(&f);
	return rc;
}

static const struct store_file_kind cpol_kind = {
    .files = cpol_owned,
    .render = cpol_render,
};

/* --- open ------------------------------------------------------------------------ */

static void cpol_free(struct store_inst *s)
{
	struct cpol *p = s->priv;
	if (!p)
		return;
	free(p->file);
	free(p->host);
	free(p->dirhost);
	buf_dispose(&p->seen);
	free(p);
}

static void cpol_validate(const struct conf_store *cs, struct diag *d)
{
	const struct ynode *l = conf_store_node(cs, "browsers");
	if (!l || l->kind != YNODE_SEQ)
		return;
	if (!l->n)
		diag_add(d, DIAG_ERROR, cs->config_file, l->line, l->col,
			 "store \"%s\": browsers is empty; list chrome, chromium or both "
			 "(or leave it out for both)",
			 cs->name);
	for (size_t i = 0; i < l->n; i++) {
		const struct ynode *v = l->items[i];
		for (size_t j = 0; j < i && v->kind == YNODE_SCALAR; j++)
			if (l->items[j]->kind == YNODE_SCALAR &&
			    !strcmp(l->items[j]->text, v->text))
				diag_add(d, DIAG_ERROR, cs->config_file, v->line, v->col,
					 "store \"%s\": %s is listed twice in browsers; remove "
					 "one",
					 cs->name, v->text);
	}
}

static int cpol_open(const struct conf_store *cs, const struct run_ctx *ctx, struct store_open *out)
{
	const struct ynode *l = conf_store_node(cs, "browsers");
	for (size_t i = 0; i < NBROWSERS; i++) {
		const struct browser *b = &browsers[i];
		bool on = !l;
		for (size_t j = 0; l && j < l->n && !on; j++)
			on = l->items[j]->kind == YNODE_SCALAR &&
			     !strcmp(l->items[j]->text, b->name);
		if (!on)
			continue;
		struct cpol *p = xcalloc(1, sizeof(*p));
		p->b = b;
		buf_init(&p->seen);
		p->file = xasprintf("%s/" OURS, b->dir);
		p->host = root_resolve_host(ctx->root, p->file);
		p->dirhost = root_resolve_host(ctx->root, b->dir);
		char *addr = xasprintf("%s[%s]", cs->name, b->name);
		char *title = xasprintf("%s (chrome-policy %s)", cs->name, b->name);
		struct store_inst *s = store_inst_new(&cpol_backend, cs, ctx, addr, title);
		free(addr);
		free(title);
		s->priv = p;
		if (!p->host || !p->dirhost) {
			store_inst_free(s);
			return -1;
		}
		s->target = xasprintf("the file %s", path_shown(p->host));
		store_open_add(out, s);
	}
	return 0;
}

static const struct store_backend cpol_backend = {
    .name = "chrome-policy",
    .ops =
	STORE_OPS_CA | STORE_OP(OP_ADD_DISTRUSTED) | STORE_OP(OP_DISTRUST) | STORE_OP(OP_REFRESH),
    .read = cpol_read,
    .file = &cpol_kind,
    .free = cpol_free,
};

const struct store_type store_type_chrome_policy = {
    .name = "chrome-policy",
    .summary = "`trustform.json` in Chrome's and Chromium's managed policy directories: "
	       "CACertificates and CADistrustedCertificates",
    .files = cpol_files,
    .options = cpol_keys,
    .validate = cpol_validate,
    .open = cpol_open,
    .readers = {.flags = STORE_READ_CHROME},
};
