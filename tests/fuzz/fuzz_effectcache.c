/* The effect cache's file (stores/effectcache.c): any bytes at the entry's
 * path are a miss or a result, never a crash. */
#include "fuzz.h"
#include "stores/effectcache.h"
#include "util/hex.h"

#include <openssl/evp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char rel[128];
	if (!rel[0]) {
		unsigned char md[FP_LEN];
		char hex[FP_HEX_LEN + 1];
		EVP_Digest("fuzz x", 6, md, NULL, EVP_sha256(), NULL);
		hex_encode(hex, md, FP_LEN);
		snprintf(rel, sizeof(rel), "var/cache/trustform/read/effect-%s.json", hex);
	}
	fuzz_write(rel, data, size);
	effect_cache_use(true);
	struct effect_key k;
	effect_key_init(&k, "fuzz", "x");
	char *res = NULL;
	size_t len;
	if (effect_cache_load(fuzz_dir(), &k, &res, &len) == 0 && res[len] != '\0')
		abort(); /* a result is NUL-terminated */
	free(res);
	effect_key_dispose(&k);
	return 0;
}
