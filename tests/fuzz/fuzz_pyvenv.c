/* A venv's pyvenv.cfg, for the Python version that decides strict mode
 * (stores/pyhost.c: pyhost_venv_minor, pyhost_venv_version). */
#include "fuzz.h"
#include "stores/pyhost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write("venv/pyvenv.cfg", data, size);
	char *ver = NULL;
	int minor = pyhost_venv_minor(fuzz_dir(), "/venv", &ver);
	if (minor >= 0 && !ver)
		abort(); /* a minor version comes from a version text */
	free(ver);
	return 0;
}
