/* PKCS#12 keystores from outside are bounded: a MAC asking for millions of
 * iterations is refused at once instead of running for hours (issue 14). */
#include "certgen.h"
#include "harness.h"
#include "stores/java/keystore.h"
#include "util/err.h"

#include <openssl/pkcs12.h>
#include <time.h>

static unsigned char *p12_with_mac_iter(X509 *x, int mac_iter, int *len)
{
	STACK_OF(X509) *ca = sk_X509_new_null();
	sk_X509_push(ca, x);
	PKCS12 *p12 = PKCS12_create("changeit", NULL, NULL, NULL, ca, 0, -1, 0, mac_iter, 0);
	sk_X509_free(ca);
	unsigned char *der = NULL;
	*len = p12 ? i2d_PKCS12(p12, &der) : -1;
	PKCS12_free(p12);
	return der;
}

int main(void)
{
	X509 *x = certgen_x509("P12 CA", NULL, 1);
	int len;
	unsigned char *der = p12_with_mac_iter(x, 2048, &len);
	struct keystore ks = {0};
	CHECK(der && len > 0);
	CHECK_MSG(ks_p12_parse(&ks, der, (size_t)len, "ok.p12", "changeit") == 0 && ks.n == 1, "%s",
		  err_msg());
	ks_dispose(&ks);
	OPENSSL_free(der);

	/* 2^31-1 iterations used to be honoured (hours of CPU); now refused at once */
	der = p12_with_mac_iter(x, 2000000, &len);
	CHECK(der && len > 0);
	memset(&ks, 0, sizeof(ks));
	time_t t0 = time(NULL);
	CHECK(ks_p12_parse(&ks, der, (size_t)len, "slow.p12", "changeit") < 0);
	CHECK_MSG(strstr(err_msg(), "slow.p12: its MAC asks for 2000000 iterations"), "%s",
		  err_msg());
	CHECK(time(NULL) - t0 < 2);
	ks_dispose(&ks);
	FILE *f = getenv("TF_WRITE_P12") ? fopen(getenv("TF_WRITE_P12"), "wb") : NULL;
	if (f) {
		fwrite(der, 1, (size_t)len, f);
		fclose(f);
	}
	OPENSSL_free(der);
	X509_free(x);
	return test_report();
}
