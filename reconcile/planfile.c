/* Saved plans: write, read back, prove fresh, restore; see planfile.h. */
#include "reconcile/planfile.h"
#include "model/cert.h"
#include "model/model_json.h"
#include "reconcile/planfile_int.h"
#include "schema/gitsource.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* --- digests ---------------------------------------------------------------------- */

/* Length-prefixed, so that no two different inputs hash the same text. */
static void dig_str(EVP_MD_CTX *c, const char *s)
{
	char hdr[32];
	size_t n = s ? strlen(s) : 0;
	int k = snprintf(hdr, sizeof(hdr), "%zu%c", n, s ? ':' : '!');
	EVP_DigestUpdate(c, hdr, (size_t)k);
	if (n)
		EVP_DigestUpdate(c, s, n);
}

static void dig_num(EVP_MD_CTX *c, unsigned long long v)
{
	char num[32];
	snprintf(num, sizeof(num), "%llu", v);
	dig_str(c, num);
}

static void dig_final(EVP_MD_CTX *c, char out[FP_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_DigestFinal_ex(c, md, &len);
	EVP_MD_CTX_free(c);
	hex_encode(out, md, FP_LEN);
}

static EVP_MD_CTX *dig_new(const char *what)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		abort(); /* OpenSSL without SHA-256: nothing else would work either */
	dig_str(c, what);
	return c;
}

void planfile_config_digest(char out[FP_HEX_LEN + 1], const struct config *cfg)
{
	EVP_MD_CTX *c = dig_new("trustform-config-1");
	char hex[FP_HEX_LEN + 1];
	hex_encode(hex, cfg->digest, sizeof(cfg->digest));
	dig_str(c, hex);
	for (size_t i = 0; i < cfg->ncas; i++) {
		dig_str(c, cfg->cas[i].name);
		dig_str(c, cfg->cas[i].cert ? cfg->cas[i].cert->fphex : NULL);
	}
	dig_final(c, out);
}

void planfile_store_digest(char out[FP_HEX_LEN + 1], const struct trust_set *s)
{
	EVP_MD_CTX *c = dig_new("trustform-store-1");
	dig_num(c, s->n);
	for (size_t i = 0; i < s->n; i++) {
		const struct trust_entry *e = &s->items[i];
		dig_str(c, e->fphex);
		dig_str(c, e->label);
		dig_num(c, e->owned);
		dig_str(c, trust_state_name(e->state));
		dig_str(c, e->flags);
		dig_str(c, e->where);
		dig_num(c, e->fixed);
		dig_num(c, e->can_distrust);
		dig_num(c, e->siblings);
	}
	dig_str(c, s->stale);
	/* A store that is a CA itself: its root, and what it found about itself. */
	dig_num(c, s->has_own_root);
	if (s->has_own_root) {
		dig_str(c, s->own_root.fphex);
		dig_str(c, s->own_root.where);
	}
	dig_num(c, s->nfindings);
	for (size_t i = 0; i < s->nfindings; i++) {
		const struct trust_finding *f = &s->findings[i];
		dig_num(c, f->kind);
		dig_str(c, f->name);
		dig_str(c, f->seen);
		dig_str(c, f->have_canon);
		dig_str(c, f->want_canon);
	}
	dig_final(c, out);
}

/* --- writing ---------------------------------------------------------------------- */

const char *const planfile_action_names[PLANFILE_NACTIONS] = {"create", "update", "delete",
							      "replace"};

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *planfile_step_json(const struct plan_step *st, json_t *cas)
{
	json_t *o = json_object();
	json_object_set_new(o, "action", json_string(planfile_action_names[st->action]));
	json_object_set_new(o, "op", json_string(plan_op_name(st->op)));
	jtext_set(o, "name", st->name);
	json_object_set_new(o, "ca", str_or_null(st->ca ? st->ca->name : NULL));
	jtext_set(o, "reason", st->reason);
	json_object_set_new(o, "reason_code", str_or_null(st->reason_code));
	jtext_set(o, "detail", st->detail);
	json_object_set_new(o, "seen", st->has_seen ? trust_entry_json(&st->seen) : json_null());
	if (st->ca && st->ca->cert && !json_object_get(cas, st->ca->name)) {
		size_t len;
		char *pem = cert_to_pem(st->ca->cert, &len);
		json_t *ca = json_object();
		json_object_set_new(ca, "sha256", json_string(st->ca->cert->fphex));
		json_object_set_new(ca, "pem", json_stringn(pem, len));
		json_object_set_new(cas, st->ca->name, ca);
		free(pem);
	}
	return o;
}

static json_t *config_json(const struct planfile_meta *m)
{
	json_t *c = json_object();
	char digest[FP_HEX_LEN + 1];
	planfile_config_digest(digest, m->cfg);
	if (m->git) {
		json_object_set_new(c, "source", json_string("git"));
		json_object_set_new(c, "url", json_string(m->git->url));
		json_object_set_new(c, "ref", json_string(m->git->ref));
		json_object_set_new(c, "path", json_string(m->git->path));
		json_object_set_new(c, "commit", json_string(m->git->commit));
		json_object_set_new(c, "allow_unpinned", json_boolean(m->allow_unpinned));
		json_t *sig = json_null();
		if (m->allowed_signers) {
			char sha[FP_HEX_LEN + 1];
			if (planfile_file_sha256(sha, m->allowed_signers) < 0) {
				json_decref(c);
				return NULL;
			}
			sig = json_object();
			json_object_set_new(sig, "path", json_string(m->allowed_signers));
			json_object_set_new(sig, "sha256", json_string(sha));
		}
		json_object_set_new(c, "allowed_signers", sig);
	} else {
		json_object_set_new(c, "source", json_string("file"));
		json_object_set_new(c, "path", json_string(m->config_path));
	}
	json_object_set_new(c, "digest", json_string(digest));
	return c;
}

int planfile_save(const char *path, const struct plan *p, const struct planfile_meta *m)
{
	if (p->failed_stores) {
		err_set("not saving the plan to %s: %zu store(s) could not be read, so the "
			"plan could not be checked at apply time; fix them, or leave them out "
			"with --target",
			path, p->failed_stores);
		return -1;
	}
	json_t *doc = json_object(), *cas = json_object(), *stores = json_array();
	json_object_set_new(doc, "format", json_string(PLANFILE_FORMAT));
	json_object_set_new(doc, "version", json_integer(PLANFILE_VERSION));
	json_object_set_new(doc, "trustform_version", json_string(TRUSTFORM_VERSION));
	json_object_set_new(doc, "created", json_integer((json_int_t)m->now));
	json_object_set_new(doc, "host", json_string(m->host));
	json_object_set_new(doc, "root", json_string(m->root));
	json_t *targets = json_array();
	for (size_t i = 0; i < m->ntargets; i++)
		json_array_append_new(targets, json_string(m->targets[i]));
	json_object_set_new(doc, "targets", targets);
	struct planfile_machine mach;
	planfile_machine(&mach, m->root);
	json_t *jm = json_object();
	json_object_set_new(jm, "hostname", json_string(mach.hostname));
	json_object_set_new(jm, "machine_id", str_or_null(mach.machine_id));
	planfile_machine_dispose(&mach);
	json_object_set_new(doc, "machine", jm);
	json_t *conf = config_json(m);
	if (!conf) {
		json_decref(doc);
		json_decref(cas);
		json_decref(stores);
		return -1;
	}
	json_object_set_new(doc, "configuration", conf);
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_store *ps = &p->stores[i];
		json_t *s = json_object(), *steps = json_array();
		char digest[FP_HEX_LEN + 1];
		planfile_store_digest(digest, &ps->actual);
		jtext_set(s, "address", ps->address);
		jtext_set(s, "title", ps->title);
		json_object_set_new(s, "state_digest", json_string(digest));
		for (size_t j = 0; j < ps->n; j++)
			json_array_append_new(steps, planfile_step_json(&ps->steps[j], cas));
		json_object_set_new(s, "steps", steps);
		json_array_append_new(stores, s);
	}
	json_object_set_new(doc, "cas", cas);
	json_object_set_new(doc, "stores", stores);
	json_t *sum = json_object();
	json_object_set_new(sum, "add", json_integer((json_int_t)p->counts.add));
	json_object_set_new(sum, "change", json_integer((json_int_t)p->counts.change));
	json_object_set_new(sum, "remove", json_integer((json_int_t)p->counts.destroy));
	json_object_set_new(doc, "summary", sum);

	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (!text)
		abort(); /* jansson fails only when out of memory, as xalloc does */
	struct buf b = BUF_INIT;
	buf_puts(&b, text);
	buf_putc(&b, '\n');
	free(text);
	/* Not secret: certificates, fingerprints and file names (store options,
	 * which may hold passwords, stay in the configuration). */
	/* the transaction wants a directory: "p.plan" is "./p.plan" */
	char *where = strchr(path, '/') ? xstrdup(path) : xasprintf("./%s", path);
	int rc = atomic_write(where, b.ptr, b.len, 0644);
	free(where);
	if (rc < 0)
		err_prefix("cannot save the plan");
	buf_dispose(&b);
	return rc;
}

/* --- reading ---------------------------------------------------------------------- */

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? xstrdup(s) : NULL;
}

void planfile_free(struct saved_plan *sp)
{
	if (!sp)
		return;
	free(sp->path);
	free(sp->host);
	free(sp->root);
	for (size_t i = 0; i < sp->ntargets; i++)
		free(sp->targets[i]);
	free(sp->targets);
	free(sp->config_path);
	free(sp->git_url);
	free(sp->git_ref);
	free(sp->git_path);
	free(sp->git_commit);
	free(sp->signers_path);
	free(sp->signers_sha256);
	planfile_machine_dispose(&sp->machine);
	json_decref(sp->doc);
	free(sp);
}

int planfile_load(struct saved_plan **out, const char *path)
{
	json_error_t jerr;
	*out = NULL;
	struct buf raw = BUF_INIT;
	if (buf_read_file(&raw, path) < 0) {
		err_set_errno(errno, "%s: cannot read the saved plan", path);
		return -1;
	}
	json_t *doc = json_loadb(raw.ptr, raw.len, JSON_REJECT_DUPLICATES, &jerr);
	buf_dispose(&raw);
	if (!doc) {
		if (jerr.line < 0)
			err_set("%s: cannot read the saved plan: %s", path, jerr.text);
		else
			err_set("%s:%d:%d: not a saved plan: %s; make one with trustplan "
				"--out FILE",
				path, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	const char *format = json_string_value(json_object_get(doc, "format"));
	json_t *ver = json_object_get(doc, "version");
	if (!json_is_object(doc) || !format || strcmp(format, PLANFILE_FORMAT) != 0 ||
	    !json_is_integer(ver)) {
		err_set("%s is not a saved plan (no \"format\": \"%s\"); make one with trustplan "
			"--out FILE",
			path, PLANFILE_FORMAT);
		json_decref(doc);
		return -1;
	}
	if (json_integer_value(ver) != PLANFILE_VERSION) {
		err_set("%s is a saved plan of format version %lld; this trustform reads version "
			"%d: make a new plan with this trustform",
			path, (long long)json_integer_value(ver), PLANFILE_VERSION);
		json_decref(doc);
		return -1;
	}
	const char *made_by = json_string_value(json_object_get(doc, "trustform_version"));
	if (!made_by || strcmp(made_by, TRUSTFORM_VERSION) != 0) {
		err_set("%s was made by trustform %s; this is trustform %s, whose plan could "
			"differ: make a new plan with this version",
			path, made_by ? made_by : "?", TRUSTFORM_VERSION);
		json_decref(doc);
		return -1;
	}
	struct saved_plan *sp = xcalloc(1, sizeof(*sp));
	sp->doc = doc;
	sp->path = xstrdup(path);
	sp->host = dup_str(doc, "host");
	sp->root = dup_str(doc, "root");
	json_t *jm = json_object_get(doc, "machine");
	sp->machine.hostname = dup_str(jm, "hostname");
	sp->machine.machine_id = dup_str(jm, "machine_id");
	bool ok_sig = true;
	json_t *targets = json_object_get(doc, "targets"), *t;
	size_t i;
	sp->targets = xcalloc(json_array_size(targets) + 1, sizeof(char *));
	json_array_foreach(targets, i, t) if (json_is_string(t)) sp->targets[sp->ntargets++] =
	    xstrdup(json_string_value(t));
	json_t *c = json_object_get(doc, "configuration");
	const char *src = json_string_value(json_object_get(c, "source"));
	const char *digest = json_string_value(json_object_get(c, "digest"));
	if (src && !strcmp(src, "git")) {
		sp->git_url = dup_str(c, "url");
		sp->git_ref = dup_str(c, "ref");
		sp->git_path = dup_str(c, "path");
		sp->git_commit = dup_str(c, "commit");
		sp->allow_unpinned = json_is_true(json_object_get(c, "allow_unpinned"));
		json_t *sig = json_object_get(c, "allowed_signers");
		sp->signers_path = dup_str(sig, "path");
		sp->signers_sha256 = dup_str(sig, "sha256");
		ok_sig = !sig || json_is_null(sig) ||
			 (sp->signers_path && sp->signers_sha256 &&
			  strlen(sp->signers_sha256) == FP_HEX_LEN);
	} else {
		sp->config_path = dup_str(c, "path");
	}
	bool ok =
	    sp->host && sp->root && sp->machine.hostname && ok_sig && digest &&
	    strlen(digest) == FP_HEX_LEN &&
	    (sp->config_path || (sp->git_url && sp->git_ref && sp->git_path && sp->git_commit)) &&
	    json_is_array(json_object_get(doc, "stores"));
	if (!ok) {
		err_set("%s: the saved plan is incomplete (host, root, machine, configuration or "
			"stores missing); make a new plan with trustplan --out FILE",
			path);
		planfile_free(sp);
		return -1;
	}
	memcpy(sp->config_digest, digest, FP_HEX_LEN + 1);
	*out = sp;
	return 0;
}
