/* The string map: put, get, replace, delete (with backward shift), growth. */
#include "harness.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <stdlib.h>

int main(void)
{
	enum { N = 5000 };
	char *keys[N];
	struct strmap m;
	strmap_init(&m);
	CHECK(strmap_get(&m, "x") == STRMAP_NONE);
	CHECK(strmap_del(&m, "x") == STRMAP_NONE);
	for (size_t i = 0; i < N; i++) {
		keys[i] = xasprintf("key-%zu", i * 7919);
		CHECK(strmap_put(&m, keys[i], i) == STRMAP_NONE);
	}
	CHECK(m.n == N);
	size_t bad = 0;
	for (size_t i = 0; i < N; i++)
		bad += strmap_get(&m, keys[i]) != i;
	CHECK(bad == 0);
	CHECK(strmap_put(&m, keys[3], 42) == 3);
	CHECK(strmap_get(&m, keys[3]) == 42);
	/* delete every third key; all others must still be found */
	for (size_t i = 0; i < N; i += 3)
		CHECK(strmap_del(&m, keys[i]) != STRMAP_NONE);
	bad = 0;
	for (size_t i = 0; i < N; i++) {
		size_t v = strmap_get(&m, keys[i]);
		if (i % 3 == 0)
			bad += v != STRMAP_NONE;
		else
			bad += v != (i == 3 ? 42 : i);
	}
	CHECK_MSG(bad == 0, "%zu lookups wrong after deletions", bad);
	CHECK(m.n == N - (N + 2) / 3);
	/* re-insert after delete */
	CHECK(strmap_put(&m, keys[0], 7) == STRMAP_NONE);
	CHECK(strmap_get(&m, keys[0]) == 7);
	strmap_dispose(&m);
	for (size_t i = 0; i < N; i++)
		free(keys[i]);
	return test_report();
}
