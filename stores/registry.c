/* The registry of store types: the one list of every configurable type. */
#include "stores/store.h"

#include <string.h>

/*
 * One line per type: X(id) for the `const struct store_type store_type_<id>`
 * its file defines (struct store_type in stores/store.h says what it
 * supplies). The line both declares it and lists it, so a new type is its
 * file plus this line; the order is the docs' (scripts/gen-docs.sh).
 */
#define STORE_TYPES(X)                                                                             \
	X(system)                                                                                  \
	X(pem_bundle)                                                                              \
	X(python)                                                                                  \
	X(systemd_env)                                                                             \
	X(java)                                                                                    \
	X(jdk)                                                                                     \
	X(nss)                                                                                     \
	X(chrome_policy)                                                                           \
	X(shell_env)                                                                               \
	X(pip_config) /* the configuration-file stores (stores/files/toolconf.c) */                \
	X(npm_config)                                                                              \
	X(git_config)                                                                              \
	X(registry)                                                                                \
	X(caddy)

#define DECLARE(id) extern const struct store_type store_type_##id;
STORE_TYPES(DECLARE)
#undef DECLARE

#define ENTRY(id) &store_type_##id,
const struct store_type *const store_types[] = {STORE_TYPES(ENTRY) NULL};
#undef ENTRY

const struct store_type *store_type_find(const char *name)
{
	for (size_t i = 0; store_types[i]; i++)
		if (!strcmp(store_types[i]->name, name))
			return store_types[i];
	return NULL;
}

const struct store_readers *store_readers_of(const struct conf_store *cs)
{
	static const struct store_readers none = {0};
	return cs && cs->store_type ? &cs->store_type->readers : &none;
}

bool store_reads(const struct conf_store *cs, unsigned flag)
{
	return (store_readers_of(cs)->flags & flag) != 0;
}

bool store_forks_workers(const struct conf_store *cs)
{
	const struct store_type *t = cs ? store_type_find(cs->type) : NULL;
	return t && t->forks_workers;
}
