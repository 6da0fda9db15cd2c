/* The login environment's files as the shell-env store reads them
 * (stores/files/shell_env_scan.c): the input is /etc/environment, an
 * environment.d file and a profile.d script at once, read through scan_all. */
#include "fuzz.h"
#include "stores/files/shell_env_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write("etc/environment", data, size);
	fuzz_write("etc/environment.d/50-fuzz.conf", data, size);
	fuzz_write("etc/profile.d/50-fuzz.sh", data, size);
	fuzz_write("etc/profile.d/zz-fuzz.sh", data, size);
	struct scan sc;
	scan_all(&sc, fuzz_dir());
	for (size_t i = 0; i < sc.n; i++)
		if (!sc.a[i].name[0] || !sc.a[i].src)
			abort();
	scan_dispose(&sc);
	return 0;
}
