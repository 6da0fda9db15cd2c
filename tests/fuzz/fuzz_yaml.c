/* The YAML tree (schema/yamltree.c over libyaml): any bytes, bounded. */
#include "fuzz.h"
#include "schema/yamltree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yerror e;
	ytree_free(ytree_parse("fuzz.yaml", (const char *)data, size, &e));
	return 0;
}
