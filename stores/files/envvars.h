/*
 * The environment variables trustform knows how to point a program's TLS
 * trust at, and what each must hold. Shared by the stores that set
 * variables (systemd-env; a shell-env store would use the same table).
 */
#ifndef TF_ENVVARS_H
#define TF_ENVVARS_H

#include "model/model.h"
#include "schema/config.h"
#include "schema/diag.h"

#include <stdbool.h>
#include <stddef.h>

struct store_inst;

enum envvar_kind {
	ENVVAR_FILE, /* the path of a PEM bundle */
	ENVVAR_DIR,  /* a directory of OpenSSL hashed links (<hash>.0) */
	ENVVAR_FLAG, /* a fixed value that switches trust on */
};

/* What the variable does to the client's roots. */
enum envvar_roots {
	ENVVAR_ADDS,	 /* the bundle (or the system store) is added to its own */
	ENVVAR_REPLACES, /* the bundle is all it trusts */
	/* the bundle takes the place of the system bundle file; the client still
	 * reads the hashed directory of the system store (/etc/ssl/certs) */
	ENVVAR_REPLACES_FILE,
};

struct envvar {
	const char *name;
	enum envvar_kind kind;
	const char *flag; /* ENVVAR_FLAG: the only value that works */
	enum envvar_roots roots;
	const char *who;     /* who reads it, for messages */
	const char *restart; /* when a change reaches the client, for the docs */
	const char *proof;   /* the test that proves it with the client, for the docs */
};

/* The names env: of a bundle store takes (files and flags, in the table's
 * order), NULL-terminated: the option's documented choices. */
extern const char *const envvar_bundle_choices[];
/* The env: and bundle: options of such a store (struct store_option). */
#define ENVVAR_OPT_ENV                                                                             \
	{                                                                                          \
		.name = "env", .kind = OPT_LIST, .required = true,                                 \
		.choices = envvar_bundle_choices, .flags = OPTF_NONEMPTY | OPTF_OWN_CHECK,         \
		.help = "the variables to point at the bundle"                                     \
	}
#define ENVVAR_OPT_BUNDLE                                                                          \
	{                                                                                          \
		.name = "bundle", .kind = OPT_PATH,                                                \
		.help = "the bundle file (default `/etc/trustform/bundles/<store>.pem`)"           \
	}
/* The i-th known variable (the table's order), or NULL past the last. */
const struct envvar *envvar_at(size_t i);
/* The known variable called name, or NULL. */
const struct envvar *envvar_find(const char *name);
/* The known name closest to name (a typo), or NULL. */
const char *envvar_suggest(const char *name);
/* The known names, ", "-separated, of the kinds in mask (1 << ENVVAR_FILE | ...). */
void envvar_list(unsigned mask, char *out, size_t size);
/* The value a variable must hold: the flag, or the path given. */
const char *envvar_value(const struct envvar *v, const char *path);

/* A setting that turns TLS verification off: bad == NULL means any value;
 * safe is a value that switches verification back on (NULL: only unsetting
 * the variable does). */
struct envvar_insecure {
	const char *name, *bad, *safe, *why;
};
#define ENVVAR_MAX_INSECURE 16
/* The insecure setting name=value is, or NULL. */
const struct envvar_insecure *envvar_insecure_find(const char *name, const char *value);
bool envvar_insecure_named(const char *name);

/* The `env:` option of a store that points variables at one bundle file:
 * known names (did you mean), no directory variable, no duplicates. */
void envvar_validate_env(const struct conf_store *cs, struct diag *d);
/* NODE_USE_SYSTEM_CA=1 among env makes Node read the system store, not the
 * bundle: each present CA of the store must be one a system store of the host
 * is configured with, or the trust is ineffective (said in out). */
void envvar_check_system_ca(const struct store_inst *s, char *const *env, size_t nenv,
			    struct trust_set *out);

/* A plan note for each path-valued variable of env: whether it adds the
 * bundle to its client's roots or replaces them, and then with what: the
 * store's CAs, and whatever other certificates out (the bundle as read)
 * holds, such as a system set someone put there; nsys: the certificates of
 * the store's system_set, SIZE_MAX when it has none. */
void envvar_note_replaces(const struct store_inst *s, char *const *env, size_t nenv,
			  const char *bundle, size_t nsys, struct trust_set *out);

#endif
