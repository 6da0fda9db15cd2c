/* The strict-mode judge (model/strict.c): OpenSSL with X509_V_FLAG_X509_STRICT
 * refuses a CA for exactly the properties it lacks, and accepts one that has
 * them; errors every client makes (an expired CA) are not strict mode's. */
#include "certgen.h"
#include "harness.h"
#include "model/strict.h"

#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <string.h>

struct spec {
	const char *bc, *ku, *ski, *aki; /* extension values; NULL: left out */
	long not_after;			 /* seconds from now */
	bool issued;			 /* issued by another root, not self-signed */
};

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	if (!value)
		return;
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	CHECK_MSG(e != NULL, "extension %d=%s", nid, value);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

static struct cert *make(const struct spec *s)
{
	EVP_PKEY *k = EVP_EC_gen("P-256"), *ik = k;
	X509 *x = X509_new(), *issuer = x;
	if (s->issued) {
		ik = EVP_EC_gen("P-256");
		issuer = X509_new();
		X509_NAME_add_entry_by_txt(X509_get_subject_name(issuer), "CN", MBSTRING_ASC,
					   (const unsigned char *)"Other Root", -1, -1, 0);
		X509_set_pubkey(issuer, ik);
	}
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400L * 2);
	X509_gmtime_adj(X509_getm_notAfter(x), s->not_after ? s->not_after : 86400L * 365);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"Test CA", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer));
	X509_set_pubkey(x, k);
	add_ext(x, issuer, NID_basic_constraints, s->bc);
	add_ext(x, issuer, NID_key_usage, s->ku);
	add_ext(x, issuer, NID_subject_key_identifier, s->ski);
	add_ext(x, issuer, NID_authority_key_identifier, s->aki);
	X509_sign(x, ik, EVP_sha256());
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	struct cert *c = cert_from_der(der, (size_t)len);
	OPENSSL_free(der);
	if (issuer != x) {
		X509_free(issuer);
		EVP_PKEY_free(ik);
	}
	X509_free(x);
	EVP_PKEY_free(k);
	return c;
}

static bool has(const struct strict_verdict *v, int code)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->codes[i] == code)
			return true;
	return false;
}

static void expect(const char *what, const struct spec *s, const int *codes, size_t n)
{
	struct cert *c = make(s);
	struct strict_verdict v;
	CHECK_MSG(strict_judge(c, &v) == 0, "%s: judged", what);
	CHECK_MSG(v.n == n, "%s: %zu refusals, want %zu (first %d)", what, v.n, n,
		  v.n ? v.codes[0] : 0);
	for (size_t i = 0; i < n; i++)
		CHECK_MSG(has(&v, codes[i]), "%s: lacks code %d (%s)", what, codes[i],
			  strict_property(codes[i]));
	cert_free(c);
}

static struct cert *to_cert(X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	struct cert *c = cert_from_der(der, (size_t)len);
	OPENSSL_free(der);
	return c;
}

/* A complete CA named cn, issued by (issuer, ikey), or self-signed. */
static X509 *ca_x509(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 9);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
	X509_set_pubkey(x, key);
	add_ext(x, issuer ? issuer : x, NID_basic_constraints, "critical,CA:TRUE");
	add_ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
	add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash");
	add_ext(x, issuer ? issuer : x, NID_authority_key_identifier, "keyid");
	X509_sign(x, ikey ? ikey : key, EVP_sha256());
	return x;
}

/* OpenSSL's default chain rule: an intermediate ends a chain only with its root. */
static void anchors(void)
{
	EVP_PKEY *rk = EVP_EC_gen("P-256"), *ik = EVP_EC_gen("P-256");
	X509 *rx = ca_x509("Root", rk, NULL, NULL);
	X509 *ix = ca_x509("Intermediate", ik, rx, rk);
	struct cert *root = to_cert(rx), *inter = to_cert(ix), *other = certgen("Other", NULL, 1);
	int code = -1;
	CHECK(anchor_judge(root, NULL, 0, &code) == 0);
	CHECK_MSG(code == 0, "a root is an anchor alone: %d", code);
	CHECK(anchor_judge(inter, NULL, 0, &code) == 0);
	CHECK_MSG(code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, "an intermediate alone: %d", code);
	const struct cert *unrelated[] = {other, NULL};
	CHECK(anchor_judge(inter, unrelated, 2, &code) == 0);
	CHECK_MSG(code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, "with another root: %d", code);
	const struct cert *with_root[] = {other, root};
	CHECK(anchor_judge(inter, with_root, 2, &code) == 0);
	CHECK_MSG(code == 0, "an intermediate with its root: %d", code);
	/* strict mode takes this intermediate (it has its AKI) */
	struct strict_verdict v;
	CHECK(strict_judge(inter, &v) == 0 && v.n == 0);
	cert_free(root);
	cert_free(inter);
	cert_free(other);
	X509_free(rx);
	X509_free(ix);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ik);
}

#define GOOD_BC "critical,CA:TRUE"
#define GOOD_KU "critical,keyCertSign,cRLSign"

int main(void)
{
	const struct spec good = {GOOD_BC, GOOD_KU, "hash", NULL, 0, false};
	expect("a complete root", &good, NULL, 0);

	const struct spec bc = {"CA:TRUE", GOOD_KU, "hash", NULL, 0, false};
	const int bc_codes[] = {X509_V_ERR_CA_BCONS_NOT_CRITICAL};
	expect("basicConstraints not critical", &bc, bc_codes, 1);

	const struct spec ku = {GOOD_BC, NULL, "hash", NULL, 0, false};
	const int ku_codes[] = {X509_V_ERR_CA_CERT_MISSING_KEY_USAGE};
	expect("no keyUsage", &ku, ku_codes, 1);

	const struct spec ski = {GOOD_BC, GOOD_KU, NULL, NULL, 0, false};
	const int ski_codes[] = {X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER};
	expect("no subject key identifier", &ski, ski_codes, 1);

	const struct spec all = {"CA:TRUE", NULL, NULL, NULL, 0, false};
	const int all_codes[] = {X509_V_ERR_CA_BCONS_NOT_CRITICAL,
				 X509_V_ERR_CA_CERT_MISSING_KEY_USAGE,
				 X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER};
	expect("openssl req -x509 with only CA:TRUE", &all, all_codes, 3);

	/* an expired CA is refused by every client, strict or not: not this rule */
	const struct spec old = {GOOD_BC, GOOD_KU, "hash", NULL, -86400, false};
	expect("an expired complete root", &old, NULL, 0);

	/* an intermediate configured as the anchor: OpenSSL's strict mode does
	 * not ask the anchor of a partial chain for an authority key identifier
	 * (it asks every certificate below it), so neither does the judge */
	const struct spec inter = {GOOD_BC, GOOD_KU, "hash", NULL, 0, true};
	expect("an intermediate anchor without AKI", &inter, NULL, 0);
	const struct spec inter_bc = {"CA:TRUE", GOOD_KU, "hash", NULL, 0, true};
	const int inter_bc_codes[] = {X509_V_ERR_CA_BCONS_NOT_CRITICAL};
	expect("an intermediate, basicConstraints not critical", &inter_bc, inter_bc_codes, 1);

	CHECK(strstr(strict_fix(X509_V_ERR_CA_BCONS_NOT_CRITICAL), "critical,CA:TRUE") != NULL);
	CHECK(strstr(strict_fix(X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER), "hash") != NULL);
	CHECK(strict_fix(X509_V_ERR_CERT_HAS_EXPIRED) == NULL);
	anchors();
	return test_report();
}
