/* Certificates keyed by SHA-256 of DER; see cert.h. */
#include "reconcile/cert.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <string.h>

static char *name_text(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	unsigned long flags = (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB & ~XN_FLAG_SEP_MASK) |
			      XN_FLAG_SEP_CPLUS_SPC;
	char *s;
	X509_NAME_print_ex(b, name, 0, flags);
	char *p;
	long n = BIO_get_mem_data(b, &p);
	s = xstrndup(p, n > 0 ? (size_t)n : 0);
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

struct cert *cert_from_der(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != der + len) {
		X509_free(x);
		err_set("not a valid X.509 certificate");
		err_append_openssl();
		return NULL;
	}
	struct cert *c = xcalloc(1, sizeof(*c));
	c->x509 = x;
	c->der = xmalloc(len);
	memcpy(c->der, der, len);
	c->der_len = len;
	unsigned int mdlen = 0;
	EVP_Digest(der, len, c->fp, &mdlen, EVP_sha256(), NULL);
	hex_encode(c->fphex, c->fp, FP_LEN);
	c->subject = name_text(X509_get_subject_name(x));
	c->issuer = name_text(X509_get_issuer_name(x));
	c->not_before = asn1_time(X509_get0_notBefore(x));
	c->not_after = asn1_time(X509_get0_notAfter(x));
	return c;
}

void cert_free(struct cert *c)
{
	if (!c)
		return;
	X509_free(c->x509);
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
			X509 *x = d2i_X509_AUX(NULL, &p, dlen);
			unsigned char *plain = NULL;
			int plen = x ? i2d_X509(x, &plain) : -1;
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
	PEM_write_bio_X509(b, c->x509);
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

bool cert_is_ca(const struct cert *c)
{
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(c->x509, NID_basic_constraints, NULL, NULL);
	bool ca = bc && bc->ca;
	BASIC_CONSTRAINTS_free(bc);
	return ca;
}

bool cert_is_self_signed(const struct cert *c)
{
	if (X509_check_issued(c->x509, c->x509) != X509_V_OK)
		return false;
	EVP_PKEY *k = X509_get0_pubkey(c->x509);
	bool ok = k && X509_verify(c->x509, k) == 1;
	ERR_clear_error();
	return ok;
}

unsigned long cert_subject_hash(const struct cert *c)
{
	return X509_NAME_hash_ex(X509_get_subject_name(c->x509), NULL, NULL, NULL);
}
