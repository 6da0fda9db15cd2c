/* The CycloneDX 1.6 document of the inventory; see cbom.h. */
#include "reconcile/cbom.h"
#include "util/buf.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

static int cert_cmp(const void *a, const void *b)
{
	const struct cbom_cert *const *x = a, *const *y = b;
	return strcmp((*x)->sha256, (*y)->sha256);
}

static int place_cmp(const void *a, const void *b)
{
	const struct cbom_place *x = a, *y = b;
	int c = strcmp(x->host, y->host);
	if (!c)
		c = strcmp(x->store, y->store);
	if (!c)
		c = strcmp(x->where ? x->where : "", y->where ? y->where : "");
	return c;
}

static void set_text(json_t *o, const char *key, const char *s)
{
	if (s)
		json_object_set_new(o, key, jtext_new(s));
}

/* "host a6, store system, trusted, foreign" */
static char *place_text(const struct cbom_place *p)
{
	return xasprintf("host %s, store %s, %s, %s", p->host, p->store, p->state,
			 p->owned ? "managed by trustform" : "foreign");
}

static json_t *evidence(const struct cbom_cert *c)
{
	json_t *occ = json_array();
	for (size_t i = 0; i < c->nplaces; i++) {
		const struct cbom_place *p = &c->places[i];
		json_t *o = json_object();
		set_text(o, "location", p->where && *p->where ? p->where : p->store);
		char *ctx = place_text(p);
		set_text(o, "additionalContext", ctx);
		free(ctx);
		json_array_append_new(occ, o);
	}
	json_t *ev = json_object();
	json_object_set_new(ev, "occurrences", occ);
	return ev;
}

static json_t *property(const char *name, const char *value)
{
	json_t *p = json_object();
	json_object_set_new(p, "name", json_string(name));
	set_text(p, "value", value);
	return p;
}

static json_t *cert_component(const struct cbom_cert *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("cryptographic-asset"));
	char *ref = xasprintf("cert:sha256:%s", c->sha256);
	json_object_set_new(o, "bom-ref", json_string(ref));
	free(ref);
	set_text(o, "name", c->subject && *c->subject ? c->subject : c->sha256);
	json_t *h = json_object(), *hashes = json_array();
	json_object_set_new(h, "alg", json_string("SHA-256"));
	json_object_set_new(h, "content", json_string(c->sha256));
	json_array_append_new(hashes, h);
	json_object_set_new(o, "hashes", hashes);
	json_t *cp = json_object(), *props = json_object();
	set_text(props, "subjectName", c->subject);
	set_text(props, "issuerName", c->issuer);
	set_text(props, "notValidBefore", c->not_before);
	set_text(props, "notValidAfter", c->not_after);
	if (c->sig_oid) {
		char *r = xasprintf("alg:%s", c->sig_oid);
		json_object_set_new(props, "signatureAlgorithmRef", json_string(r));
		free(r);
	}
	if (c->key_oid) {
		char *r = xasprintf("key:sha256:%s", c->sha256);
		json_object_set_new(props, "subjectPublicKeyRef", json_string(r));
		free(r);
	}
	json_object_set_new(props, "certificateFormat", json_string("X.509"));
	json_object_set_new(cp, "assetType", json_string("certificate"));
	json_object_set_new(cp, "certificateProperties", props);
	json_object_set_new(o, "cryptoProperties", cp);
	json_object_set_new(o, "evidence", evidence(c));
	json_t *pl = json_array();
	for (size_t i = 0; i < c->nplaces; i++) {
		char *t = place_text(&c->places[i]);
		json_array_append_new(pl, property("trustform:store", t));
		free(t);
	}
	json_object_set_new(o, "properties", pl);
	return o;
}

/* primitive of an algorithm by its name, as CycloneDX 1.6 classifies them */
static const char *primitive(const char *name, bool is_signature)
{
	if (is_signature)
		return "signature";
	if (!strcmp(name, "rsaEncryption"))
		return "pke";
	if (!strcmp(name, "id-ecPublicKey") || !strcmp(name, "ED25519") || !strcmp(name, "ED448"))
		return "signature";
	return "unknown";
}

static json_t *alg_component(const char *oid, const char *name, bool is_signature)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("cryptographic-asset"));
	char *ref = xasprintf("alg:%s", oid);
	json_object_set_new(o, "bom-ref", json_string(ref));
	free(ref);
	set_text(o, "name", name ? name : oid);
	json_t *cp = json_object(), *ap = json_object(), *fn = json_array();
	const char *prim = primitive(name ? name : "", is_signature);
	json_object_set_new(ap, "primitive", json_string(prim));
	/* a CA's key and its signatures are there to be verified */
	json_array_append_new(fn, json_string("verify"));
	json_object_set_new(ap, "cryptoFunctions", fn);
	json_object_set_new(cp, "assetType", json_string("algorithm"));
	json_object_set_new(cp, "algorithmProperties", ap);
	json_object_set_new(cp, "oid", json_string(oid));
	json_object_set_new(o, "cryptoProperties", cp);
	return o;
}

static json_t *key_component(const struct cbom_cert *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("cryptographic-asset"));
	char *ref = xasprintf("key:sha256:%s", c->sha256);
	json_object_set_new(o, "bom-ref", json_string(ref));
	free(ref);
	struct buf name = BUF_INIT;
	buf_printf(&name, "%s", c->key_name ? c->key_name : c->key_oid);
	if (c->key_curve)
		buf_printf(&name, " %s", c->key_curve);
	else if (c->key_bits)
		buf_printf(&name, " %lld", c->key_bits);
	buf_printf(&name, " public key of %s", c->subject ? c->subject : c->sha256);
	set_text(o, "name", name.ptr);
	buf_dispose(&name);
	json_t *cp = json_object(), *rp = json_object();
	json_object_set_new(rp, "type", json_string("public-key"));
	char *alg = xasprintf("alg:%s", c->key_oid);
	json_object_set_new(rp, "algorithmRef", json_string(alg));
	free(alg);
	if (c->key_bits)
		json_object_set_new(rp, "size", json_integer(c->key_bits));
	json_object_set_new(cp, "assetType", json_string("related-crypto-material"));
	json_object_set_new(cp, "relatedCryptoMaterialProperties", rp);
	json_object_set_new(o, "cryptoProperties", cp);
	return o;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The algorithms the certificates name, once each, in the order of their OIDs. */
static void alg_components(json_t *arr, struct cbom_cert **sorted, size_t n)
{
	struct strmap seen;
	strmap_init(&seen);
	const char **oids = xcalloc(2 * n + 1, sizeof(*oids));
	size_t noids = 0;
	for (size_t i = 0; i < n; i++) {
		const char *o[2] = {sorted[i]->sig_oid, sorted[i]->key_oid};
		for (size_t k = 0; k < 2; k++)
			if (o[k] && strmap_get(&seen, o[k]) == STRMAP_NONE) {
				strmap_put(&seen, o[k], (i << 1) | k);
				oids[noids++] = o[k];
			}
	}
	qsort(oids, noids, sizeof(*oids), str_cmp);
	for (size_t j = 0; j < noids; j++) {
		size_t v = strmap_get(&seen, oids[j]);
		const struct cbom_cert *c = sorted[v >> 1];
		bool sig = !(v & 1);
		json_array_append_new(arr,
				      alg_component(oids[j], sig ? c->sig_name : c->key_name, sig));
	}
	free(oids);
	strmap_dispose(&seen);
}

/* A random (version 4) UUID, as CycloneDX's serialNumber wants one. */
static json_t *serial_number(void)
{
	unsigned char u[16];
	if (RAND_bytes(u, sizeof(u)) != 1)
		return NULL;
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	char hex[33];
	hex_encode(hex, u, sizeof(u));
	char *s = xasprintf("urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
			    hex + 20);
	json_t *j = json_string(s);
	free(s);
	return j;
}

static json_t *metadata(const char *host, time_t now)
{
	json_t *m = json_object();
	char ts[32];
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(m, "timestamp", json_string(ts));
	json_t *tool = json_object(), *tools = json_object(), *list = json_array();
	json_object_set_new(tool, "type", json_string("application"));
	json_object_set_new(tool, "name", json_string("trustform"));
	json_object_set_new(tool, "version", json_string(TRUSTFORM_VERSION));
	json_array_append_new(list, tool);
	json_object_set_new(tools, "components", list);
	json_object_set_new(m, "tools", tools);
	if (host) {
		json_t *c = json_object();
		json_object_set_new(c, "type", json_string("device"));
		char *ref = xasprintf("host:%s", host);
		set_text(c, "bom-ref", ref);
		free(ref);
		set_text(c, "name", host);
		json_object_set_new(m, "component", c);
	}
	return m;
}

void cbom_render(FILE *out, const struct cbom *b, const char *host, time_t now)
{
	struct cbom_cert **sorted = xcalloc(b->n + 1, sizeof(*sorted));
	for (size_t i = 0; i < b->n; i++) {
		sorted[i] = &b->certs[i];
		qsort(sorted[i]->places, sorted[i]->nplaces, sizeof(*sorted[i]->places), place_cmp);
	}
	qsort(sorted, b->n, sizeof(*sorted), cert_cmp);
	json_t *d = json_object();
	json_object_set_new(d, "$schema",
			    json_string("http://cyclonedx.org/schema/bom-1.6.schema.json"));
	json_object_set_new(d, "bomFormat", json_string("CycloneDX"));
	json_object_set_new(d, "specVersion", json_string("1.6"));
	json_t *sn = serial_number();
	if (sn)
		json_object_set_new(d, "serialNumber", sn);
	json_object_set_new(d, "version", json_integer(1));
	json_object_set_new(d, "metadata", metadata(host, now));
	json_t *comps = json_array();
	for (size_t i = 0; i < b->n; i++)
		json_array_append_new(comps, cert_component(sorted[i]));
	alg_components(comps, sorted, b->n);
	for (size_t i = 0; i < b->n; i++)
		if (sorted[i]->key_oid)
			json_array_append_new(comps, key_component(sorted[i]));
	json_object_set_new(d, "components", comps);
	json_dumpf(d, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	fputc('\n', out);
	fflush(out);
	json_decref(d);
	free(sorted);
}
