/*
 * PKCS#12 truststores through OpenSSL. A trusted certificate entry is a cert
 * bag with a friendlyName (the alias) and the JDK's "trusted key usage"
 * attribute (OID 2.16.840.1.113894.746875.1.1, valued anyExtendedKeyUsage):
 * without it keytool does not list the certificate at all. Bags are read from
 * every safe (the password decrypts the encrypted ones) and written back as
 * the JDK writes them: certificates in a PBES2/AES-256 encrypted safe, keys
 * (already shrouded) in a plain one, and a SHA-256 MAC.
 */
#include "stores/java/keystore.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define OID_JDK_TRUSTED "2.16.840.1.113894.746875.1.1"
#define OID_ANY_EKU	"2.5.29.37.0"
#define P12_ITER	10000

static ASN1_OBJECT *jdk_trusted_oid(void)
{
	return OBJ_txt2obj(OID_JDK_TRUSTED, 1);
}

static bool bag_is_trusted(const PKCS12_SAFEBAG *bag)
{
	const STACK_OF(X509_ATTRIBUTE) *attrs = PKCS12_SAFEBAG_get0_attrs(bag);
	ASN1_OBJECT *oid = jdk_trusted_oid();
	bool yes = false;
	for (int i = 0; i < sk_X509_ATTRIBUTE_num(attrs) && !yes; i++)
		yes = !OBJ_cmp(X509_ATTRIBUTE_get0_object(sk_X509_ATTRIBUTE_value(attrs, i)), oid);
	ASN1_OBJECT_free(oid);
	return yes;
}

static int take_bags(struct keystore *ks, STACK_OF(PKCS12_SAFEBAG) * bags)
{
	for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
		PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
		ARRAY_GROW(ks->e, ks->n + 1, ks->alloc);
		struct ks_entry *e = &ks->e[ks->n++];
		memset(e, 0, sizeof(*e));
		buf_init(&e->raw);
		e->bag = bag;
		char *name = PKCS12_get_friendlyname(bag);
		e->alias = xstrdup(name ? name : "");
		OPENSSL_free(name);
		if (PKCS12_SAFEBAG_get_nid(bag) == NID_certBag &&
		    PKCS12_SAFEBAG_get_bag_nid(bag) == NID_x509Certificate && bag_is_trusted(bag)) {
			X509 *x = PKCS12_SAFEBAG_get1_cert(bag);
			unsigned char *der = NULL;
			int dl = x ? i2d_X509(x, &der) : -1;
			e->cert = dl > 0 ? cert_from_der(der, (size_t)dl) : NULL;
			OPENSSL_free(der);
			X509_free(x);
			if (!e->cert)
				return -1;
		}
	}
	sk_PKCS12_SAFEBAG_free(bags); /* the bags now belong to the entries */
	return 0;
}

/* The most key-derivation rounds a file may ask for, for its MAC or for an
 * encrypted safe: the file's to choose, and 2^31 rounds would run for hours.
 * Java writes 10000 (older JDKs 50000 or 100000). */
#define P12_MAX_ITER 1000000

/* Why an encrypted safe's key derivation is not one trustform will run, or
 * NULL: PBES2 with PBKDF2 (what Java writes), or a PKCS#12 PBE scheme (older
 * JDKs), at most P12_MAX_ITER rounds. */
static char *safe_kdf_refused(const PKCS7 *p7)
{
	const X509_ALGOR *alg = p7->d.encrypted && p7->d.encrypted->enc_data
				    ? p7->d.encrypted->enc_data->algorithm
				    : NULL;
	if (!alg)
		return xstrdup("has no encryption algorithm");
	long iter = -1;
	if (OBJ_obj2nid(alg->algorithm) == NID_pbes2) {
		PBE2PARAM *p2 =
		    ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
		PBKDF2PARAM *kdf = p2 && OBJ_obj2nid(p2->keyfunc->algorithm) == NID_id_pbkdf2
				       ? ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
								   p2->keyfunc->parameter)
				       : NULL;
		bool other_kdf = p2 && OBJ_obj2nid(p2->keyfunc->algorithm) != NID_id_pbkdf2;
		if (kdf)
			iter = ASN1_INTEGER_get(kdf->iter);
		PBKDF2PARAM_free(kdf);
		PBE2PARAM_free(p2);
		if (other_kdf)
			return xstrdup("derives its key with something other than PBKDF2 (Java "
				       "writes PBKDF2)");
	} else {
		PBEPARAM *pp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter);
		if (pp)
			iter = ASN1_INTEGER_get(pp->iter);
		PBEPARAM_free(pp);
	}
	if (iter < 0)
		return xstrdup("has encryption parameters trustform cannot read");
	if (iter > P12_MAX_ITER)
		return xasprintf("asks for %ld iterations to derive its key (more than %d)", iter,
				 P12_MAX_ITER);
	return NULL;
}

int ks_p12_parse(struct keystore *ks, const unsigned char *data, size_t len, const char *shown,
		 const char *pass)
{
	const unsigned char *p = data;
	PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
	STACK_OF(PKCS7) *safes = NULL;
	int rc = -1;
	ks->format = KS_PKCS12;
	if (!p12 || p != data + len) {
		err_set("%s is damaged: not a complete PKCS#12 keystore; restore it from a "
			"backup",
			shown);
		goto out;
	}
	const ASN1_INTEGER *iter = NULL;
	if (PKCS12_mac_present(p12))
		PKCS12_get0_mac(NULL, NULL, NULL, &iter, p12);
	if (iter && (ASN1_INTEGER_get(iter) < 0 || ASN1_INTEGER_get(iter) > P12_MAX_ITER)) {
		err_set("%s: its MAC asks for %ld iterations (more than %d); trustform refuses to "
			"spend that: re-create the keystore with keytool",
			shown, ASN1_INTEGER_get(iter), P12_MAX_ITER);
		goto out;
	}
	if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, pass, -1)) {
		err_set("%s: the keystore password is wrong (or the file was altered: its MAC "
			"check fails); fix `password:` / `password_file:`",
			shown);
		goto out;
	}
	safes = PKCS12_unpack_authsafes(p12);
	if (!safes) {
		err_set("%s is damaged: its PKCS#12 safes cannot be read", shown);
		goto out;
	}
	for (int i = 0; i < sk_PKCS7_num(safes); i++) {
		PKCS7 *p7 = sk_PKCS7_value(safes, i);
		int nid = OBJ_obj2nid(p7->type);
		char *refused = nid == NID_pkcs7_encrypted ? safe_kdf_refused(p7) : NULL;
		if (refused) {
			err_set(
			    "%s: an encrypted PKCS#12 safe %s; trustform refuses to decrypt it: "
			    "re-create the keystore with keytool",
			    shown, refused);
			free(refused);
			goto out;
		}
		STACK_OF(PKCS12_SAFEBAG) *bags = nid == NID_pkcs7_data ? PKCS12_unpack_p7data(p7)
						 : nid == NID_pkcs7_encrypted
						     ? PKCS12_unpack_p7encdata(p7, pass, -1)
						     : NULL;
		if (!bags || take_bags(ks, bags) < 0) {
			err_set("%s: a PKCS#12 safe cannot be read (damaged, or the password is "
				"wrong)",
				shown);
			goto out;
		}
	}
	rc = 0;
out:
	ERR_clear_error();
	sk_PKCS7_pop_free(safes, PKCS7_free);
	PKCS12_free(p12);
	return rc;
}

static PKCS12_SAFEBAG *trusted_bag(const struct ks_entry *e)
{
	const unsigned char *p = e->cert->der;
	X509 *x = d2i_X509(NULL, &p, (long)e->cert->der_len);
	PKCS12_SAFEBAG *bag = x ? PKCS12_SAFEBAG_create_cert(x) : NULL;
	ASN1_OBJECT *any = OBJ_txt2obj(OID_ANY_EKU, 1);
	if (bag && (!PKCS12_add_friendlyname_utf8(bag, e->alias, -1) ||
		    !PKCS12_add1_attr_by_txt(bag, OID_JDK_TRUSTED, V_ASN1_OBJECT,
					     (const unsigned char *)any, -1))) {
		PKCS12_SAFEBAG_free(bag);
		bag = NULL;
	}
	ASN1_OBJECT_free(any);
	X509_free(x);
	return bag;
}

int ks_p12_serialize(const struct keystore *ks, const char *pass, struct buf *out)
{
	STACK_OF(PKCS12_SAFEBAG) *certs = sk_PKCS12_SAFEBAG_new_null();
	STACK_OF(PKCS12_SAFEBAG) *keys = sk_PKCS12_SAFEBAG_new_null();
	STACK_OF(PKCS12_SAFEBAG) *made = sk_PKCS12_SAFEBAG_new_null();
	STACK_OF(PKCS7) *safes = sk_PKCS7_new_null();
	PKCS12 *p12 = NULL;
	int rc = -1;
	for (size_t i = 0; i < ks->n; i++) {
		const struct ks_entry *e = &ks->e[i];
		PKCS12_SAFEBAG *bag = e->bag;
		if (e->drop)
			continue;
		if (!bag) {
			if (!(bag = trusted_bag(e)))
				goto out;
			sk_PKCS12_SAFEBAG_push(made, bag);
		}
		sk_PKCS12_SAFEBAG_push(PKCS12_SAFEBAG_get_nid(bag) == NID_certBag ? certs : keys,
				       bag);
	}
	PKCS7 *p7;
	if (sk_PKCS12_SAFEBAG_num(certs)) {
		p7 = PKCS12_pack_p7encdata(NID_aes_256_cbc, pass, -1, NULL, 0, P12_ITER, certs);
		if (!p7)
			goto out;
		sk_PKCS7_push(safes, p7);
	}
	if (sk_PKCS12_SAFEBAG_num(keys)) {
		if (!(p7 = PKCS12_pack_p7data(keys)))
			goto out;
		sk_PKCS7_push(safes, p7);
	}
	p12 = PKCS12_add_safes(safes, 0);
	if (!p12 || !PKCS12_set_mac(p12, pass, -1, NULL, 0, P12_ITER, EVP_sha256()))
		goto out;
	unsigned char *der = NULL;
	int dl = i2d_PKCS12(p12, &der);
	if (dl <= 0)
		goto out;
	buf_add(out, der, (size_t)dl);
	OPENSSL_free(der);
	rc = 0;
out:
	if (rc < 0) {
		err_set("cannot build the PKCS#12 keystore");
		err_append_openssl();
	}
	sk_PKCS12_SAFEBAG_free(certs);
	sk_PKCS12_SAFEBAG_free(keys);
	sk_PKCS12_SAFEBAG_pop_free(made, PKCS12_SAFEBAG_free);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	PKCS12_free(p12);
	return rc;
}
