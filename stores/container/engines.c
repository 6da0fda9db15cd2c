/* The container engines the registry store writes for (certsd.h): data that
 * certsd.c, certsd_toml.c and container.c all read, so kept below them. */
#include "stores/container/certsd.h"

#include <stddef.h>

static const char *const docker_signs[] = {"/etc/docker", "/usr/bin/docker", "/usr/bin/dockerd",
					   NULL};
static const char *const podman_signs[] = {"/etc/containers", "/usr/bin/podman", "/usr/bin/buildah",
					   "/usr/bin/skopeo", NULL};
static const char *const containerd_signs[] = {"/etc/containerd", "/usr/bin/containerd", NULL};

const struct engine_info engines[ENGINE_COUNT] = {
    [ENGINE_DOCKER] = {"docker", "/etc/docker/certs.d", docker_signs, false},
    [ENGINE_PODMAN] = {"podman", "/etc/containers/certs.d", podman_signs, false},
    [ENGINE_CONTAINERD] = {"containerd", "/etc/containerd/certs.d", containerd_signs, true},
};
