/*
 * The bundle of an env store (systemd-env, shell-env): the store's CAs as
 * marked blocks (pemfile.h) and, with `system_set: PATH`, the certificates of
 * that file (the host's system bundle) before them, so that a variable that
 * replaces its client's roots (SSL_CERT_FILE for Go, REQUESTS_CA_BUNDLE)
 * still reaches public servers. Each apply copies the file in again; a plan
 * where the copy differs is a refresh of the bundle.
 */
#ifndef TF_ENVBUNDLE_H
#define TF_ENVBUNDLE_H

#include "stores/files/pemfile.h"
#include "stores/store.h"

/* The option, for the store's option table. */
#define ENVVAR_OPT_SYSTEM_SET                                                                      \
	{                                                                                          \
		.name = "system_set", .kind = OPT_PATH,                                            \
		.help = "a bundle of the system set (e.g. `/etc/ssl/certs/ca-certificates.crt`) "  \
			"written into the bundle before the store's CAs, for the variables that "  \
			"replace their client's roots; copied again by every apply"                \
	}

struct env_bundle {
	struct pem_file f;
	bool has_sys;	 /* system_set: is configured */
	struct buf sys;	 /* its bytes */
	size_t nsys;	 /* its certificates */
	char *sys_shown; /* its in-root path */
};

/* Load the bundle (host, shown as for pem_file_load) and the store's system
 * set: f is then ready for pem_file_apply. -1 with err set. */
int env_bundle_load(struct env_bundle *b, const struct store_inst *s, const char *host,
		    const char *shown);
/* The same from the bundle's file as the engine loaded it (a file store). */
int env_bundle_from(struct env_bundle *b, const struct store_inst *s, const struct store_file *sf);
void env_bundle_dispose(struct env_bundle *b);
/* Read: the entries into out, and the reason the bundle must be written
 * again when the system set in it is not the file's (a line, or NULL; the
 * caller adds it with env_bundle_add_stale once out->stale is set). *nsys:
 * the system set's certificates, or SIZE_MAX when none is configured. */
int env_bundle_read(const struct store_inst *s, const char *host, const char *shown,
		    struct trust_set *out, char **stale, size_t *nsys);
/* Append line (freed) to out->stale. */
void env_bundle_add_stale(struct trust_set *out, char *line);

#endif
