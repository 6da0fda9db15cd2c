/* Caddy's JSON config: intermediate_lifetime set in place, and a lint. */
#ifndef TF_CADDY_JSON_H
#define TF_CADDY_JSON_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

struct cj_lifetime {
	char *have;	 /* the value now, as written, or NULL */
	bool have_is_ns; /* written as integer nanoseconds */
	struct buf out;	 /* the file with want set */
};

/* -1 with err set ("<name>:line:col: …") when the JSON is invalid, has
 * duplicate keys, or the path holds something other than objects. */
int cj_set_lifetime(struct cj_lifetime *r, const char *name, const char *src, size_t len,
		    const char *ca, const char *want);
void cj_lifetime_dispose(struct cj_lifetime *r);
/* JSON paths of every "insecure_skip_verify": true. */
void cj_lint_insecure(const char *src, size_t len, char ***where, size_t *n);

#endif
