/* `trustform diff --inventory`'s reading of an Ansible inventory
 * (schema/inventory.c), INI and YAML: it loads or fails with an error that
 * names the file, and the names come back sorted, once, non-empty. */
#include "fuzz.h"
#include "schema/inventory.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *paths[2] = {"hosts.ini", "hosts.yml"};
	for (size_t k = 0; k < 2; k++) {
		char *path = strdup(fuzz_write(paths[k], data, size));
		char **names = NULL;
		size_t n = 0;
		if (inventory_load(&names, &n, path) == 0) {
			for (size_t i = 0; i < n; i++) {
				FUZZ_ASSERT(names[i][0]);
				FUZZ_ASSERT(i == 0 || strcmp(names[i - 1], names[i]) < 0);
			}
			inventory_free(names, n);
		} else {
			FUZZ_ASSERT(strstr(err_msg(), path) != NULL);
		}
		err_clear();
		free(path);
	}
	return 0;
}
