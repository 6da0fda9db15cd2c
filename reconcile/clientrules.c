/* The rules of a store's clients applied to its CAs; see clientrules.h. */
#include "reconcile/clientrules.h"
#include "model/strict.h"
#include "reconcile/clientreaders.h"
#include "stores/effectcache.h"
#include "stores/pyhost.h"
#include "stores/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define STRICT_CLIENT "Python 3.13+ (ssl's VERIFY_X509_STRICT)"

/* The variables through which Python reads an env store's bundle. */
static const char *const py_vars[] = {"REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "PIP_CERT"};

/* Who reads the store with strict mode, in words, or NULL: nobody. The
 * python store: its venv's Python, when pyvenv.cfg says 3.13 or later (a venv
 * whose pyvenv.cfg says nothing is taken as strict); the system store and an
 * env store setting a variable Python reads: the host's Python 3.13+. */
static char *strict_reader(const struct conf_store *cs, const char *root)
{
	if (store_reads(cs, STORE_READ_VENV_PYTHON)) {
		const char *venv = conf_store_str(cs, "venv");
		char *ver = NULL;
		int minor = venv ? pyhost_venv_minor(root, venv, &ver) : -1;
		char *who = minor >= 13 ? xasprintf("the venv's Python %s", ver)
			    : minor < 0 ? xstrdup("the venv's Python (pyvenv.cfg has no version)")
					: NULL;
		free(ver);
		return who;
	}
	struct buf via = BUF_INIT;
	if (!store_reads(cs, STORE_READ_SYSTEM)) {
		for (size_t i = 0; i < sizeof(py_vars) / sizeof(*py_vars); i++)
			if (client_env_sets(cs, py_vars[i]))
				buf_printf(&via, "%s%s", via.len ? ", " : ", through ", py_vars[i]);
		if (!via.len)
			return NULL;
	}
	char *path = NULL;
	int minor = pyhost_minor(root, &path);
	char *who = minor >= 13 ? xasprintf("this host's Python 3.%d (%s%s)", minor, path,
					    via.len ? via.ptr : "")
				: NULL;
	free(path);
	buf_dispose(&via);
	return who;
}

static bool already_said(const struct trust_set *s, const char *text)
{
	for (size_t i = 0; i < s->nineffective; i++)
		if (!strcmp(s->ineffective[i], text))
			return true;
	return false;
}

/*
 * strict_judge, answered from the effect cache (stores/effectcache.h) when
 * the same OpenSSL judged the same certificate before: the verdict depends on
 * nothing else, and building and verifying the probes costs about 6 ms of CPU
 * per CA (a plan of 100 CAs on a host with Python 3.13+ spent 85 % of its
 * time here). The key: the certificate's SHA-256, OpenSSL's version and the
 * identity of the libcrypto this process runs with.
 */
static int judge_cached(const char *root, const struct cert *c, struct strict_verdict *v)
{
	struct effect_key k;
	effect_key_init(&k, "openssl-strict", c->fphex);
	effect_key_text(&k, "openssl", OpenSSL_version(OPENSSL_FULL_VERSION_STRING));
	Dl_info dl;
	if (dladdr((void *)OpenSSL_version, &dl) && dl.dli_fname)
		effect_key_stat(&k, dl.dli_fname);
	else
		k.usable = false;
	char *res = NULL;
	size_t len;
	int rc = -1;
	if (effect_cache_load(root, &k, &res, &len) == 0) {
		memset(v, 0, sizeof(*v));
		char *p = res, *end;
		long n = strtol(p, &end, 10);
		rc = end != p && n >= 0 && n <= STRICT_MAX ? 0 : -1;
		for (long i = 0; rc == 0 && i < n; i++) {
			p = end;
			v->codes[i] = (int)strtol(p, &end, 10);
			rc = end != p ? 0 : -1;
		}
		v->n = rc == 0 ? (size_t)n : 0;
	}
	if (rc < 0) {
		rc = strict_judge(c, v);
		if (rc == 0) {
			struct buf r = BUF_INIT;
			buf_printf(&r, "%zu", v->n);
			for (size_t i = 0; i < v->n; i++)
				buf_printf(&r, " %d", v->codes[i]);
			effect_cache_save(root, &k, r.ptr, r.len);
			buf_dispose(&r);
		}
	}
	free(res);
	effect_key_dispose(&k);
	return rc;
}

static void judge_ca(struct plan_store *ps, const struct conf_ca *ca, const struct config *cfg,
		     const char *who, const char *root)
{
	struct strict_verdict v;
	err_clear();
	if (judge_cached(root, ca->cert, &v) < 0 || !v.n)
		return;
	struct buf what = BUF_INIT, fix = BUF_INIT;
	for (size_t i = 0; i < v.n; i++) {
		buf_printf(&what, "%s%s", i ? "; " : "", strict_property(v.codes[i]));
		const char *f = strict_fix(v.codes[i]);
		if (f && !strstr(fix.ptr ? fix.ptr : "", f))
			buf_printf(&fix, " %s", f);
	}
	char *text = xasprintf(
	    "%s:%d:%d: CA \"%s\" (%s) is refused by " STRICT_CLIENT ", which %s uses to read this "
	    "store: %s. Reissue the CA with the same key and subject, adding the missing "
	    "extensions (openssl req -x509 ...%s, or the same in the -extfile of openssl x509 "
	    "-req), and replace %s with it; until then Python's TLS clients refuse every server "
	    "it issued",
	    cfg->path, ca->file_pos.line, ca->file_pos.col, ca->name, ca->file, who, what.ptr,
	    fix.ptr ? fix.ptr : "", ca->file);
	if (!already_said(&ps->actual, text))
		trust_set_ineffective(&ps->actual, "%s", text);
	free(text);
	buf_dispose(&what);
	buf_dispose(&fix);
}

/* The notes of these rules start so (no store's own note does). A store's
 * notes are kept in the read cache with its entries, but these are about the
 * configuration, which the cache key does not cover: each run drops the ones
 * a cached set brought and judges again. */
#define NOTE_PREFIX CLIENT_NOTE_PREFIX

static void drop_client_notes(struct trust_set *s)
{
	size_t k = 0;
	for (size_t i = 0; i < s->nnotes; i++) {
		if (!strncmp(s->notes[i], NOTE_PREFIX, strlen(NOTE_PREFIX)))
			free(s->notes[i]);
		else
			s->notes[k++] = s->notes[i];
	}
	s->nnotes = k;
}

/* The store's trust after apply: the entries it holds that trustform does
 * not manage, and the configured CAs. An
 * entry read from the cache has no certificate: one whose subject is the
 * issuer's counts as the issuer (*named). */
static const struct cert **store_anchors(const struct plan_store *ps, const struct host_store *hs,
					 const struct cert *c, size_t *n, bool *named)
{
	const struct cert **a = xcalloc(ps->actual.n + hs->ncas + 1, sizeof(*a));
	*n = 0;
	*named = false;
	for (size_t i = 0; i < ps->actual.n; i++) {
		const struct trust_entry *e = &ps->actual.items[i];
		if (e->state != TS_TRUSTED || e->owned)
			continue; /* trustform's own entries are the configured CAs below */
		if (e->cert)
			a[(*n)++] = e->cert;
		else if (e->subject && !strcmp(e->subject, c->issuer))
			*named = true;
	}
	for (size_t i = 0; i < hs->ncas; i++)
		if (hs->cas[i]->ensure == ENSURE_PRESENT && hs->cas[i]->cert)
			a[(*n)++] = hs->cas[i]->cert;
	return a;
}

/* OpenSSL's default chain rule for an intermediate of the configuration. */
static void judge_anchor(struct plan_store *ps, const struct host_store *hs,
			 const struct conf_ca *ca, const struct config *cfg, const char *root)
{
	const struct cert *c = ca->cert;
	const struct conf_store *cs = ps->inst->conf;
	bool system = store_reads(cs, STORE_READ_SYSTEM);
	if (c->self_issued || !store_reads(cs, STORE_READ_OPENSSL_CHAIN))
		return;
	size_t n;
	bool named;
	const struct cert **a = store_anchors(ps, hs, c, &n, &named);
	int code = 0;
	err_clear();
	int rc = anchor_judge(c, a, n, &code);
	free(a);
	if (rc < 0 || !code || named)
		return;
	char *where = xasprintf("%s:%d:%d: CA \"%s\" (%s) is an intermediate, issued by \"%s\", "
				"whose root this store does not hold",
				cfg->path, ca->file_pos.line, ca->file_pos.col, ca->name, ca->file,
				c->issuer);
	char *fix = xasprintf("trust the root that issued it (its certificate under cas:, in this "
			      "store's role) instead of or beside %s",
			      ca->file);
	char *text;
	if (system) {
		char *py = NULL;
		int minor = pyhost_minor(root, &py);
		char *pynote = minor >= 13 ? xasprintf(" and this host's Python 3.%d (%s, ssl's "
						       "VERIFY_X509_PARTIAL_CHAIN)",
						       minor, py)
					   : xstrdup("");
		text = xasprintf(
		    "%s: OpenSSL's default chain rule takes only a self-signed root as "
		    "an anchor, so its clients without partial-chain (openssl s_client and "
		    "verify, Node.js, Python before 3.13) refuse every server it issued "
		    "(\"%s\"), while curl (partial-chain by default)%s take it. Fix: %s",
		    where, X509_verify_cert_error_string(code), pynote, fix);
		free(pynote);
		free(py);
		if (!already_said(&ps->actual, text))
			trust_set_ineffective(&ps->actual, "%s", text);
	} else {
		text = xasprintf(
		    NOTE_PREFIX
		    "%s: Python 3.13+ takes it as an anchor (ssl's "
		    "VERIFY_X509_PARTIAL_CHAIN), but a Python before 3.13 and any other client of "
		    "this store using OpenSSL without partial-chain refuse every server it issued "
		    "(\"%s\"). Fix: %s",
		    where, X509_verify_cert_error_string(code), fix);
		trust_set_note(&ps->actual, "%s", text);
	}
	free(text);
	free(fix);
	free(where);
}

void client_rules_store(struct plan_store *ps, const struct host_store *hs,
			const struct config *cfg, const struct conf_role *const *roles,
			size_t nroles, const char *root)
{
	if (!ps->inst)
		return;
	drop_client_notes(&ps->actual);
	if (!hs || !hs->ncas)
		return;
	if (!root)
		root = "";
	char *who = strict_reader(ps->inst->conf, root);
	for (size_t i = 0; i < hs->ncas; i++) {
		const struct conf_ca *ca = hs->cas[i];
		if (ca->ensure != ENSURE_PRESENT || !ca->cert)
			continue;
		if (who)
			judge_ca(ps, ca, cfg, who, root);
		judge_anchor(ps, hs, ca, cfg, root);
	}
	free(who);
	client_readers_store(ps, hs, cfg, roles, nroles);
}
