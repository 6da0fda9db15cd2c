/*
 * One X.509 certificate as trustform sees it: identified by the SHA-256 of its
 * DER, never by name or file name. Parsing of PEM/DER is OpenSSL's.
 */
#ifndef TF_CERT_H
#define TF_CERT_H

#include "util/hex.h"

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct cert {
	X509 *x509;
	unsigned char fp[FP_LEN];
	char fphex[FP_HEX_LEN + 1];
	unsigned char *der;
	size_t der_len;
	char *subject;		/* "CN=Corp Root CA, O=Corp" */
	char *issuer;
	time_t not_before, not_after;
};

/* What a blob of PEM or DER holds. */
struct cert_list {
	struct cert **items;
	size_t n, alloc;
	size_t other_blocks;	/* PEM blocks that are not certificates */
	bool has_private_key;
};

struct cert *cert_from_der(const unsigned char *der, size_t len);
void cert_free(struct cert *c);
/* Parse every certificate of a PEM text, or a single DER certificate.
 * Returns 0; -1 with err set when the data is neither. */
int cert_list_parse(struct cert_list *out, const void *data, size_t len);
void cert_list_dispose(struct cert_list *l);

/* Canonical PEM (64-column base64) of the DER; caller frees. */
char *cert_to_pem(const struct cert *c, size_t *len);
/* "2036-01-01" */
void cert_date(char out[11], time_t t);
bool cert_is_ca(const struct cert *c);
bool cert_is_self_signed(const struct cert *c);
/* OpenSSL's subject-name hash, as `openssl rehash` uses it. */
unsigned long cert_subject_hash(const struct cert *c);

#endif
