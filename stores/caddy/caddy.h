/*
 * The caddy store: the top-level `caddy:` section of the config, which
 * schema/config.c turns into a configured store of this type for roles with
 * `caddy: true`. caddy_int.h is private to stores/caddy/.
 */
#ifndef TF_CADDY_H
#define TF_CADDY_H

#include "model/cert.h"
#include "stores/store.h"

#include <stdbool.h>

extern const struct store_type store_type_caddy;

struct caddy_opts {
	char *ca;		     /* CA id; "local" by default, as Caddy's */
	char *data_dir;		     /* in-root path, as configured */
	char *caddyfile;	     /* in-root path, or NULL */
	char *json;		     /* in-root path, or NULL */
	char *lifetime;		     /* intermediate_lifetime as configured, or NULL */
	char *binary;		     /* in-root path of the caddy binary */
	bool binary_set;	     /* configured, rather than the default */
	char *stop, *start, *reload; /* shell commands, or NULL when not to run */
	const char *root;	     /* --root, "" for / */
};

/* The options of the configured caddy store (the caddy: section). */
void caddy_opts_load(struct caddy_opts *o, const struct conf_store *cs, const char *root);
void caddy_opts_dispose(struct caddy_opts *o);
/* Caddy's current root of CA o->ca, checked to be one self-signed CA
 * certificate; *where gets its in-root path. -1 with err set. */
int caddy_root_load(const struct caddy_opts *o, struct cert **out, char **where);
#endif
