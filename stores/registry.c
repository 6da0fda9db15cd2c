/* The registry of store types: the one list of every configurable type. */
#include "stores/caddy/caddy.h"
#include "stores/chrome/chrome.h"
#include "stores/container/container.h"
#include "stores/files/files.h"
#include "stores/java/java.h"
#include "stores/nss/nss.h"
#include "stores/store.h"
#include "stores/system/system.h"

#include <string.h>

const struct store_type *const store_types[] = {
    &store_type_system,
    &store_type_pem_bundle,
    &store_type_python,
    &store_type_systemd_env,
    &store_type_java,
    &store_type_jdk,
    &store_type_nss,
    &store_type_chrome_policy,
    &store_type_shell_env,
    &store_type_pip_config, /* the configuration-file stores (stores/files/toolconf.c) */
    &store_type_npm_config,
    &store_type_git_config,
    &store_type_registry,
    &store_type_caddy,
    NULL,
};

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
