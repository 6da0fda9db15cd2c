/* os-release (stores/osrelease.c). */
#include "fuzz.h"
#include "stores/osrelease.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write("etc/os-release", data, size);
	struct os_release o;
	if (os_release_read(&o, fuzz_dir()) == 0)
		os_release_dispose(&o);
	return 0;
}
