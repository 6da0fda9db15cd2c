/* OpenSSL's strict mode asked about a CA; see strict.h. */
#include "model/strict.h"
#include "util/err.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A certificate issued (in name and key id) by ca, signed by a throwaway key:
 * its own signature and extensions are never judged, only the CA above it. */
static X509 *probe_for(X509 *ca, EVP_PKEY *key)
{
	X509 *x = X509_new();
	if (!x)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_issuer_name(x, X509_get_subject_name(ca));
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"trustform probe",
				   -1, -1, 0);
	X509_set_pubkey(x, key);
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca);
	if (ski) {
		AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
		if (akid) {
			akid->keyid = ASN1_OCTET_STRING_dup(ski);
			X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0,
					  X509V3_ADD_DEFAULT);
			AUTHORITY_KEYID_free(akid);
		}
	}
	if (!X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int collect(int ok, X509_STORE_CTX *ctx)
{
	struct strict_verdict *v = X509_STORE_CTX_get_app_data(ctx);
	int code = X509_STORE_CTX_get_error(ctx);
	if (!ok && X509_STORE_CTX_get_error_depth(ctx) > 0 && v->n < STRICT_MAX) {
		for (size_t i = 0; i < v->n; i++)
			if (v->codes[i] == code)
				return 1;
		v->codes[v->n++] = code;
	}
	return 1; /* go on: every error, not the first */
}

/* The errors at the CA's depth of one verification of probe with flags;
 * more (may be NULL) are trusted too. */
static int verify_with(X509 *ca, X509 *const *more, size_t nmore, X509 *probe, unsigned long flags,
		       struct strict_verdict *v)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = -1;
	memset(v, 0, sizeof(*v));
	if (!store || !ctx || !X509_STORE_add_cert(store, ca))
		goto out;
	for (size_t i = 0; i < nmore; i++)
		if (more[i])
			X509_STORE_add_cert(store, more[i]);
	if (!X509_STORE_CTX_init(ctx, store, probe, NULL))
		goto out;
	X509_STORE_CTX_set_flags(ctx, flags);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	X509_STORE_CTX_set_app_data(ctx, v);
	X509_STORE_CTX_set_verify_cb(ctx, collect);
	X509_verify_cert(ctx);
	rc = 0;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

static int verify_once(X509 *ca, X509 *probe, unsigned long flags, struct strict_verdict *v)
{
	return verify_with(ca, NULL, 0, probe, flags, v);
}

static bool has_code(const struct strict_verdict *v, int code)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->codes[i] == code)
			return true;
	return false;
}

int strict_judge(const struct cert *c, struct strict_verdict *out)
{
	memset(out, 0, sizeof(*out));
	X509 *ca = cert_x509_full(c);
	EVP_PKEY *key = ca ? EVP_EC_gen("P-256") : NULL;
	X509 *probe = key ? probe_for(ca, key) : NULL;
	struct strict_verdict lax, strict;
	int rc = -1;
	if (probe && verify_once(ca, probe, X509_V_FLAG_PARTIAL_CHAIN, &lax) == 0 &&
	    verify_once(ca, probe, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_X509_STRICT, &strict) ==
		0) {
		for (size_t i = 0; i < strict.n; i++)
			if (!has_code(&lax, strict.codes[i]))
				out->codes[out->n++] = strict.codes[i];
		rc = 0;
	} else {
		err_set("OpenSSL could not verify a probe under CA %s", c->subject);
	}
	ERR_clear_error();
	X509_free(probe);
	EVP_PKEY_free(key);
	X509_free(ca);
	return rc;
}

int anchor_judge(const struct cert *c, const struct cert *const *anchors, size_t n, int *code)
{
	*code = 0;
	X509 *ca = cert_x509_full(c);
	EVP_PKEY *key = ca ? EVP_EC_gen("P-256") : NULL;
	X509 *probe = key ? probe_for(ca, key) : NULL;
	X509 **more = calloc(n ? n : 1, sizeof(*more));
	struct strict_verdict v;
	int rc = -1;
	for (size_t i = 0; more && i < n; i++)
		more[i] = anchors[i] ? cert_x509_full(anchors[i]) : NULL;
	if (probe && more && verify_with(ca, more, n, probe, 0, &v) == 0) {
		for (size_t i = 0; i < v.n && !*code; i++)
			if (v.codes[i] == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
			    v.codes[i] == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
				*code = v.codes[i];
		rc = 0;
	} else {
		err_set("OpenSSL could not verify a probe under CA %s", c->subject);
	}
	for (size_t i = 0; more && i < n; i++)
		X509_free(more[i]);
	free(more);
	ERR_clear_error();
	X509_free(probe);
	EVP_PKEY_free(key);
	X509_free(ca);
	return rc;
}

static const struct {
	int code;
	const char *property, *fix;
} known[] = {
    {X509_V_ERR_CA_BCONS_NOT_CRITICAL, "basicConstraints is not marked critical",
     "-addext 'basicConstraints=critical,CA:TRUE'"},
    {X509_V_ERR_CA_CERT_MISSING_KEY_USAGE, "it has no keyUsage extension",
     "-addext 'keyUsage=critical,keyCertSign,cRLSign'"},
    {X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER, "it has no subject key identifier",
     "-addext 'subjectKeyIdentifier=hash'"},
    {X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER,
     "it has no authority key identifier (it is not self-signed)",
     "-addext 'authorityKeyIdentifier=keyid'"},
};

const char *strict_property(int code)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].code == code)
			return known[i].property;
	return X509_verify_cert_error_string(code);
}

const char *strict_fix(int code)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].code == code)
			return known[i].fix;
	return NULL;
}
