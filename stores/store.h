/*
 * The store interface (curl's struct Curl_ssl, one const table per backend).
 *
 * A configured store (`stores:` entry) has a type; its type table declares the
 * options it takes and expands it on this host into one or more instances (the
 * system store into the distro's backend, an nss store into one instance per
 * database). An instance reads what it holds into a trust_set and applies the
 * plan steps the planner made for it. Instances never diff.
 */
#ifndef TF_STORE_H
#define TF_STORE_H

#include "model/model.h"
#include "schema/config.h"
#include "schema/diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct plan_store;

/* What a backend can express; checked by the planner before anything is written. */
enum store_caps {
	STORE_CAN_DISTRUST = 1 << 0,	/* can hold a certificate marked distrusted */
	STORE_HAS_TRUST_FLAGS = 1 << 1,	/* entries carry trust flags (NSS) */
};

enum skey_kind {
	SKEY_STRING,
	SKEY_PATH,	/* absolute path, resolved under --root */
	SKEY_BOOL,
	SKEY_LIST,	/* list of strings */
	SKEY_ENUM,	/* one of choices */
};

struct store_key {
	const char *name;
	enum skey_kind kind;
	bool required;
	const char *const *choices;	/* SKEY_ENUM, and allowed list items for SKEY_LIST */
	const char *help;
};

/* Everything a store needs to know about this run. */
struct run_ctx {
	const char *root;	/* "" for /, else the --root directory */
	const char *host;
	time_t now;
	const struct config *cfg;
};

struct store_inst;

struct store_ops {
	const char *name;		/* type name in the config, or backend name */
	unsigned caps;
	const struct store_key *keys;	/* options of the type, NULL-name terminated */
	/* Checks beyond the option types, at load time. */
	void (*validate)(const struct conf_store *cs, struct diag *d);
	/* Expand a configured store into instances on this host. Returns 0, or -1
	 * with err set (the store is then reported as failed, others go on). */
	int (*open)(const struct conf_store *cs, const struct run_ctx *ctx,
		    struct store_inst ***out, size_t *nout);
	int (*read)(struct store_inst *s, struct trust_set *out);
	/* Optional: a key that changes whenever anything `read` depends on
	 * changes (content hashes of the store's files, their owners and modes,
	 * the options read uses), much cheaper than reading. A plan then reuses
	 * the last full read made by apply when the key is the same. -1: none. */
	int (*state_key)(struct store_inst *s, struct buf *key);
	/* Optional: told every instance's steps before the first apply, so that a
	 * backend can work on many instances at once (the nss store runs a child
	 * per database, in parallel). apply is still called for each, in order. */
	void (*apply_begin)(struct store_inst *s, struct plan_store *ps);
	/* Carry out ps->steps; set each step's result; return -1 if any failed. */
	int (*apply)(struct store_inst *s, struct plan_store *ps);
	void (*free)(struct store_inst *s);
};

struct store_inst {
	const struct store_ops *ops;	/* the backend doing read/apply */
	const struct conf_store *conf;
	const struct run_ctx *ctx;
	char *address;		/* "system", "browsers[alice firefox default-release]" */
	char *title;		/* "system (debian)" */
	char *want_flags;	/* trust flags a present CA must carry, or NULL */
	/* What this instance manages ("system", a database or file path), so that
	 * two configured stores never manage one target and fight over it; NULL
	 * when the instance cannot collide with another. */
	char *key;
	bool read_cached;	/* this run takes its state from the read cache: no read */
	void *priv;
};

struct store_inst *store_inst_new(const struct store_ops *ops, const struct conf_store *cs,
				  const struct run_ctx *ctx, const char *address,
				  const char *title);
void store_inst_free(struct store_inst *s);

/* Registry of configurable types, NULL-terminated. */
extern const struct store_ops *const store_types[];
const struct store_ops *store_type_find(const char *name);

/* What open found worth saying that belongs to no instance ("user bob is not
 * in /etc/passwd", "no database found"): run_plan shows these as notes of the
 * configured store. store_notes_take hands over those made since its last call
 * (the caller frees each and the array) and returns how many. */
void store_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t store_notes_take(char ***out);

/* trustform's file names carry the CA's name and the first 12 hex digits of
 * its fingerprint: "<dir>/<name>-<sha256[:12]><suffix>". The name of such a
 * path (a valid config name), or NULL for any other path. */
char *store_managed_label(const char *path, const char *dir, const char *suffix);
/* The same for a file name "<prefix><name>-<sha256[:12]><suffix>". */
char *store_managed_name(const char *base, const char *prefix, const char *suffix);

/* For state_key: append a file's identity to key: owner, group, mode, size
 * and the SHA-256 of its content, or that it is missing. -1 if unreadable. */
int store_key_file(struct buf *key, const char *host_path);

extern const struct store_ops store_system;
extern const struct store_ops store_debian;
extern const struct store_ops store_pem_bundle;
extern const struct store_ops store_python;
extern const struct store_ops store_systemd_env;
extern const struct store_ops store_java;
extern const struct store_ops store_nss;

#endif
