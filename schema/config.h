/*
 * The desired-state file (SPEC §2), loaded and validated. Every value keeps
 * the line and column it came from so any later error can point at it. CA
 * files are loaded and checked here, before any store is read.
 */
#ifndef TF_CONFIG_H
#define TF_CONFIG_H

#include "schema/consumers.h"
#include "schema/diag.h"
#include "schema/pos.h"
#include "schema/yamltree.h"
#include "util/hex.h"
#include "util/strmap.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct cert;
struct store_type;

enum ensure { ENSURE_PRESENT, ENSURE_ABSENT, ENSURE_DISTRUSTED };

struct conf_ca {
	char *name;
	struct pos pos;
	char *file;	 /* as written */
	char *file_path; /* host path it was read from */
	struct pos file_pos;
	char *pin; /* as written, or NULL */
	struct pos pin_pos;
	bool pin_ok; /* pin parsed (schema/pin.h) into pin_fp */
	unsigned char pin_fp[FP_LEN];
	enum ensure ensure;
	char *caddy;	   /* Caddy CA id this must equal, or NULL */
	struct cert *cert; /* loaded; NULL if it failed to load */
	/* accept_breaking: the connects_to URLs this CA's removal or distrust
	 * may break (reconcile/check.h: apply refuses the step otherwise) */
	char **accept_breaking;
	size_t naccept;
	const struct ynode *accept_node; /* the list, for diagnostics */
	/* replaces: the CA this one takes over from in a staged rotation
	 * (reconcile/rotation.h), or NULL; replaced is it in config.cas once
	 * the file is valid */
	char *replaces;
	const struct ynode *replaces_node;
	const struct conf_ca *replaced;
};

struct conf_store {
	char *name;
	struct pos pos;
	char *type;
	const struct store_type *store_type; /* set by config_load_opts.check_store */
	const struct ynode *node;	     /* the store's mapping, for its options */
	const char *config_file;
	bool section;			 /* the top-level caddy: section, not a stores: entry */
	struct conf_consumers consumers; /* declared under consumers: */
};

struct conf_caddy {
	bool present;
	struct pos pos;
	const struct ynode *node;
	struct conf_store store; /* the configured store of type "caddy" */
};

struct conf_endpoint;

struct conf_role {
	char *name;
	struct pos pos;
	size_t *cas; /* indexes into config.cas */
	size_t ncas;
	size_t *stores; /* indexes into config.stores */
	size_t nstores;
	bool caddy;
	struct conf_endpoint *endpoints; /* connects_to: (schema/endpoint.h) */
	size_t nendpoints;
};

struct conf_host {
	char *pattern;
	struct pos pos;
	size_t *roles;
	size_t nroles;
};

struct config {
	char *path; /* as given */
	char *dir;  /* directory CA paths are relative to */
	char *root; /* --root ("" for /) */
	struct ynode *tree;
	int version;
	struct conf_ca *cas;
	size_t ncas;
	struct conf_store *stores;
	size_t nstores;
	struct conf_caddy caddy;
	struct conf_role *roles;
	size_t nroles;
	struct conf_host *hosts;
	size_t nhosts;
	struct strmap ca_index, store_index, role_index; /* name -> index */
	unsigned char digest[32];			 /* SHA-256 of the file's bytes */
	char *origin; /* "trust.yaml" or "git URL @ commit", for headers */
};

/*
 * Where the CA files a config names are read from: the file system by default
 * (relative to the config's directory, absolute under --root); a config from
 * git reads them from its commit (schema/gitsource.c). read returns 0, or -1
 * with err set; *where gets the file's full name for messages (caller frees).
 */
struct buf;
struct config_files {
	int (*read)(const struct config_files *f, const struct config *cfg, const char *file,
		    struct buf *out, char **where);
	void *arg;
};
extern const struct config_files config_files_fs;

struct config_load_opts {
	const char *root; /* "" or the --root directory */
	time_t now;
	const struct config_files *files; /* NULL: the file system */
	/* Every CA must carry a sha256 pin (a config from git): why, for the message. */
	const char *require_pins;
	/* Resolve a configured store's type and check its options (the store
	 * registry's store_conf_check): schema/ knows YAML, not the store types. */
	void (*check_store)(struct conf_store *cs, struct diag *d);
};

/* Load and validate; returns NULL when the file cannot be parsed at all.
 * A config with diag->errors > 0 must not be used to change anything. */
struct config *config_load(const char *path, const struct config_load_opts *opts, struct diag *d);
struct config *config_load_buffer(const char *name, const char *dir, const char *data, size_t len,
				  const struct config_load_opts *opts, struct diag *d);
void config_free(struct config *c);

const struct conf_ca *config_find_ca(const struct config *c, const char *name);
/* A stores: entry by name, or else the caddy: section's store ("caddy"). */
const struct conf_store *config_find_store(const struct config *c, const char *name);

/* Names from the config: [A-Za-z0-9._-], starting with a letter or digit. */
bool config_name_ok(const char *s);
const char *ensure_name(enum ensure e);
/* Whether ca's accept_breaking lists the endpoint URL. */
bool conf_ca_accepts_break(const struct conf_ca *ca, const char *url);

/* Typed access to a store's options (validated already by the loader). */
const char *conf_store_str(const struct conf_store *s, const char *key);
bool conf_store_bool(const struct conf_store *s, const char *key, bool dflt);
const struct ynode *conf_store_node(const struct conf_store *s, const char *key);

#endif
