/*
 * Loading the configuration: the checks every section uses (config.c for cas:
 * and stores:, config_roles.c for roles: and hosts:), below both; see
 * config_int.h.
 */
#include "schema/config.h"
#include "schema/config_int.h"
#include "schema/keys.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

void lc_error_at(struct loadctx *lc, const struct ynode *n, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	diag_add(lc->d, DIAG_ERROR, lc->cfg->path, n ? n->line : 0, n ? n->col : 0, "%s", b.ptr);
	buf_dispose(&b);
}

struct pos lc_pos_of(const struct ynode *n)
{
	return (struct pos){n ? n->line : 0, n ? n->col : 0};
}

bool config_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MAX_NAME || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

bool lc_check_name(struct loadctx *lc, const struct ynode *key, const char *what)
{
	if (config_name_ok(key->text))
		return true;
	lc_error_at(lc, key,
		    "%s name \"%s\" is not allowed: use 1 to %d characters from "
		    "[A-Za-z0-9._-], starting with a letter or digit",
		    what, key->text, MAX_NAME);
	return false;
}

const struct ynode *lc_expect(struct loadctx *lc, const struct ynode *n, enum ynode_kind kind,
			      const char *what)
{
	if (!n)
		return NULL;
	if (n->kind == kind)
		return n;
	lc_error_at(lc, n, "%s must be %s, not %s", what, ykind_name(kind), ykind_name(n->kind));
	return NULL;
}

const char *lc_expect_scalar(struct loadctx *lc, const struct ynode *n, const char *what)
{
	n = lc_expect(lc, n, YNODE_SCALAR, what);
	return n ? n->text : NULL;
}

int lc_parse_bool(struct loadctx *lc, const struct ynode *n, const char *what)
{
	const char *s = lc_expect_scalar(lc, n, what);
	if (!s)
		return -1;
	if (n->plain && strcmp(s, "true") == 0)
		return 1;
	if (n->plain && strcmp(s, "false") == 0)
		return 0;
	lc_error_at(lc, n, "%s must be true or false, not \"%s\"", what, s);
	return -1;
}

/* Report unknown keys (with a suggestion) and missing required ones. */
void lc_check_keys(struct loadctx *lc, const struct ynode *map, const struct key_spec *spec,
		   const char *where)
{
	for (size_t i = 0; i < map->n; i++)
		key_check(spec, map->keys[i], where, lc->cfg->path, lc->d);
	for (const struct key_spec *s = spec; s->name; s++)
		if (s->required && !ymap_get(map, s->name))
			lc_error_at(lc, map, "%s is missing the required key \"%s\"", where,
				    s->name);
}
