/* Saved plans (reconcile/planfile.c, planfile_load). */
#include "fuzz.h"
#include "reconcile/planfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("saved.plan", data, size);
	struct saved_plan *sp;
	if (planfile_load(&sp, path) == 0)
		planfile_free(sp);
	return 0;
}
