/* PKCS#12 keystores from outside are bounded (issue 14): a MAC or an
 * encrypted safe asking for millions of key-derivation rounds is refused
 * before any of them runs, naming the file, instead of running for hours. */
#include "certgen.h"
#include "harness.h"
#include "stores/java/keystore.h"
#include "util/err.h"

#include <openssl/pkcs12.h>

/* A keystore holding x: its certificates' safe encrypted with nid_cert (-1:
 * not encrypted) at iter rounds, and a MAC of mac_iter rounds. */
static unsigned char *p12_make(X509 *x, int nid_cert, int iter, int mac_iter, int *len)
{
	STACK_OF(X509) *ca = sk_X509_new_null();
	sk_X509_push(ca, x);
	PKCS12 *p12 =
	    PKCS12_create("changeit", NULL, NULL, NULL, ca, 0, nid_cert, iter, mac_iter, 0);
	sk_X509_free(ca);
	unsigned char *der = NULL;
	*len = p12 ? i2d_PKCS12(p12, &der) : -1;
	PKCS12_free(p12);
	return der;
}

/* Parse a keystore made as p12_make makes it: 0, or -1 with the error in err_msg(). */
static int parse(const char *shown, int nid_cert, int iter, int mac_iter, size_t *n,
		 const char *dump)
{
	X509 *x = certgen_x509("P12 CA", NULL, 1);
	int len;
	unsigned char *der = p12_make(x, nid_cert, iter, mac_iter, &len);
	CHECK(der && len > 0);
	struct keystore ks = {0};
	int rc = ks_p12_parse(&ks, der, (size_t)len, shown, "changeit");
	*n = ks.n;
	ks_dispose(&ks);
	FILE *f = dump && getenv(dump) ? fopen(getenv(dump), "wb") : NULL;
	if (f) {
		fwrite(der, 1, (size_t)len, f);
		fclose(f);
	}
	OPENSSL_free(der);
	X509_free(x);
	return rc;
}

int main(void)
{
	size_t n;
	/* what Java writes: PBES2/PBKDF2 with AES-256, 10000 rounds; and older JDKs' PBE */
	CHECK_MSG(parse("ok.p12", NID_aes_256_cbc, 10000, 10000, &n, NULL) == 0 && n == 1, "%s",
		  err_msg());
	CHECK_MSG(parse("old.p12", NID_pbe_WithSHA1And3_Key_TripleDES_CBC, 50000, 2048, &n, NULL) ==
			  0 &&
		      n == 1,
		  "%s", err_msg());
	CHECK_MSG(parse("plain.p12", -1, 0, 2048, &n, NULL) == 0 && n == 1, "%s", err_msg());

	/* 2^31-1 MAC rounds used to be honoured (hours of CPU); refused before the MAC */
	CHECK(parse("slow.p12", -1, 0, 2000000, &n, "TF_WRITE_P12") < 0);
	CHECK_MSG(strstr(err_msg(), "slow.p12: its MAC asks for 2000000 iterations"), "%s",
		  err_msg());

	/* the same for an encrypted safe's key, in either scheme */
	CHECK(parse("slowsafe.p12", NID_aes_256_cbc, 1000001, 2048, &n, NULL) < 0);
	CHECK_MSG(strstr(err_msg(), "slowsafe.p12: an encrypted PKCS#12 safe asks for 1000001 "
				    "iterations to derive its key (more than 1000000)"),
		  "%s", err_msg());
	CHECK(parse("slowpbe.p12", NID_pbe_WithSHA1And3_Key_TripleDES_CBC, 1000001, 2048, &n,
		    NULL) < 0);
	CHECK_MSG(strstr(err_msg(), "slowpbe.p12: an encrypted PKCS#12 safe asks for 1000001"),
		  "%s", err_msg());
	CHECK_MSG(strstr(err_msg(), "re-create the keystore with keytool"), "%s", err_msg());
	return test_report();
}
