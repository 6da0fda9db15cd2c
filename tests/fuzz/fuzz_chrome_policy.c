/* A Chrome or Chromium managed policy file as the chrome-policy store reads
 * it (stores/chrome/chrome_files.c): JSON, then the base64 DER certificates
 * of CACertificates and CADistrustedCertificates. */
#include "fuzz.h"
#include "stores/chrome/chrome_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT;
	buf_add(&b, data, size);
	struct pfile f = {0};
	pfile_parse(&f, &b);
	if (f.bad != (f.why != NULL))
		abort();
	for (size_t i = 0; i < f.ca.n; i++)
		if (f.ca.v[i].cert) {
			char *again = pol_cert_b64(f.ca.v[i].cert);
			struct cert *c = pol_b64_cert(again);
			if (!c || memcmp(c->fp, f.ca.v[i].fp, FP_LEN))
				abort();
			cert_free(c);
			free(again);
		}
	pfile_dispose(&f);
	buf_dispose(&b);
	return 0;
}
