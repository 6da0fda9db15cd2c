/*
 * JKS, the JDK's own keystore format (sun.security.provider.JavaKeyStore):
 *
 *   u32 0xFEEDFEED, u32 version (1 or 2), u32 count, then per entry:
 *     u32 tag (1 private key, 2 trusted certificate), UTF alias, u64 date (ms)
 *     tag 1: u32 len + protected key, u32 chain length, certificates
 *     tag 2: one certificate
 *   a certificate: (version 2) UTF type "X.509", u32 len + DER
 *   then SHA-1 over UTF-16BE(password) || "Mighty Aphrodite" || everything above.
 *
 * UTF is Java's modified UTF-8 with a u16 length. Entries other than trusted
 * certificates are kept as their bytes.
 */
#include "stores/java/keystore.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define JKS_MAGIC    0xFEEDFEEDu
#define JKS_WHITENER "Mighty Aphrodite"

struct rd {
	const unsigned char *p;
	size_t len, off;
	bool bad;
};

static uint64_t rd_n(struct rd *r, int bytes)
{
	uint64_t v = 0;
	if (r->bad || r->len - r->off < (size_t)bytes) {
		r->bad = true;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v = v << 8 | r->p[r->off++];
	return v;
}

static const unsigned char *rd_bytes(struct rd *r, size_t n)
{
	if (r->bad || r->len - r->off < n) {
		r->bad = true;
		return NULL;
	}
	r->off += n;
	return r->p + r->off - n;
}

static char *rd_utf(struct rd *r)
{
	size_t n = (size_t)rd_n(r, 2);
	const unsigned char *s = rd_bytes(r, n);
	return s ? xstrndup((const char *)s, n) : NULL;
}

/* The password as Java feeds it to the digest: UTF-16BE of its characters. */
static void pass_utf16(const char *pass, struct buf *out)
{
	for (const unsigned char *p = (const unsigned char *)pass; *p;) {
		unsigned cp = *p++;
		if (cp >= 0xC0 && (*p & 0xC0) == 0x80) {
			int more = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : 1;
			cp &= 0x3F >> more;
			for (int i = 0; i < more && (*p & 0xC0) == 0x80; i++)
				cp = cp << 6 | (*p++ & 0x3F);
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			unsigned hi = 0xD800 | (cp >> 10), lo = 0xDC00 | (cp & 0x3FF);
			buf_putc(out, (char)(hi >> 8));
			buf_putc(out, (char)hi);
			buf_putc(out, (char)(lo >> 8));
			buf_putc(out, (char)lo);
		} else {
			buf_putc(out, (char)(cp >> 8));
			buf_putc(out, (char)cp);
		}
	}
}

static void jks_digest(const char *pass, const unsigned char *data, size_t len,
		       unsigned char md[20])
{
	struct buf pw = BUF_INIT;
	pass_utf16(pass, &pw);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	EVP_DigestUpdate(ctx, pw.ptr, pw.len);
	EVP_DigestUpdate(ctx, JKS_WHITENER, strlen(JKS_WHITENER));
	EVP_DigestUpdate(ctx, data, len);
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	explicit_bzero(pw.ptr, pw.len);
	buf_dispose(&pw);
}

static bool rd_cert(struct rd *r, int version, const unsigned char **der, size_t *len)
{
	if (version == 2) {
		char *type = rd_utf(r);
		bool x509 = type && !strcmp(type, "X.509");
		free(type);
		if (!x509) {
			r->bad = r->bad || !type;
			return false;
		}
	}
	*len = (size_t)rd_n(r, 4);
	*der = rd_bytes(r, *len);
	return *der != NULL;
}

int ks_jks_parse(struct keystore *ks, const unsigned char *data, size_t len, const char *shown,
		 const char *pass)
{
	struct rd r = {data, len, 0, false};
	ks->format = KS_JKS;
	if (rd_n(&r, 4) != JKS_MAGIC) {
		err_set("%s is not a JKS keystore", shown);
		return -1;
	}
	ks->jks_version = (int)rd_n(&r, 4);
	if (ks->jks_version != 1 && ks->jks_version != 2) {
		err_set("%s: JKS version %d is not known; trustform reads versions 1 and 2", shown,
			ks->jks_version);
		return -1;
	}
	uint32_t count = (uint32_t)rd_n(&r, 4);
	for (uint32_t i = 0; i < count && !r.bad; i++) {
		size_t start = r.off;
		uint32_t tag = (uint32_t)rd_n(&r, 4);
		char *alias = rd_utf(&r);
		int64_t date = (int64_t)rd_n(&r, 8);
		struct cert *c = NULL;
		if (tag == 1) {
			rd_bytes(&r, (size_t)rd_n(&r, 4));
			uint32_t chain = (uint32_t)rd_n(&r, 4);
			for (uint32_t j = 0; j < chain && !r.bad; j++) {
				const unsigned char *der;
				size_t dl;
				if (!rd_cert(&r, ks->jks_version, &der, &dl))
					r.bad = true;
			}
		} else if (tag == 2) {
			const unsigned char *der;
			size_t dl;
			if (rd_cert(&r, ks->jks_version, &der, &dl))
				c = cert_from_der(der, dl);
			if (!c)
				r.bad = true;
		} else {
			r.bad = true;
		}
		if (r.bad || !alias) {
			free(alias);
			cert_free(c);
			r.bad = true;
			break;
		}
		ARRAY_GROW(ks->e, ks->n + 1, ks->alloc);
		struct ks_entry *e = &ks->e[ks->n++];
		memset(e, 0, sizeof(*e));
		buf_init(&e->raw);
		e->alias = alias;
		e->cert = c;
		e->date_ms = date;
		buf_add(&e->raw, data + start, r.off - start);
	}
	const unsigned char *md = rd_bytes(&r, 20);
	if (r.bad || !md || r.off != len) {
		err_set("%s is damaged (a JKS keystore cut short or with trailing bytes); restore "
			"it from a backup",
			shown);
		return -1;
	}
	unsigned char want[20];
	jks_digest(pass, data, len - 20, want);
	if (memcmp(want, md, 20)) {
		err_set("%s: the keystore password is wrong (or the file was altered: its "
			"integrity check fails); fix `password:` / `password_file:`",
			shown);
		return -1;
	}
	return 0;
}

static void put_n(struct buf *b, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		buf_putc(b, (char)(v >> (8 * i)));
}

int ks_jks_serialize(const struct keystore *ks, const char *pass, struct buf *out)
{
	size_t count = 0;
	for (size_t i = 0; i < ks->n; i++)
		count += !ks->e[i].drop;
	put_n(out, JKS_MAGIC, 4);
	put_n(out, 2, 4);
	put_n(out, count, 4);
	for (size_t i = 0; i < ks->n; i++) {
		const struct ks_entry *e = &ks->e[i];
		if (e->drop)
			continue;
		if (e->raw.len && ks->jks_version == 2) {
			buf_add(out, e->raw.ptr, e->raw.len);
			continue;
		}
		if (!e->cert) {
			err_set("a version 1 JKS private key entry (%s) cannot be rewritten; "
				"convert the keystore with keytool -importkeystore",
				e->alias);
			return -1;
		}
		put_n(out, 2, 4);
		put_n(out, strlen(e->alias), 2);
		buf_puts(out, e->alias);
		put_n(out, (uint64_t)e->date_ms, 8);
		put_n(out, 5, 2);
		buf_puts(out, "X.509");
		put_n(out, e->cert->der_len, 4);
		buf_add(out, e->cert->der, e->cert->der_len);
	}
	unsigned char md[20];
	jks_digest(pass, (const unsigned char *)out->ptr, out->len, md);
	buf_add(out, md, 20);
	return 0;
}
