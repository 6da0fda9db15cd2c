/* The read cache; see readcache.h. */
#include "reconcile/readcache.h"
#include "model/cert.h"
#include "model/model_json.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_DIR    "/var/cache/trustform/read"
#define CACHE_FORMAT "trustform-read-cache"
/* 2: the certificates' DER too ("ders"), so that an entry from the cache is
 * described as fully as one read (the plan's inventory, `check`) */
#define CACHE_VERSION 2

static void sha256_hex(char out[FP_HEX_LEN + 1], const void *data, size_t len)
{
	unsigned char md[FP_LEN];
	unsigned int n;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	hex_encode(out, md, FP_LEN);
}

char *readcache_key(struct store_inst *s)
{
	if (!s->backend->state_key)
		return NULL;
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

/* ders[fphex] = base64 of each entry's DER */
static json_t *ders_json(const struct trust_set *set)
{
	json_t *o = json_object();
	for (size_t i = 0; i < set->n; i++) {
		const struct cert *c = set->items[i].cert;
		if (!c || c->der_len > (size_t)1 << 20)
			continue;
		char *b64 = xmalloc(4 * ((c->der_len + 2) / 3) + 1);
		EVP_EncodeBlock((unsigned char *)b64, c->der, (int)c->der_len);
		json_object_set_new(o, c->fphex, json_string(b64));
		free(b64);
	}
	return o;
}

/* Give each entry its certificate again; one whose DER is missing or does not
 * hash to its fingerprint stays as the set said (subject and date only). */
static void describe_from_ders(struct trust_set *set, json_t *ders)
{
	for (size_t i = 0; i < set->n; i++) {
		struct trust_entry *e = &set->items[i];
		const char *b64 = json_string_value(json_object_get(ders, e->fphex));
		size_t n = b64 ? strlen(b64) : 0;
		if (!n || n % 4 || n > ((size_t)2 << 20))
			continue;
		unsigned char *der = xmalloc(n / 4 * 3);
		int len = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)n);
		len -= (b64[n - 1] == '=') + (b64[n - 2] == '=');
		struct cert *c = len > 0 ? cert_from_der(der, (size_t)len) : NULL;
		err_clear();
		if (c && !memcmp(c->fp, e->fp, FP_LEN))
			trust_entry_describe(e, c);
		cert_free(c);
		free(der);
	}
}

int readcache_load(const char *root, struct store_inst *s, const char *key, struct trust_set *out)
{
	char *path = cache_path(root, s);
	json_t *doc = json_load_file(path, 0, NULL);
	free(path);
	int rc = -1;
	if (!doc)
		return -1;
	const char *fmt = json_string_value(json_object_get(doc, "format"));
	const char *have = json_string_value(json_object_get(doc, "key"));
	const char *addr = json_string_value(json_object_get(doc, "address"));
	if (fmt && !strcmp(fmt, CACHE_FORMAT) &&
	    json_integer_value(json_object_get(doc, "version")) == CACHE_VERSION && have &&
	    !strcmp(have, key) && addr && !strcmp(addr, s->address))
		rc = trust_set_from_json(json_object_get(doc, "set"), out);
	if (rc == 0) {
		describe_from_ders(out, json_object_get(doc, "ders"));
		/* what the full read made of the wanted trust (NSS canonicalises it) */
		const char *want = json_string_value(json_object_get(doc, "want_flags"));
		if (want) {
			free(s->want_flags);
			s->want_flags = xstrdup(want);
		}
	}
	json_decref(doc);
	return rc;
}

void readcache_save(const char *root, const struct store_inst *s, const char *key,
		    const struct trust_set *set)
{
	char *dir = root_join(root, CACHE_DIR);
	char *path = cache_path(root, s);
	json_t *doc = json_object();
	json_object_set_new(doc, "format", json_string(CACHE_FORMAT));
	json_object_set_new(doc, "version", json_integer(CACHE_VERSION));
	json_object_set_new(doc, "address", json_string(s->address));
	json_object_set_new(doc, "key", json_string(key));
	json_object_set_new(doc, "set", trust_set_json(set));
	json_object_set_new(doc, "ders", ders_json(set));
	if (s->want_flags)
		json_object_set_new(doc, "want_flags", json_string(s->want_flags));
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (text && mkdir_p(dir, 0700) == 0)
		atomic_write(path, text, strlen(text), 0600);
	err_clear();
	free(text);
	json_decref(doc);
	free(path);
	free(dir);
}
