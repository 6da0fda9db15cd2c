/* The whole configuration, loaded from a file as trustform reads it. */
#include "fuzz.h"
#include "schema/config.h"
#include "schema/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("trustform.yaml", data, size);
	struct config_load_opts opts = {.root = fuzz_dir(), .now = 1767225600};
	struct diag d;
	diag_init(&d);
	config_free(config_load(path, &opts, &d));
	diag_dispose(&d);
	return 0;
}
