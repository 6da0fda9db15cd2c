/* The read cache; see readcache.h. */
#include "reconcile/readcache.h"
#include "model/cert.h"
#include "model/model_json.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hex.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_DIR    "/var/cache/trustform/read"
#define CACHE_FORMAT "trustform-read-cache"
/* 2: the certificates' DER too ("ders"), so that an entry from the cache is
 * described as fully as one read (the plan's inventory, `check`);
 * 3: "since" (the racy rule of stat-keyed keys), and each certificate as its
 * parse left it ("certs"; the DERs in a binary file beside the record, where
 * JSON's base64 made reading the record most of a hit), so that a hit parses
 * no certificate;
 * 4: whether each certificate has nameConstraints ("nc"): a certificate
 * from the cache is one that Chrome's name-constraint rule must still see */
#define CACHE_VERSION 4

long long readcache_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

char *readcache_key(struct store_inst *s, long long since)
{
	if (!s->backend->state_key)
		return NULL;
	s->key_since = since;
	s->key_racy = 0;
	struct buf key = BUF_INIT;
	/* What the instance is, the configuration (labels can depend on its CA
	 * names), then what the store holds. */
	char cfg[FP_HEX_LEN + 1] = "";
	if (s->ctx && s->ctx->cfg)
		hex_encode(cfg, s->ctx->cfg->digest, FP_LEN);
	buf_printf(&key, "%s\n%s\n%s\n%s\n", s->backend->name, s->address,
		   s->target ? s->target : "", cfg);
	if (s->backend->state_key(s, &key) < 0) {
		buf_dispose(&key);
		return NULL;
	}
	char *hex = xmalloc(FP_HEX_LEN + 1);
	sha256_hex(hex, key.ptr, key.len);
	buf_dispose(&key);
	return hex;
}

static char *cache_path(const char *root, const struct store_inst *s)
{
	char name[FP_HEX_LEN + 1];
	sha256_hex(name, s->address, strlen(s->address));
	char *inroot = xasprintf(CACHE_DIR "/%s.json", name);
	char *host = root_join(root, inroot);
	free(inroot);
	return host;
}

/* certs[fphex] = {at, len: where its DER is in the record's .der file, and
 * what its parse made of it}; ders gets the DERs, one after the other. */
static json_t *certs_json(const struct trust_set *set, struct buf *ders)
{
	json_t *o = json_object();
	for (size_t i = 0; i < set->n; i++) {
		const struct cert *c = set->items[i].cert;
		if (!c || json_object_get(o, c->fphex))
			continue;
		json_object_set_new(
		    o, c->fphex,
		    json_pack(
			"{s:I, s:I, s:s, s:s, s:I, s:I, s:I, s:b, s:b, s:b, s:[i,i,i,i,i]}", "at",
			(json_int_t)ders->len, "len", (json_int_t)c->der_len, "subject", c->subject,
			"issuer", c->issuer, "not_before", (json_int_t)c->not_before, "not_after",
			(json_int_t)c->not_after, "subject_hash", (json_int_t)c->subject_hash, "ca",
			c->is_ca, "self_issued", c->self_issued, "nc", c->name_constraints, "nids",
			c->sig_md_nid, c->key_nid, c->key_bits, c->sig_nid, c->key_param_nid));
		buf_add(ders, c->der, c->der_len);
	}
	return o;
}

/* One certificate from the cache: without a parse when the cache was written
 * by the same libcrypto (its NIDs), else parsed again; NULL unless its DER is
 * in ders and hashes to the entry's fingerprint. */
static struct cert *cert_json(const json_t *o, const struct trust_entry *e, const struct buf *ders,
			      bool same_lib)
{
	json_int_t at = json_integer_value(json_object_get(o, "at"));
	json_int_t len = json_integer_value(json_object_get(o, "len"));
	if (at < 0 || len <= 0 || (size_t)at > ders->len || (size_t)len > ders->len - (size_t)at)
		return NULL;
	const unsigned char *der = (const unsigned char *)ders->ptr + at;
	struct cert known = {0}, *c = NULL;
	json_int_t nb = 0, na = 0, sh = 0;
	int ca = 0, si = 0, nc = 0;
	if (same_lib &&
	    json_unpack((json_t *)o, "{s:s, s:s, s:I, s:I, s:I, s:b, s:b, s:b, s:[i,i,i,i,i]}",
			"subject", &known.subject, "issuer", &known.issuer, "not_before", &nb,
			"not_after", &na, "subject_hash", &sh, "ca", &ca, "self_issued", &si, "nc",
			&nc, "nids", &known.sig_md_nid, &known.key_nid, &known.key_bits,
			&known.sig_nid, &known.key_param_nid) == 0) {
		memcpy(known.fp, e->fp, FP_LEN);
		known.not_before = (time_t)nb;
		known.not_after = (time_t)na;
		known.subject_hash = (unsigned long)sh;
		known.is_ca = ca;
		known.self_issued = si;
		known.name_constraints = nc;
		return cert_from_known(der, (size_t)len, &known);
	}
	c = cert_from_der(der, (size_t)len);
	err_clear();
	if (c && memcmp(c->fp, e->fp, FP_LEN)) {
		cert_free(c);
		c = NULL;
	}
	return c;
}

/* Give each entry its certificate again; one whose DER is missing or does not
 * hash to its fingerprint stays as the set said (subject and date only). */
static void describe_from_certs(struct trust_set *set, json_t *certs, const struct buf *ders,
				bool same_lib)
{
	for (size_t i = 0; i < set->n; i++) {
		struct trust_entry *e = &set->items[i];
		json_t *o = json_object_get(certs, e->fphex);
		struct cert *c = o ? cert_json(o, e, ders, same_lib) : NULL;
		if (c)
			trust_entry_describe(e, c);
		cert_free(c);
	}
}

/* The record's DERs beside it: "<name>.der" for "<name>.json". */
static char *der_path(const char *json_path)
{
	size_t n = strlen(json_path);
	return xasprintf("%.*s.der", (int)(n > 5 ? n - 5 : n), json_path);
}

/* The record (and first its DERs, when given: a record never names DERs
 * that are not written yet). */
static void write_doc(const char *root, const struct store_inst *s, json_t *doc,
		      const struct buf *ders, bool create)
{
	char *dir = root_join(root, CACHE_DIR);
	char *path = cache_path(root, s);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (text && (create ? mkdir_p(dir, 0700) == 0 : is_dir(dir))) {
		char *dp = der_path(path);
		if (!ders || atomic_write(dp, ders->ptr ? ders->ptr : "", ders->len, 0600) == 0)
			atomic_write(path, text, strlen(text), 0600);
		free(dp);
	}
	err_clear();
	free(text);
	free(path);
	free(dir);
}

/* A hit whose key held racy files (changed within the timestamp granularity
 * of the key's time): once they are old enough, the same state keyed again
 * from now holds none, and the next plans hash nothing. Written only into the
 * directory an apply made. */
static void refresh_racy(const char *root, struct store_inst *s, json_t *doc)
{
	long long now = readcache_now();
	char *key = readcache_key(s, now);
	if (key && s->key_racy == 0) {
		json_object_set_new(doc, "key", json_string(key));
		json_object_set_new(doc, "since", json_integer(now));
		write_doc(root, s, doc, NULL, false);
	}
	free(key);
}

/* The record of an instance, if it is one of this version for its address. */
static json_t *load_doc(const char *root, const struct store_inst *s)
{
	char *path = cache_path(root, s);
	/* read whole, then parsed from memory: jansson reads a FILE a locked
	 * getc at a time */
	struct buf text = BUF_INIT;
	json_t *doc =
	    buf_read_file(&text, path) == 0 ? json_loadb(text.ptr, text.len, 0, NULL) : NULL;
	err_clear();
	buf_dispose(&text);
	free(path);
	const char *fmt = json_string_value(json_object_get(doc, "format"));
	const char *addr = json_string_value(json_object_get(doc, "address"));
	if (doc && !(fmt && !strcmp(fmt, CACHE_FORMAT) &&
		     json_integer_value(json_object_get(doc, "version")) == CACHE_VERSION &&
		     json_is_string(json_object_get(doc, "key")) &&
		     json_is_integer(json_object_get(doc, "since")) && addr &&
		     !strcmp(addr, s->address))) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

/* Whether the record's key is the instance's key now (taken at its time). */
static bool doc_holds(struct store_inst *s, const json_t *doc)
{
	char *key = readcache_key(s, json_integer_value(json_object_get(doc, "since")));
	bool same = key && !strcmp(key, json_string_value(json_object_get(doc, "key")));
	free(key);
	return same;
}

int readcache_load(const char *root, struct store_inst *s, struct trust_set *out)
{
	if (!s->backend->state_key)
		return -1;
	json_t *doc = load_doc(root, s);
	int rc = -1;
	if (doc && doc_holds(s, doc))
		rc = trust_set_from_json(json_object_get(doc, "set"), out);
	if (rc == 0) {
		bool same_lib = json_integer_value(json_object_get(doc, "openssl")) ==
				(json_int_t)OpenSSL_version_num();
		char *jp = cache_path(root, s), *dp = der_path(jp);
		struct buf ders = BUF_INIT;
		if (buf_read_file(&ders, dp) < 0)
			buf_truncate(&ders, 0); /* no DER: entries keep subject and date */
		err_clear();
		describe_from_certs(out, json_object_get(doc, "certs"), &ders, same_lib);
		buf_dispose(&ders);
		free(dp);
		free(jp);
		/* what the full read made of the wanted trust (NSS canonicalises it) */
		const char *want = json_string_value(json_object_get(doc, "want_flags"));
		if (want) {
			free(s->want_flags);
			s->want_flags = xstrdup(want);
		}
		if (s->key_racy)
			refresh_racy(root, s, doc);
	}
	json_decref(doc);
	return rc;
}

void readcache_save(const char *root, struct store_inst *s, const char *key, long long since,
		    const struct trust_set *set)
{
	/* a record that still holds this state is kept: an apply with nothing to
	 * do writes nothing */
	json_t *doc = load_doc(root, s);
	bool holds = doc && doc_holds(s, doc);
	json_decref(doc);
	if (holds)
		return;
	doc = json_object();
	json_object_set_new(doc, "format", json_string(CACHE_FORMAT));
	json_object_set_new(doc, "version", json_integer(CACHE_VERSION));
	json_object_set_new(doc, "address", json_string(s->address));
	json_object_set_new(doc, "key", json_string(key));
	json_object_set_new(doc, "since", json_integer(since));
	json_object_set_new(doc, "set", trust_set_json(set));
	json_object_set_new(doc, "openssl", json_integer((json_int_t)OpenSSL_version_num()));
	struct buf ders = BUF_INIT;
	json_object_set_new(doc, "certs", certs_json(set, &ders));
	if (s->want_flags)
		json_object_set_new(doc, "want_flags", json_string(s->want_flags));
	write_doc(root, s, doc, &ders, true);
	buf_dispose(&ders);
	json_decref(doc);
}
