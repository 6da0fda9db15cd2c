/*
 * The container-engine store family (`type: registry`): the CAs a container
 * engine trusts for one private registry, as files in its per-registry
 * certs.d directory (Docker, Podman and the containers stack, containerd's
 * hosts.toml tree). The rest of the family (certsd.h) is private.
 */
#ifndef TF_STORES_CONTAINER_H
#define TF_STORES_CONTAINER_H

#include "stores/store.h"

extern const struct store_type store_type_registry;

#endif
