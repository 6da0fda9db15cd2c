/* The Caddyfile lexer and editor: an accepted edit reads back in place and
 * converges (editing the output again changes nothing). */
#include "fuzz.h"
#include "stores/caddy/caddy.h"
#include "stores/caddy/caddyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_doc d;
	struct cf_lifetime r;
	const char *root = fuzz_dir();
	if (cf_doc_load_buffer(&d, root, "/Caddyfile", (const char *)data, size) == 0) {
		char **where;
		size_t n;
		cf_lint_insecure(&d, &where, &n);
		for (size_t i = 0; i < n; i++)
			free(where[i]);
		free(where);
		if (cf_set_lifetime(&r, &d, "local", "720h") == 0) {
			struct cf_doc d2;
			struct cf_lifetime r2;
			FUZZ_ASSERT(
			    cf_doc_load_buffer(&d2, root, "/Caddyfile", r.out.ptr, r.out.len) == 0);
			FUZZ_ASSERT(cf_set_lifetime(&r2, &d2, "local", "720h") == 0);
			FUZZ_ASSERT(r2.have && !strcmp(r2.have, "720h"));
			FUZZ_ASSERT(buf_equal(&r2.out, r.out.ptr, r.out.len));
			cf_lifetime_dispose(&r2);
			cf_doc_dispose(&d2);
			cf_lifetime_dispose(&r);
		}
	}
	cf_doc_dispose(&d);
	return 0;
}
