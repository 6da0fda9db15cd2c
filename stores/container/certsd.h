/*
 * One engine's certs.d directory for one registry, "<dir>/<host[:port]>/":
 * every `*.crt` there is a CA the engine trusts for that registry (Docker,
 * Podman and containerd's fallback all read them so). trustform's files are
 * named "trustform-<name>-<sha256[:12]>.crt", one CA each; other files are
 * foreign and left alone. For containerd, which reads the files only through
 * the directory's hosts.toml once it exists, trustform also writes a
 * hosts.toml of its own that lists every `*.crt` there (its and others'), and
 * refuses to edit a hosts.toml it did not write.
 */
#ifndef TF_CERTSD_H
#define TF_CERTSD_H

#include "stores/store.h"

#include <stdbool.h>

enum engine {
	ENGINE_DOCKER,
	ENGINE_PODMAN,
	ENGINE_CONTAINERD,
	ENGINE_COUNT,
};

struct engine_info {
	const char *name;	  /* as written in `engines:` */
	const char *certs_d;	  /* its certs.d directory, in-root */
	const char *const *signs; /* in-root paths that say it is installed */
	bool hosts_toml;	  /* containerd: the directory's hosts.toml */
};

extern const struct engine_info engines[ENGINE_COUNT];

/* The instance of one engine and one registry host ("registry.corp:5000"). */
struct store_inst *certsd_open(const struct conf_store *cs, const struct run_ctx *ctx,
			       enum engine e, const char *host);

#endif
