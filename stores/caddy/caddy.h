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
	bool other_ca;		     /* ca is not the section's: a rotation's new root */
	char *stop, *start, *reload; /* shell commands, or NULL when not to run */
	const char *root;	     /* --root, "" for / */
};

/* The options of the configured caddy store (the caddy: section). */
void caddy_opts_load(struct caddy_opts *o, const struct conf_store *cs, const char *root);
void caddy_opts_dispose(struct caddy_opts *o);
/* Caddy's current root of CA o->ca, checked to be one self-signed CA
 * certificate; *where gets its in-root path. -1 with err set. */
int caddy_root_load(const struct caddy_opts *o, struct cert **out, char **where);

/* How the sha256: pin of the CA marked `caddy: <id>` stands with the root. */
enum caddy_pin {
	CADDY_PIN_NONE,	   /* no pin */
	CADDY_PIN_CURRENT, /* the exported root's */
	CADDY_PIN_OTHER,   /* another root's (the previous one) */
	CADDY_PIN_INVALID, /* not a pin (the loader said why) */
};

/* What the export operation found (caddy_export.c). */
struct caddy_export {
	char *ca_id;		  /* the caddy: section's ca ("local") */
	struct cert *root;	  /* Caddy's current root of that CA */
	char *where;		  /* its in-root path */
	const struct conf_ca *ca; /* the CA marked `caddy: <ca_id>`, or NULL */
	bool out_is_ca_file;	  /* out_file is now the file that CA reads */
	enum caddy_pin pin;	  /* that CA's pin (CADDY_PIN_NONE without a CA) */
};

/* `trustform caddy export-root`: check the caddy: section as the registry
 * does (its findings into d), read Caddy's current root of CA ca_id (NULL:
 * the section's ca; another id: a second CA of Caddy's pki, the new root of
 * a rotation) from its data directory under root, and write it as PEM to
 * out_file (atomically), unless that is NULL. 0, or -1 with err set (and d's
 * errors, when the section has any). */
int caddy_export_root(struct caddy_export *e, struct config *cfg, const char *root,
		      const char *ca_id, const char *out_file, struct diag *d);
/* Whether id is a CA id as the caddy: section's ca option takes it. */
bool caddy_ca_id_ok(const char *id);
void caddy_export_dispose(struct caddy_export *e);
#endif
