/*
 * The read cache: what a store held after trustform's last full read of it,
 * keyed by the store's state_key (content hashes of everything the read
 * depends on). A plan with nothing to do then skips reads that are costly by
 * nature (an NSS database opens SQLite and walks every object; a PKCS#12
 * truststore needs two PBKDF2 derivations) without ever trusting a guess: a
 * different key is a miss and a full read. Only apply writes the cache.
 */
#ifndef TF_READCACHE_H
#define TF_READCACHE_H

#include "model/model.h"
#include "stores/store.h"

/* The key of an instance now, hex; NULL when the store has none. */
char *readcache_key(struct store_inst *s);
/* 0 and out filled when the cache holds this instance's state for key (and
 * the instance's want_flags as its full read left them). */
int readcache_load(const char *root, struct store_inst *s, const char *key, struct trust_set *out);
/* Remember a full read (best effort: a failure only costs speed later). */
void readcache_save(const char *root, const struct store_inst *s, const char *key,
		    const struct trust_set *set);

#endif
