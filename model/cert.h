/*
 * One X.509 certificate as trustform sees it: identified by the SHA-256 of its
 * DER, never by name or file name. Parsing of PEM/DER is OpenSSL's.
 *
 * Everything trustform needs is read once, by a parse that does not decode the
 * public key (OpenSSL 3 spends most of a parse in its key decoders); the RSA
 * key size is read from the key's DER. cert_x509_full is for checks that
 * verify signatures (Caddy's chains).
 */
#ifndef TF_CERT_H
#define TF_CERT_H

#include "util/hex.h"

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct cert {
	unsigned refs; /* shared through the content cache */
	unsigned char fp[FP_LEN];
	char fphex[FP_HEX_LEN + 1];
	unsigned char sha1[20]; /* what `openssl rehash` tells duplicates by */
	unsigned char *der;
	size_t der_len;
	char *subject; /* "CN=Corp Root CA, O=Corp" */
	char *issuer;
	time_t not_before, not_after;
	unsigned long subject_hash; /* OpenSSL's X509_NAME_hash, as in c_rehash links */
	bool is_ca;		    /* basicConstraints CA:TRUE */
	bool self_issued;	    /* issuer is subject, and the key ids agree */
	int sig_md_nid;		    /* digest of its signature (NID_sha1 ...) */
	int key_nid;		    /* public-key algorithm (NID_rsaEncryption ...) */
	int key_bits;		    /* RSA: the modulus size; 0 otherwise */
	int sig_nid;		    /* its signature algorithm (NID_sha256WithRSAEncryption ...) */
	int key_param_nid;     /* EC: the named curve (NID_X9_62_prime256v1 ...); else NID_undef */
	bool name_constraints; /* it has a nameConstraints extension */
};

/* What a blob of PEM or DER holds. */
struct cert_list {
	struct cert **items;
	size_t n, alloc;
	size_t other_blocks; /* PEM blocks that are not certificates */
	bool has_private_key;
	bool pem; /* parsed as PEM (DER otherwise) */
};

/* Parse DER. Certificates are cached by content for the life of the process:
 * the same DER (a config CA and trustform's copy of it in a store) is parsed
 * once and shared; cert_free drops a reference. */
struct cert *cert_from_der(const unsigned char *der, size_t len);
/* The same certificate without a parse: DER and what an earlier parse of it
 * made of it (known: subject, issuer, dates, subject_hash and the flags and
 * NIDs), as the read cache keeps them. NULL unless the DER hashes to
 * known->fp. The SHA-1 is computed. */
struct cert *cert_from_known(const unsigned char *der, size_t len, const struct cert *known);
void cert_free(struct cert *c);
/* Parse every certificate of a PEM text, or a single DER certificate.
 * Returns 0; -1 with err set when the data is neither. */
int cert_list_parse(struct cert_list *out, const void *data, size_t len);
void cert_list_dispose(struct cert_list *l);

/* The subject's (or issuer's) name as RFC 4514 writes it (OpenSSL's RFC 2253
 * form, UTF-8 kept as it is), for tools other than trustform: caller frees;
 * NULL when the DER cannot be parsed. */
char *cert_name_rfc4514(const struct cert *c, bool issuer);
/* An OpenSSL parse without the public key decoded (its extensions, names and
 * dates; no signature can be verified with it); caller frees; NULL when the
 * DER cannot be parsed. */
X509 *cert_x509_light(const struct cert *c);
/* A full OpenSSL parse, public key included (caller frees). */
X509 *cert_x509_full(const struct cert *c);
/* Canonical PEM (64-column base64) of the DER; caller frees. */
char *cert_to_pem(const struct cert *c, size_t *len);
/* "2036-01-01" */
void cert_date(char out[11], time_t t);

#endif
