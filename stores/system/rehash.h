/*
 * What `openssl rehash DIR` (OpenSSL 3.0, apps/rehash.c) would leave in a
 * directory, computed without touching it: the subject-hash links
 * "<8 hex>.<n>" (".r<n>" for CRLs), with its collision numbering, its
 * reuse of existing link numbers, and its duplicate skipping.
 */
#ifndef TF_REHASH_H
#define TF_REHASH_H

#include <stdbool.h>
#include <stddef.h>

struct rh_entry {
	const char *name; /* directory entry name */
	bool is_link;
	const char *target; /* readlink() text, for links */
};

struct rh_link {
	char *name;   /* "5ad8a5d6.0" */
	char *target; /* the file name it points to */
};

/* What rehash makes of one file: nothing, or one certificate or CRL. */
struct rh_info {
	enum { RH_SKIP, RH_CERT, RH_CRL } kind;
	unsigned long hash;	/* subject (CRL: issuer) name hash */
	unsigned char sha1[20]; /* digest that tells duplicates apart */
};

/* Describe a directory entry (following links) with a recognised extension.
 * A caller that knows the content may answer without reading it; otherwise
 * rehash_info_from_bytes does what `openssl rehash` does with the bytes. */
typedef void (*rh_info_fn)(void *ctx, const char *name, struct rh_info *out);
void rehash_info_from_bytes(const void *data, size_t len, struct rh_info *out);

/* entries need not be sorted. Returns the hash links that exist afterwards. */
void rehash_compute(const struct rh_entry *entries, size_t n, rh_info_fn info, void *ctx,
		    struct rh_link **out, size_t *nout);
void rehash_links_free(struct rh_link *links, size_t n);
/* True for names rehash treats as its own links: 8 hex digits, '.', [r] digits. */
bool rehash_is_hash_name(const char *name);

#endif
