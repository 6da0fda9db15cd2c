/*
 * The effect cache: the result of a check that runs an outside program to see
 * what a store's clients really do (the Python truststore check starts the
 * venv's interpreter; the caddy store runs `caddy validate`), kept beside the
 * read cache (<root>/var/cache/trustform/read/, 0700, files 0600, written
 * atomically) and keyed by a SHA-256 over everything that decides the result:
 * the program's identity (path, device, inode, size, mtime and ctime), the
 * files it reads (their content hashes or stat identities), who it runs as.
 * A key that differs in any byte is a miss and the check runs again; a cache
 * file that is not a regular file owned by this user and writable by no one
 * else, too large, or malformed is ignored, never trusted.
 *
 * Only the read-only commands (plan, show) reuse a result (effect_cache_use).
 * A run keeps the results of the checks it ran and writes them at its end:
 * an apply in which nothing failed (it makes the directory), a plan or show
 * into the directory an apply made (they create nothing). TRUSTFORM_READ_CACHE=off
 * turns both off. Beside the store interface: a store that has an effect
 * check builds the key itself.
 */
#ifndef TF_EFFECTCACHE_H
#define TF_EFFECTCACHE_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Whether this run may answer checks from the cache (plan and show). */
void effect_cache_use(bool on);
bool effect_cache_in_use(void);

struct effect_key {
	struct buf text; /* what the key hashes, line by line */
	char *id;	 /* which check of which store: names the cache file */
	bool usable;	 /* false once an input could not be taken: never cached */
};

/* kind: "python-truststore", "caddy-validate"; id: what it checks (a path). */
void effect_key_init(struct effect_key *k, const char *kind, const char *id);
void effect_key_dispose(struct effect_key *k);
/* A value the result depends on (an option, a uid). */
void effect_key_text(struct effect_key *k, const char *what, const char *value);
/* Bytes the result depends on, by SHA-256. */
void effect_key_bytes(struct effect_key *k, const char *what, const void *data, size_t len);
/* A file's identity by stat (following links), or that it is missing. */
void effect_key_stat(struct effect_key *k, const char *host_path);
/* A file's content (SHA-256, bounded read) and owner/mode, or that it is
 * missing; unreadable makes the key unusable. */
void effect_key_hash(struct effect_key *k, const char *host_path);
/* Every regular file directly in dir (sorted by name) by stat identity. */
void effect_key_dir(struct effect_key *k, const char *host_dir);

/* 0 and *result (the caller frees it; *len bytes, NUL-terminated) when the
 * cache under root holds this check's result for exactly this key and the
 * run may use it; -1 otherwise. */
int effect_cache_load(const char *root, const struct effect_key *k, char **result, size_t *len);
/* Remember a result of this run, for effect_cache_flush. */
void effect_cache_save(const char *root, const struct effect_key *k, const void *result,
		       size_t len);
/* Write the results this run remembered (best effort: a failure only costs
 * speed later). create: make the cache directory (an apply in which nothing
 * failed); else only into one that exists (plan and show create nothing). */
void effect_cache_flush(bool create);
/* Drop them (a run that writes nothing). */
void effect_cache_forget(void);

#endif
