/* Make test certificates in-process with OpenSSL (tests only). */
#ifndef TF_TEST_CERTGEN_H
#define TF_TEST_CERTGEN_H

#include "model/cert.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>

/* A self-signed certificate with subject CN=cn (O=org if given). */
static inline X509 *certgen_x509(const char *cn, const char *org, int is_ca)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), rand());
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	X509_NAME *n = X509_get_subject_name(x);
	if (org)
		X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org, -1,
					   -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, k);
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
						  is_ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, k, EVP_sha256());
	EVP_PKEY_free(k);
	return x;
}

static inline struct cert *certgen(const char *cn, const char *org, int is_ca)
{
	X509 *x = certgen_x509(cn, org, is_ca);
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	struct cert *c = cert_from_der(der, (size_t)len);
	OPENSSL_free(der);
	X509_free(x);
	return c;
}

static inline void certgen_write_pem(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");
	PEM_write_X509(f, x);
	fclose(f);
}

#endif
