/* Certificates keyed by SHA-256 of DER; see cert.h. */
#include "model/cert.h"
#include "util/err.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>
#include <string.h>

/* A library context with only the null provider: no key decoders, so a parse
 * leaves the public key undecoded. Hashing still uses the default context. */
static OSSL_LIB_CTX *light_ctx(void)
{
	static OSSL_LIB_CTX *ctx;
	if (!ctx) {
		ctx = OSSL_LIB_CTX_new();
		if (ctx && !OSSL_PROVIDER_load(ctx, "null")) {
			OSSL_LIB_CTX_free(ctx);
			ctx = NULL;
		}
	}
	return ctx;
}

static char *name_text(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	unsigned long flags =
	    (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB & ~XN_FLAG_SEP_MASK & ~XN_FLAG_DN_REV) |
	    XN_FLAG_SEP_CPLUS_SPC;
	X509_NAME_print_ex(b, name, 0, flags);
	char *p;
	long n = BIO_get_mem_data(b, &p);
	char *s = n > 0 ? xstrndup(p, (size_t)n) : xstrdup(""); /* Caddy's leaves: empty */
	BIO_free(b);
	return s;
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

/* Issuer equals subject, and where both key identifiers are given they agree:
 * the test X509_check_issued makes, without verifying the signature (which
 * says nothing about whether to trust a root). */
static bool self_issued(X509 *x)
{
	if (X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(x)) != 0)
		return false;
	AUTHORITY_KEYID *akid = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
	ASN1_OCTET_STRING *skid = X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
	bool ok = !akid || !akid->keyid || !skid || ASN1_OCTET_STRING_cmp(akid->keyid, skid) == 0;
	AUTHORITY_KEYID_free(akid);
	ASN1_OCTET_STRING_free(skid);
	return ok;
}

/* Parsed certificates by SHA-256 of their DER (keys borrowed from the certs). */
static struct strmap cache;

/* The size of an RSA key from its RSAPublicKey DER, SEQUENCE { modulus,
 * exponent }, read with OpenSSL's ASN.1 parser: no key decoder needed. */
static int rsa_modulus_bits(const unsigned char *pk, int len)
{
	STACK_OF(ASN1_TYPE) *seq = pk ? d2i_ASN1_SEQUENCE_ANY(NULL, &pk, len) : NULL;
	int bits = 0;
	if (seq && sk_ASN1_TYPE_num(seq) >= 1) {
		ASN1_TYPE *n = sk_ASN1_TYPE_value(seq, 0);
		BIGNUM *bn =
		    n->type == V_ASN1_INTEGER ? ASN1_INTEGER_to_BN(n->value.integer, NULL) : NULL;
		bits = bn ? BN_num_bits(bn) : 0;
		BN_free(bn);
	}
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	return bits;
}

struct cert *cert_from_der(const unsigned char *der, size_t len)
{
	unsigned char fp[FP_LEN];
	char fphex[FP_HEX_LEN + 1];
	unsigned int mdlen = 0;
	EVP_Digest(der, len, fp, &mdlen, EVP_sha256(), NULL);
	hex_encode(fphex, fp, FP_LEN);
	size_t hit = strmap_get(&cache, fphex);
	if (hit != STRMAP_NONE) {
		struct cert *c = (struct cert *)(uintptr_t)hit;
		c->refs++;
		return c;
	}
	const unsigned char *p = der;
	X509 *x = X509_new_ex(light_ctx(), NULL);
	if (!x || !d2i_X509(&x, &p, (long)len) || p != der + len) {
		X509_free(x);
		err_set("not a valid X.509 certificate");
		err_append_openssl();
		return NULL;
	}
	ERR_clear_error();
	struct cert *c = xcalloc(1, sizeof(*c));
	c->refs = 1;
	c->der = xmalloc(len);
	memcpy(c->der, der, len);
	c->der_len = len;
	memcpy(c->fp, fp, FP_LEN);
	memcpy(c->fphex, fphex, sizeof(fphex));
	EVP_Digest(der, len, c->sha1, &mdlen, EVP_sha1(), NULL);
	c->subject = name_text(X509_get_subject_name(x));
	c->issuer = name_text(X509_get_issuer_name(x));
	c->not_before = asn1_time(X509_get0_notBefore(x));
	c->not_after = asn1_time(X509_get0_notAfter(x));
	c->subject_hash = X509_NAME_hash_ex(X509_get_subject_name(x), NULL, NULL, NULL);
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	c->is_ca = bc && bc->ca;
	BASIC_CONSTRAINTS_free(bc);
	c->self_issued = self_issued(x);
	c->name_constraints = X509_get_ext_by_NID(x, NID_name_constraints, -1) >= 0;
	int pknid = 0;
	c->sig_md_nid = NID_undef;
	c->sig_nid = X509_get_signature_nid(x);
	OBJ_find_sigid_algs(c->sig_nid, &c->sig_md_nid, &pknid);
	ASN1_OBJECT *alg = NULL;
	const unsigned char *pk = NULL;
	int pklen = 0;
	X509_ALGOR *pa = NULL;
	X509_PUBKEY_get0_param(&alg, &pk, &pklen, &pa, X509_get_X509_PUBKEY(x));
	c->key_nid = alg ? OBJ_obj2nid(alg) : NID_undef;
	c->key_param_nid = NID_undef;
	int ptype = V_ASN1_UNDEF;
	const void *pval = NULL;
	if (pa)
		X509_ALGOR_get0(NULL, &ptype, &pval, pa);
	if (ptype == V_ASN1_OBJECT && pval)
		c->key_param_nid = OBJ_obj2nid(pval);
	if (c->key_nid == NID_rsaEncryption)
		c->key_bits = rsa_modulus_bits(pk, pklen);
	X509_free(x);
	ERR_clear_error();
	strmap_put(&cache, c->fphex, (size_t)(uintptr_t)c);
	return c;
}

struct cert *cert_from_known(const unsigned char *der, size_t len, const struct cert *known)
{
	unsigned char fp[FP_LEN];
	unsigned int mdlen = 0;
	EVP_Digest(der, len, fp, &mdlen, EVP_sha256(), NULL);
	if (memcmp(fp, known->fp, FP_LEN))
		return NULL;
	size_t hit = strmap_get(&cache, known->fphex);
	if (hit != STRMAP_NONE) {
		struct cert *c = (struct cert *)(uintptr_t)hit;
		c->refs++;
		return c;
	}
	struct cert *c = xcalloc(1, sizeof(*c));
	*c = *known;
	c->refs = 1;
	c->der = xmalloc(len);
	memcpy(c->der, der, len);
	c->der_len = len;
	hex_encode(c->fphex, fp, FP_LEN);
	EVP_Digest(der, len, c->sha1, &mdlen, EVP_sha1(), NULL);
	c->subject = xstrdup(known->subject ? known->subject : "");
	c->issuer = xstrdup(known->issuer ? known->issuer : "");
	strmap_put(&cache, c->fphex, (size_t)(uintptr_t)c);
	return c;
}

char *cert_name_rfc4514(const struct cert *c, bool issuer)
{
	const unsigned char *p = c->der;
	X509 *x = X509_new_ex(light_ctx(), NULL);
	if (!x || !d2i_X509(&x, &p, (long)c->der_len)) {
		X509_free(x);
		ERR_clear_error();
		return NULL;
	}
	BIO *b = BIO_new(BIO_s_mem());
	X509_NAME_print_ex(b, issuer ? X509_get_issuer_name(x) : X509_get_subject_name(x), 0,
			   XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	char *s;
	long n = b ? BIO_get_mem_data(b, &s) : 0;
	char *out = xstrndup(n > 0 ? s : "", n > 0 ? (size_t)n : 0);
	BIO_free(b);
	X509_free(x);
	ERR_clear_error();
	return out;
}

X509 *cert_x509_light(const struct cert *c)
{
	const unsigned char *p = c->der;
	X509 *x = X509_new_ex(light_ctx(), NULL);
	if (x && !d2i_X509(&x, &p, (long)c->der_len)) {
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

X509 *cert_x509_full(const struct cert *c)
{
	const unsigned char *p = c->der;
	X509 *x = d2i_X509(NULL, &p, (long)c->der_len);
	ERR_clear_error();
	return x;
}

void cert_free(struct cert *c)
{
	if (!c || --c->refs > 0)
		return;
	strmap_del(&cache, c->fphex);
	if (cache.n == 0)
		strmap_dispose(&cache);
	free(c->der);
	free(c->subject);
	free(c->issuer);
	free(c);
}

void cert_list_dispose(struct cert_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		cert_free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static void list_push(struct cert_list *l, struct cert *c)
{
	ARRAY_GROW(l->items, l->n + 1, l->alloc);
	l->items[l->n++] = c;
}

static int parse_pem(struct cert_list *out, const void *data, size_t len)
{
	BIO *b = BIO_new_mem_buf(data, (int)len);
	int rc = 0;
	out->pem = true;
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *der = NULL;
		long dlen = 0;
		if (!PEM_read_bio(b, &name, &header, &der, &dlen)) {
			unsigned long e = ERR_peek_last_error();
			if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
			} else {
				err_set("a PEM block is damaged (bad base64 or missing END line)");
				err_append_openssl();
				rc = -1;
			}
			break;
		}
		if (strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0) {
			struct cert *c = cert_from_der(der, (size_t)dlen);
			if (!c)
				rc = -1;
			else
				list_push(out, c);
		} else if (strcmp(name, "TRUSTED CERTIFICATE") == 0) {
			/* OpenSSL's trusted form: the certificate followed by trust settings. */
			const unsigned char *p = der;
			X509 *x = X509_new_ex(light_ctx(), NULL);
			unsigned char *plain = NULL;
			int plen = x && d2i_X509_AUX(&x, &p, dlen) ? i2d_X509(x, &plain) : -1;
			struct cert *c = plen > 0 ? cert_from_der(plain, (size_t)plen) : NULL;
			X509_free(x);
			OPENSSL_free(plain);
			if (!c) {
				err_set("a TRUSTED CERTIFICATE block is damaged");
				rc = -1;
			} else {
				list_push(out, c);
			}
		} else {
			out->other_blocks++;
			if (strstr(name, "PRIVATE KEY"))
				out->has_private_key = true;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		if (rc < 0)
			break;
	}
	BIO_free(b);
	return rc;
}

int cert_list_parse(struct cert_list *out, const void *data, size_t len)
{
	if (memmem(data, len, "-----BEGIN ", 11))
		return parse_pem(out, data, len);
	if (len > 0 && ((const unsigned char *)data)[0] == 0x30) {
		struct cert *c = cert_from_der(data, len);
		if (!c)
			return -1;
		list_push(out, c);
		return 0;
	}
	err_set("neither PEM (no -----BEGIN line) nor a DER certificate");
	return -1;
}

char *cert_to_pem(const struct cert *c, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio(b, PEM_STRING_X509, "", c->der, (long)c->der_len);
	char *p;
	long n = BIO_get_mem_data(b, &p);
	char *s = xstrndup(p, (size_t)n);
	BIO_free(b);
	if (len)
		*len = (size_t)n;
	return s;
}

void cert_date(char out[11], time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}
