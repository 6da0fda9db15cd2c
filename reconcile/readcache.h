/*
 * The read cache: what a store held after trustform's last full read of it,
 * keyed by the store's state_key (content hashes or stat identities of
 * everything the read depends on). A plan with nothing to do then skips reads that are costly by
 * nature (an NSS database opens SQLite and walks every object; a PKCS#12
 * truststore needs two PBKDF2 derivations) without ever trusting a guess: a
 * different key is a miss and a full read. Only apply writes the cache.
 */
#ifndef TF_READCACHE_H
#define TF_READCACHE_H

#include "model/model.h"
#include "stores/store.h"

/* The time a key is taken at (ns since the epoch, CLOCK_REALTIME). */
long long readcache_now(void);
/* The key of an instance now, hex; NULL when the store has none. since: the
 * time the key is taken at (readcache_now), or the one it is compared with:
 * a stat-keyed file changed within the timestamp granularity of it is keyed
 * by content too (stores/store.h, key_since). */
char *readcache_key(struct store_inst *s, long long since);
/* 0 and out filled when the cache holds this instance's state for its key now
 * (and the instance's want_flags as its full read left them). A hit whose key
 * held racy files is keyed again once they are old enough, and rewritten
 * (into the directory an apply made) so that later plans hash nothing. */
int readcache_load(const char *root, struct store_inst *s, struct trust_set *out);
/* Remember a full read under the key taken (at since) just before it (best
 * effort: a failure only costs speed later); a record that still holds the
 * instance's state now is left as it is. */
void readcache_save(const char *root, struct store_inst *s, const char *key, long long since,
		    const struct trust_set *set);

#endif
