/* Java keystores, JKS (stores/java/keystore_jks.c): parse, and what parses
 * serializes and parses again. */
#include "fuzz.h"
#include "stores/java/keystore.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keystore ks, again;
	memset(&ks, 0, sizeof(ks));
	if (ks_jks_parse(&ks, data, size, "fuzz.jks", "changeit") == 0) {
		struct buf out = BUF_INIT;
		if (ks_jks_serialize(&ks, "changeit", &out) == 0) {
			memset(&again, 0, sizeof(again));
			FUZZ_ASSERT(ks_jks_parse(&again, (const unsigned char *)out.ptr, out.len,
						 "again.jks", "changeit") == 0);
			FUZZ_ASSERT(again.n == ks.n);
			ks_dispose(&again);
		}
		buf_dispose(&out);
	}
	ks_dispose(&ks);
	return 0;
}
