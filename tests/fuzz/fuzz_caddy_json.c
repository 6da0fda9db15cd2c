/* Caddy's JSON splice: an accepted edit is valid JSON and converges. */
#include "fuzz.h"
#include "stores/caddy/caddy_json.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cj_lifetime r;
	char **where;
	size_t n;
	cj_lint_insecure((const char *)data, size, &where, &n);
	for (size_t i = 0; i < n; i++)
		free(where[i]);
	free(where);
	if (cj_set_lifetime(&r, "caddy.json", (const char *)data, size, "local", "720h") < 0)
		return 0;
	struct cj_lifetime r2;
	FUZZ_ASSERT(cj_set_lifetime(&r2, "caddy.json", r.out.ptr, r.out.len, "local", "720h") == 0);
	FUZZ_ASSERT(r2.have && !strcmp(r2.have, "720h"));
	FUZZ_ASSERT(buf_equal(&r2.out, r.out.ptr, r.out.len));
	cj_lifetime_dispose(&r2);
	cj_lifetime_dispose(&r);
	return 0;
}
