/* Firefox's profiles.ini (stores/nss/nss_discover.c). */
#include "fuzz.h"
#include "stores/nss/nss_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct ff_profile *pr;
	size_t n;
	nss_profiles_parse(text, &pr, &n);
	for (size_t i = 0; i < n; i++) {
		free(pr[i].name);
		free(pr[i].path);
	}
	free(pr);
	free(text);
	return 0;
}
