/* systemd units, drop-ins and EnvironmentFile= (stores/files/unitfile.c): the
 * input is the unit, our drop-in and the environment file at once. */
#include "fuzz.h"
#include "stores/files/unitfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	fuzz_write("etc/systemd/system/fuzz.service", data, size);
	fuzz_write("etc/default/fuzz", data, size);
	struct unit_env u;
	if (unit_env_load(&u, fuzz_dir(), "fuzz.service", "trustform.conf", text) == 0) {
		const char *src;
		unit_env_final(&u, "SSL_CERT_FILE", &src);
		unit_env_final(&u, "NODE_EXTRA_CA_CERTS", &src);
		unit_env_dispose(&u);
	}
	char **words;
	size_t n = unit_split_words(text, &words);
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
	free(text);
	return 0;
}
