/*
 * Firefox's enterprise policy as a trust store (`firefox_policy: true` on an
 * nss store): the CAs listed in Certificates.Install of
 * /etc/firefox/policies/policies.json, which every Firefox of the machine
 * imports and trusts at start, profiles it has never seen included.
 *
 * trustform's entries are PEM files it writes to /etc/firefox/policies/trustform/
 * (named <name>-<sha256[:12]>.pem, so new content gets a new name) and lists in
 * Install; whatever else the file says is kept as it is, merged through
 * jansson, never rewritten by hand. A file trustform cannot parse is an error,
 * not something to overwrite.
 *
 * A file store (stores/store.h, struct store_file_kind): it names its files
 * and renders them; the engine (reconcile/apply_files.c) loads them, writes
 * them through the confined transaction, compares-and-swaps and ends the
 * steps.
 */
#include "model/cert.h"
#include "model/step.h"
#include "stores/nss/nss_int.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define POLICY_DIR  "/etc/firefox/policies"
#define POLICY_FILE POLICY_DIR "/policies.json"
#define CERT_DIR    POLICY_DIR "/trustform"

/* Where Firefox looks for an Install entry given as a bare file name (Linux). */
static const char *const lookup_dirs[] = {
    "/usr/lib/mozilla/certificates",
    "/usr/lib64/mozilla/certificates",
};

struct policy_priv {
	struct buf seen; /* policies.json as read for the plan ("" if missing) */
	bool existed;
};

static char *policy_host(const struct store_inst *s)
{
	char *p = root_resolve_host(s->ctx->root, POLICY_FILE);
	return p ? p : root_join(s->ctx->root, POLICY_FILE);
}

/* The file's bytes; 0, or 1 when it does not exist, -1 with err set. */
static int load_bytes(const struct store_inst *s, struct buf *out)
{
	char *host = policy_host(s);
	int rc = 0;
	buf_reset(out);
	if (buf_read_file(out, host) < 0) {
		if (errno == ENOENT) {
			rc = 1;
		} else {
			err_set_errno(errno, "%s: cannot read", path_shown(host));
			rc = -1;
		}
	}
	free(host);
	return rc;
}

/* Parse and find policies.Certificates.Install, creating what is missing when
 * create is set. *install is NULL when there is none. */
static json_t *parse_policy(const struct store_inst *s, const struct buf *bytes, bool create,
			    json_t **install)
{
	json_error_t je;
	json_t *root = bytes->len ? json_loadb(bytes->ptr, bytes->len, 0, &je) : json_object();
	char *host = policy_host(s);
	const char *bad = NULL;
	*install = NULL;
	if (!root) {
		err_set("%s:%d:%d: not valid JSON (%s); fix it or move it away: trustform merges "
			"its certificates into this file and never overwrites what it cannot read",
			path_shown(host), je.line, je.column, je.text);
		goto out;
	}
	json_t *pol = json_object_get(root, "policies");
	if (!json_is_object(root))
		bad = "the file";
	else if (pol && !json_is_object(pol))
		bad = "\"policies\"";
	if (!bad && !pol && create)
		json_object_set_new(root, "policies", pol = json_object());
	json_t *certs = pol ? json_object_get(pol, "Certificates") : NULL;
	if (!bad && certs && !json_is_object(certs))
		bad = "\"policies.Certificates\"";
	if (!bad && !certs && pol && create)
		json_object_set_new(pol, "Certificates", certs = json_object());
	json_t *inst = certs ? json_object_get(certs, "Install") : NULL;
	if (!bad && inst && !json_is_array(inst))
		bad = "\"policies.Certificates.Install\"";
	if (!bad && !inst && certs && create)
		json_object_set_new(certs, "Install", inst = json_array());
	if (bad) {
		err_set("%s: %s is not what Firefox expects (an object%s); fix the file",
			path_shown(host), bad,
			strstr(bad, "Install") ? ": a list of file names" : "");
		json_decref(root);
		root = NULL;
		goto out;
	}
	*install = inst;
out:
	free(host);
	return root;
}

static char *managed_path(const struct conf_ca *ca)
{
	return xasprintf(CERT_DIR "/%s-%.12s.pem", ca->name, ca->cert->fphex);
}

/* The in-root file an Install entry names, as Firefox would find it, or NULL. */
static char *install_file(const char *root, const char *item)
{
	if (item[0] == '/')
		return xstrdup(item);
	if (strchr(item, '/'))
		return NULL;
	for (size_t i = 0; i < sizeof(lookup_dirs) / sizeof(*lookup_dirs); i++) {
		char *p = xasprintf("%s/%s", lookup_dirs[i], item);
		char *host = root_resolve_host(root, p);
		bool there = host && path_exists(host);
		free(host);
		if (there)
			return p;
		free(p);
	}
	return NULL;
}

static void add_item(const struct store_inst *s, struct trust_set *out, const char *item)
{
	static const unsigned char zero[FP_LEN];
	char *label = store_managed_label(item, CERT_DIR, ".pem");
	char *file = install_file(s->ctx->root, item);
	char *host = file ? root_resolve_host(s->ctx->root, file) : NULL;
	struct buf b = BUF_INIT;
	struct cert_list l = {0};
	bool ok = host && buf_read_file(&b, host) == 0 && cert_list_parse(&l, b.ptr, b.len) == 0 &&
		  l.n == 1;
	if (ok) {
		struct trust_entry *e = trust_set_add(out, l.items[0]->fp, label ? label : item,
						      label != NULL, TS_TRUSTED, item);
		trust_entry_describe(e, l.items[0]);
	} else if (label) {
		/* ours, but gone or damaged: an entry that cannot match gets replaced */
		struct trust_entry *e = trust_set_add(out, zero, label, true, TS_TRUSTED, item);
		e->subject = xstrdup("(missing or not a single certificate: damaged)");
	} else {
		trust_set_note(out, "%s lists \"%s\", which %s; Firefox cannot install it either",
			       POLICY_FILE, item,
			       !file ? "is in none of the places Firefox looks"
				     : "is not a single certificate trustform can read");
	}
	cert_list_dispose(&l);
	buf_dispose(&b);
	free(host);
	free(file);
	free(label);
}

static int policy_read(struct store_inst *s, struct trust_set *out)
{
	struct policy_priv *p = s->priv;
	int rc = load_bytes(s, &p->seen);
	if (rc < 0)
		return -1;
	p->existed = rc == 0;
	json_t *install, *root = parse_policy(s, &p->seen, false, &install);
	if (!root)
		return -1;
	size_t i;
	json_t *v;
	json_array_foreach(install, i, v)
	{
		if (json_is_string(v))
			add_item(s, out, json_string_value(v));
		else
			trust_set_note(out,
				       "%s: item %zu of Certificates.Install is not a "
				       "file name; left as it is",
				       POLICY_FILE, i + 1);
	}
	json_decref(root);
	bool firefox = false;
	static const char *const installs[] = {"/usr/lib/firefox-esr", "/usr/lib/firefox",
					       "/usr/lib64/firefox", "/opt/firefox"};
	for (size_t k = 0; k < sizeof(installs) / sizeof(*installs) && !firefox; k++) {
		char *h = root_join(s->ctx->root, installs[k]);
		firefox = is_dir(h);
		free(h);
	}
	if (!firefox)
		trust_set_note(out,
			       "no Firefox is installed here (looked in /usr/lib/firefox-esr, "
			       "/usr/lib/firefox, /usr/lib64/firefox, /opt/firefox); the policy is "
			       "for any that will be");
	return 0;
}

/* Remove every occurrence of item from the Install list. */
static void unlist(json_t *install, const char *item)
{
	for (size_t i = json_array_size(install); i-- > 0;) {
		json_t *v = json_array_get(install, i);
		if (json_is_string(v) && !strcmp(json_string_value(v), item))
			json_array_remove(install, i);
	}
}

static bool listed(json_t *install, const char *item)
{
	size_t i;
	json_t *v;
	json_array_foreach(install, i, v) if (json_is_string(v) &&
					      !strcmp(json_string_value(v), item)) return true;
	return false;
}

/* The file of fs whose in-root path is path, or NULL. */
static struct store_file *file_of(struct store_files *fs, const char *path)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].shown, path))
			return &fs->f[i];
	return NULL;
}

/* A step: the JSON changed, its PEM file set or removed. 0, or -1 with err set. */
static int do_step(const struct plan_step *st, json_t *install, struct store_files *fs)
{
	if (st->op == OP_ADD || st->op == OP_REPLACE || st->op == OP_UPDATE) {
		char *path = managed_path(st->ca);
		struct store_file *f = file_of(fs, path);
		if (!f) {
			err_set("%s: not among the files of the policy store (its CA is not "
				"one the host's roles give it); run trustplan again",
				path);
			free(path);
			return -1;
		}
		size_t len;
		char *pem = cert_to_pem(st->ca->cert, &len);
		store_file_set(f, pem, len);
		free(pem);
		if (!listed(install, path))
			json_array_append_new(install, json_string(path));
		bool same = st->has_seen && !strcmp(st->seen.where, path);
		free(path);
		if (st->op == OP_ADD || same)
			return 0;
	} else if (st->op != OP_REMOVE) {
		return plan_step_unexpected(st);
	}
	unlist(install, st->seen.where);
	struct store_file *gone = st->seen.owned ? file_of(fs, st->seen.where) : NULL;
	if (gone && gone->exists && !gone->write)
		store_file_remove(gone);
	return 0;
}

/* Drop the keys trustform made that are empty again. */
static void prune(json_t *root)
{
	json_t *pol = json_object_get(root, "policies");
	json_t *certs = pol ? json_object_get(pol, "Certificates") : NULL;
	json_t *inst = certs ? json_object_get(certs, "Install") : NULL;
	if (inst && !json_array_size(inst))
		json_object_del(certs, "Install");
	if (certs && !json_object_size(certs))
		json_object_del(pol, "Certificates");
}

/* The files the policy store owns, in the order they are written: the PEM
 * files of the CAs the host gives it (written before the policy lists them),
 * policies.json, then the other files of trustform's directory (removed only
 * after the policy no longer lists them: Firefox never reads a path that is
 * gone). The directory is refused when a link leads there. */
static int policy_files(struct store_inst *s, struct store_files *fs)
{
	char *dir = own_dir_in_root(s->ctx->root, CERT_DIR);
	if (!dir)
		return -1;
	struct resolved *r;
	const struct host_store *hs = store_desired(s, &r);
	for (size_t i = 0; hs && i < hs->ncas; i++) {
		const struct conf_ca *ca = hs->cas[i];
		if (ca->ensure != ENSURE_PRESENT || !ca->cert)
			continue;
		char *path = managed_path(ca);
		char *host = xasprintf("%s/%s", dir, path + strlen(CERT_DIR "/"));
		store_files_add(fs, host, path);
		free(host);
		free(path);
	}
	resolved_free(r);
	char *host = policy_host(s);
	store_files_add(fs, host, POLICY_FILE);
	free(host);
	DIR *d = jail_opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < 5 || strcmp(de->d_name + n - 4, ".pem"))
			continue;
		char *path = xasprintf(CERT_DIR "/%s", de->d_name);
		if (!file_of(fs, path)) {
			char *fhost = xasprintf("%s/%s", dir, de->d_name);
			store_files_add(fs, fhost, path);
			free(fhost);
		}
		free(path);
	}
	if (d)
		closedir(d);
	free(dir);
	return 0;
}

/* policies.json with the steps carried out, whatever else it says kept. */
static int policy_render(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	struct policy_priv *p = s->priv;
	struct store_file *pf = file_of(fs, POLICY_FILE);
	if (!pf->exists)
		buf_truncate(&pf->have, 0);
	/* compare-and-swap against what the plan read */
	if (pf->exists != p->existed || !buf_equal(&p->seen, pf->have.ptr, pf->have.len)) {
		err_modified(POLICY_FILE);
		return -1; /* the whole store: the applier fails the steps */
	}
	json_t *install, *root = parse_policy(s, &pf->have, true, &install);
	if (!root)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < ps->n; i++) {
		if (do_step(&ps->steps[i], install, fs) < 0) {
			plan_step_fail_err(&ps->steps[i]);
			rc = -1;
		}
	}
	prune(root);
	char *text = json_dumps(root, JSON_INDENT(2));
	struct buf out = BUF_INIT;
	buf_puts(&out, text ? text : "{}");
	buf_putc(&out, '\n');
	/* a step that failed changed nothing: the others are written (stores/store.h) */
	store_file_set(pf, out.ptr, out.len);
	buf_dispose(&out);
	free(text);
	json_decref(root);
	return rc;
}

static const struct store_file_kind policy_kind = {
    .files = policy_files,
    .render = policy_render,
};

static void policy_free(struct store_inst *s)
{
	struct policy_priv *p = s->priv;
	if (p)
		buf_dispose(&p->seen);
	free(p);
}

const struct store_backend store_backend_nss_policy = {
    .name = "firefox-policy",
    .ops = STORE_OPS_CA,
    .read = policy_read,
    .file = &policy_kind,
    .free = policy_free,
};

struct store_inst *nss_policy_open(const struct conf_store *cs, const struct run_ctx *ctx)
{
	char *addr = xasprintf("%s[firefox policy]", cs->name);
	struct store_inst *s = store_inst_new(&store_backend_nss_policy, cs, ctx, addr, addr);
	s->target = xstrdup("Firefox's enterprise policy");
	struct policy_priv *p = xcalloc(1, sizeof(*p));
	buf_init(&p->seen);
	s->priv = p;
	free(addr);
	return s;
}
