/*
 * Java truststores, read and written in memory: PKCS#12 through OpenSSL (with
 * the JDK's trusted-certificate attribute, so keytool lists the entries as
 * trustedCertEntry) and JKS (the JDK's own format: a SHA-1 keyed with the
 * password over the content). Entries other than trusted certificates
 * (private keys with their chains) are carried over untouched.
 */
#ifndef TF_KEYSTORE_H
#define TF_KEYSTORE_H

#include "model/cert.h"
#include "util/buf.h"

#include <openssl/pkcs12.h>
#include <stdbool.h>
#include <stdint.h>

enum ks_format { KS_PKCS12, KS_JKS };

struct ks_entry {
	char *alias;
	struct cert *cert;   /* a trusted certificate entry; NULL: something else */
	int64_t date_ms;     /* JKS: creation date */
	struct buf raw;	     /* JKS: the entry as read, written back as is */
	PKCS12_SAFEBAG *bag; /* PKCS#12: the bag as read (decrypted safe) */
	bool drop;
};

struct keystore {
	enum ks_format format;
	struct ks_entry *e;
	size_t n, alloc;
	int jks_version;
};

/* 0, or -1 with err set: not a keystore, damaged, or the password is wrong
 * (which both formats can tell only together: "wrong password or damaged"). */
int ks_parse(struct keystore *ks, const unsigned char *data, size_t len, const char *shown,
	     const char *pass);
int ks_serialize(const struct keystore *ks, const char *pass, struct buf *out);
void ks_dispose(struct keystore *ks);
/* Add a trusted certificate entry (alias as given; JKS lowercases it). */
void ks_add_trusted(struct keystore *ks, const char *alias, struct cert *c, int64_t now_ms);

int ks_p12_parse(struct keystore *ks, const unsigned char *data, size_t len, const char *shown,
		 const char *pass);
int ks_p12_serialize(const struct keystore *ks, const char *pass, struct buf *out);
int ks_jks_parse(struct keystore *ks, const unsigned char *data, size_t len, const char *shown,
		 const char *pass);
int ks_jks_serialize(const struct keystore *ks, const char *pass, struct buf *out);

#endif
