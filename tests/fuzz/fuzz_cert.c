/* Certificates (model/cert.c): PEM or DER lists, and one DER certificate. */
#include "fuzz.h"
#include "model/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert_list l = {0};
	cert_list_parse(&l, data, size);
	cert_list_dispose(&l);
	struct cert *c = cert_from_der(data, size);
	if (c) {
		size_t n;
		free(cert_to_pem(c, &n));
		cert_free(c);
	}
	return 0;
}
