/*
 * The store interface (curl's struct Curl_ssl, one const table per backend).
 *
 * A configured store (a `stores:` entry, or the top-level `caddy:` section)
 * has a *type*: the registry's table of its options, its extra checks, and
 * how it expands on this host into one or more *instances* (the system store
 * into the distro's backend, an nss store into one instance per database).
 * Each instance runs a *backend*: it reads what it holds into a trust_set and
 * applies the plan steps the planner made for it. Backends never diff.
 *
 * Backends come in kinds, and what a kind shares is done once, by the engine:
 *   - every backend: `read`, and `ops`, the operations it carries out (one
 *     bit per plan_op); the planner checks them once, at plan time, and
 *     refuses a step outside them with one text for every store;
 *   - a file store (`file`: struct store_file_kind; pem-bundle, shell-env,
 *     systemd-env, java, chrome-policy, python in both modes, registry,
 *     pip-config, npm-config, git-config, and the system store: Debian and
 *     the anchors families): the files and links it owns, render(steps, what
 *     each holds now), optionally derive (what follows from the sources: a
 *     bundle, hash links) and changed (hooks, an extract command);
 *     reconcile/apply_files.c loads, compares-and-swaps, writes everything
 *     through one confined transaction, commits and ends the steps;
 *   - an entry store (`entries`: struct store_entry_kind, NSS): the
 *     operations add, remove and set-trust, each compare-and-swapping one
 *     entry and returning a code; reconcile/apply_entries.c maps the steps
 *     onto them, hands a store all of its operations at once (in parallel
 *     with the other stores') and ends the steps from the codes;
 *   - any other store (caddy): its own `apply`, under the contract below.
 *
 * Every runtime error of a store (open, read, a refused or failed step, apply,
 * trust that will not take effect) reaches the output through the engine's one
 * helper, plan_store_error (reconcile/plan.h), which names where the store is
 * configured.
 *
 * A NULL slot means only "this optional step is absent"; the generic code
 * (schema/storeopts.c, reconcile/) owns the NULL checks.
 *
 * Failure contract (libgit2's), one for every store; outcomes follow from
 * codes, never from the words of a message:
 *   - a step ends with a code (model/step.h): plan_step_end, or
 *     plan_step_fail_err with the current error, which the step takes;
 *     TF_EMODIFIED (err_modified: what the plan saw is not there any more)
 *     makes it stale, "run trustplan again", any other failure failed;
 *   - a step that fails fails alone: it changes nothing, and the store still
 *     carries out and commits its other steps (each compares-and-swaps its
 *     own entry); the next plan shows what is left;
 *   - a whole-store failure returns -1 with util/err set and leaves the steps
 *     it did not get to pending: the applier (reconcile/apply.c,
 *     apply_settle) fails them with that error and its code, or makes it the
 *     store's apply error when none is pending.
 */
#ifndef TF_STORE_H
#define TF_STORE_H

#include "model/model.h"
#include "model/step.h"
#include "schema/config.h"
#include "schema/diag.h"
#include "schema/resolve.h"
#include "stores/storekind.h" /* the file and entry kinds */
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

struct plan_store;
struct store_inst;

/* The operations a backend carries out: one bit per enum plan_op
 * (model/step.h) in its `ops`. The planner checks them once, at plan time:
 * where it has a choice it takes what the store can do (retrust a foreign
 * entry rather than add one, add a CA marked distrusted or not at all), and a
 * step the store cannot carry out is refused there, with one text for every
 * store; apply never hands it to the backend. */
#define STORE_OP(op) (1u << (unsigned)(op))
/* Hold, drop and exchange CAs: what every store of CAs does. */
#define STORE_OPS_CA                                                                               \
	(STORE_OP(OP_ADD) | STORE_OP(OP_REMOVE) | STORE_OP(OP_REPLACE) | STORE_OP(OP_UPDATE))

/* What a backend's entries are (its operations are `ops`). */
enum store_caps {
	STORE_HAS_TRUST_FLAGS = 1 << 0, /* entries carry trust flags (NSS) */
};

enum store_option_kind {
	OPT_STRING,
	OPT_PATH, /* absolute path, resolved under --root */
	OPT_BOOL,
	OPT_LIST, /* list of strings */
	OPT_ENUM, /* one of choices */
};

enum store_option_flags {
	OPTF_NONEMPTY = 1 << 0, /* OPT_LIST: at least one item */
	/* choices are for the docs and the schema only: the type's validate
	 * checks the items itself, with messages that say more */
	OPTF_OWN_CHECK = 1 << 1,
};

/* One option a store type takes in the config. Its fields are also what
 * the generated docs say of it (tools/gendocs.c: the JSON Schema,
 * trust.yaml(5), the README); in help, `x` is a literal (a path when it
 * starts with '/' or '<'). */
struct store_option {
	const char *name;
	enum store_option_kind kind;
	bool required;
	const char *const *choices; /* OPT_ENUM, and allowed list items for OPT_LIST */
	const char *help;	    /* one line, lower case, no final period */
	const char *def;	    /* the default as written in YAML, or NULL */
	/* For the JSON Schema only: the pattern of the string, or of each item
	 * (the loader does not use it: a type's validate checks what it needs,
	 * with messages that say why) */
	const char *pattern;
	unsigned flags; /* enum store_option_flags */
};

/* What a store writes, for trust.yaml(5)'s FILES EACH STORE WRITES. */
struct store_files_doc {
	const char *when; /* "Debian, Ubuntu" for one family of hosts, or NULL */
	const char *text; /* one paragraph, with `x` as in help */
};

/* Everything a store needs to know about this run. */
struct run_ctx {
	const char *root; /* "" for /, else the --root directory */
	const char *host;
	time_t now;
	const struct config *cfg;
};

/* What a type's open found: the instances, and notes that belong to none of
 * them ("user bob is not in /etc/passwd"), shown with the configured store. */
struct store_open {
	struct store_inst **insts;
	size_t n, alloc;
	char **notes;
	size_t nnotes, notes_alloc;
};

/* Who reads a store's CAs, as its type declares it: the engine asks this
 * (store_reads, store_readers_of), never compares type names
 * (reconcile/clientreaders.c, clientrules.c, check.c, apply.c, consumers.c). */
enum {
	/* The host's system trust store: applied before every other store (an
	 * env store copies the bundle it writes); the host's Python 3.13+ (strict
	 * mode), Node with NODE_USE_SYSTEM_CA and a Caddy reading the system roots
	 * read it; an endpoint it refuses puts the distribution's own set in
	 * question. */
	STORE_READ_SYSTEM = 1u << 0,
	/* Its `env:` option lists the variables (SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
	 * ...) that point their readers (Go, OpenSSL's clients, Python) at its
	 * bundle. */
	STORE_READ_ENV = 1u << 1,
	/* Read by the Python of the venv its `venv` option names (strict mode
	 * from 3.13 on, as its pyvenv.cfg says). */
	STORE_READ_VENV_PYTHON = 1u << 2,
	/* Its clients take an anchor by OpenSSL's default chain rule (an
	 * intermediate without its root is none). */
	STORE_READ_OPENSSL_CHAIN = 1u << 3,
	/* Read by Chrome and Chromium, which hold a root's name constraints
	 * for every host. */
	STORE_READ_CHROME = 1u << 4,
	/* Read by Node when its `env:` lists NODE_EXTRA_CA_CERTS (beside Node's
	 * bundled roots) or NODE_USE_SYSTEM_CA (with the system store). */
	STORE_READ_NODE = 1u << 5,
};

struct store_readers {
	unsigned flags;	  /* STORE_READ_* */
	unsigned clients; /* CLIENT_* (model/clientjudge.h) reading every CA of it as an anchor */
	const char *how;  /* through what, in words ("the system bundle"), with clients */
};

/* A configurable store type: what the registry holds. */
struct store_type {
	/* `type:` in the config ("system", "nss", …; "caddy" for the caddy: section). */
	const char *name;
	/* The top-level key that configures the one store of this type ("caddy"),
	 * or NULL for a type written as a `stores:` entry; such a type is not
	 * among the known types of a `stores:` entry, and --target names it by
	 * this key. */
	const char *section;
	/* The options it takes, NULL-name terminated; checked by the loader. */
	const struct store_option *options;
	/* Optional: checks beyond the options' kinds, at load time. */
	void (*validate)(const struct conf_store *cs, struct diag *d);
	/* Expand a configured store into instances on this host (store_open_add).
	 * 0, or -1 with err set: the store is reported as failed, others go on. */
	int (*open)(const struct conf_store *cs, const struct run_ctx *ctx, struct store_open *out);
	/* For the docs (tools/gendocs): what it manages, one line with `x` as in
	 * an option's help; the files it writes, NULL-text terminated; and for
	 * the JSON Schema, its rules between options as JSON members of the
	 * type's object ("oneOf": [...]), or NULL. */
	const char *summary;
	const struct store_files_doc *files;
	const char *schema_rules;
	/* Who reads its CAs (zero: no client the engine judges for it). */
	struct store_readers readers;
	/* Its instances fork worker processes that do not exec (libnss3, one
	 * per database): nothing may run in another thread while they start,
	 * or a worker can inherit a lock held there and wait on it forever. */
	bool forks_workers;
};

/* What an instance runs. */
struct store_backend {
	/* Shown in titles ("system (debian)") and part of the read cache's key. */
	const char *name;
	/* STORE_OP bits: the operations it carries out (checked at plan time). */
	unsigned ops;
	/* enum store_caps bits. */
	unsigned caps;
	/* Read what the store holds into out. 0, or -1 with err set. */
	int (*read)(struct store_inst *s, struct trust_set *out);
	/* Optional: append a key that changes whenever anything `read` depends on
	 * changes (content hashes of the store's files, their owners and modes,
	 * the options read uses), much cheaper than reading; a plan then reuses
	 * the last full read made by apply when the key is the same. -1: none now.
	 * A key may identify files by stat (store_state_key_stat) instead of by
	 * content, when reading is costly by parsing rather than by I/O. */
	int (*state_key)(struct store_inst *s, struct buf *key);
	/* Carry out ps->steps, ending each with its code (see the failure
	 * contract above). 0; or -1 with err set when the store failed as a whole
	 * (steps still pending are failed with that error by the applier).
	 * NULL for a file or entry store: the engine applies it through its kind. */
	int (*apply)(struct store_inst *s, struct plan_store *ps);
	/* A file store: what it supplies (above); NULL for the others. */
	const struct store_file_kind *file;
	/* An entry store (NSS): its operations (above); NULL for the others. */
	const struct store_entry_kind *entries;
	/* Optional: free s->priv. */
	void (*free)(struct store_inst *s);
};

/* A systemd service whose processes read the store when they start: a change
 * reaches them only once they restart (or reload, where that re-reads it).
 * The engine (reconcile/consumers.c) adds the ones declared under consumers:
 * and the ones it infers (a Caddy that reads the store). */
struct store_consumer {
	char *unit; /* "caddy.service" */
	enum consumer_action on_change;
	char *source; /* why it is a consumer, for the plan */
	char **env;   /* "NAME=value" its running process must carry, or NULL */
	size_t nenv;
	bool manual; /* the operator restarts it (restart: false): apply does not */
};

/* A store whose program is itself a client of other stores (Caddy as a
 * reverse proxy): its service, and what it reads. */
struct store_client {
	char *unit;	   /* "caddy.service" */
	bool system_roots; /* reads the system store once per process: restart */
	char **files;	   /* in-root paths of bundles it reads: reload re-reads them */
	size_t nfiles;
	char *files_from; /* where the files are named ("/etc/caddy/Caddyfile") */
};

struct store_inst {
	const struct store_backend *backend; /* the backend doing read/apply */
	const struct conf_store *conf;
	const struct run_ctx *ctx;
	char *address;	  /* "system", "browsers[alice firefox default-release]" */
	char *title;	  /* "system (debian)" */
	char *want_flags; /* trust flags a present CA must carry, or NULL */
	/* What this instance manages ("the system trust store", a database or
	 * file), so that two configured stores never manage one target and fight
	 * over it; NULL when the instance cannot collide with another. */
	char *target;
	bool read_cached; /* this run takes its state from the read cache: no read */
	/* For state_key (set by the read cache): a file whose mtime or ctime is
	 * not older than key_since (ns since the epoch) less the coarsest
	 * timestamp granularity is keyed by content too (racy-git's rule: a change
	 * made in the same tick as the read leaves its stat as it was); key_racy
	 * counts them. */
	long long key_since;
	size_t key_racy;
	/* The key taken just before this run's full read (apply saves the read
	 * under it), or NULL. */
	char *read_key;
	long long read_key_since;
	/* The one slot through which a store learns the desired state: the CAs
	 * the host's roles give it, set by the engine before read (a store that
	 * judges what it holds against them, chrome-policy, reads them here
	 * instead of resolving the host itself). NULL when no run set it; then
	 * store_desired resolves the host. */
	const struct host_store *desired;
	struct store_consumer *consumers; /* store_inst_add_consumer */
	size_t nconsumers;
	struct store_client *client; /* the instance is a client of other stores, or NULL */
	void *priv;
};

struct store_inst *store_inst_new(const struct store_backend *backend, const struct conf_store *cs,
				  const struct run_ctx *ctx, const char *address,
				  const char *title);
void store_inst_free(struct store_inst *s);
/* Add a consumer (source: why); the same unit twice keeps one, and restart
 * wins over reload. Returns it, for env. */
struct store_consumer *store_inst_add_consumer(struct store_inst *s, const char *unit,
					       enum consumer_action on_change, const char *source);
void store_client_free(struct store_client *c);

void store_open_init(struct store_open *o);
/* Free what is left in o: instances not taken, and notes. */
void store_open_dispose(struct store_open *o);
void store_open_add(struct store_open *o, struct store_inst *s);
void store_open_note(struct store_open *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Registry of configurable types, NULL-terminated; those with a section
 * (caddy) are configured by their top-level section, not under stores:. */
extern const struct store_type *const store_types[];
const struct store_type *store_type_find(const char *name);
/* What the configured store's type declares of its readers (none for a
 * store the loader did not check), and whether it has flag (STORE_READ_*). */
const struct store_readers *store_readers_of(const struct conf_store *cs);
bool store_reads(const struct conf_store *cs, unsigned flag);
/* The store's type forks workers that do not exec (store_type.forks_workers). */
bool store_forks_workers(const struct conf_store *cs);

/* trustform's file names carry the CA's name and the first 12 hex digits of
 * its fingerprint: "<dir>/<name>-<sha256[:12]><suffix>". The name of such a
 * path (a valid config name), or NULL for any other path. */
char *store_managed_label(const char *path, const char *dir, const char *suffix);
/* The same for a file name "<prefix><name>-<sha256[:12]><suffix>". */
char *store_managed_name(const char *base, const char *prefix, const char *suffix);

/* For state_key: append a file's identity to key: owner, group, mode, size
 * and the SHA-256 of its content, or that it is missing. -1 if unreadable. */
int store_state_key_file(struct buf *key, const char *host_path);
/* For state_key: a file's identity by stat, following links (device, inode,
 * mode, owner, group, size, mtime and ctime in ns), or that it is missing;
 * with the SHA-256 of its content too when it is racy (see key_since). st:
 * its stat when the caller has it, or NULL. -1 if it cannot be stat'ed or a
 * racy one read. */
int store_state_key_stat(struct store_inst *s, struct buf *key, const char *host_path,
			 const struct stat *st);
/* The granularity margin of the racy rule: 2 s (FAT; ext3 and HFS+ keep
 * seconds, and the kernel stamps files from a clock a tick behind). */
#define STORE_KEY_RACY_NS 2000000000LL

#endif
