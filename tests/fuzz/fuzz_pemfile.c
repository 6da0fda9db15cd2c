/* Marked PEM blocks (stores/files/pemfile.c): split a file, report entries. */
#include "fuzz.h"
#include "model/model.h"
#include "stores/files/pemfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *host = fuzz_write("bundle.pem", data, size);
	struct pem_file f;
	memset(&f, 0, sizeof(f));
	if (pem_file_load(&f, host, "/bundle.pem") == 0) {
		struct trust_set s;
		trust_set_init(&s);
		pem_file_entries(&f, &s);
		trust_set_dispose(&s);
	}
	pem_file_dispose(&f);
	return 0;
}
