/*
 * What `openssl rehash DIR` (OpenSSL 3.0, apps/rehash.c) would leave in a
 * directory, computed without touching it: the subject-hash links
 * "<8 hex>.<n>" (".r<n>" for CRLs), with its collision numbering, its
 * reuse of existing link numbers, and its duplicate skipping.
 */
#ifndef TF_REHASH_H
#define TF_REHASH_H

#include "util/buf.h"
#include <stdbool.h>
#include <stddef.h>

struct rh_entry {
	const char *name;	/* directory entry name */
	bool is_link;
	const char *target;	/* readlink() text, for links */
};

struct rh_link {
	char *name;		/* "5ad8a5d6.0" */
	char *target;		/* the file name it points to */
};

/* Give the content of a directory entry (following links), or -1 if it cannot
 * be opened, as BIO_new_file would fail. */
typedef int (*rh_read_fn)(void *ctx, const char *name, struct buf *content);

/* entries need not be sorted. Returns the hash links that exist afterwards. */
void rehash_compute(const struct rh_entry *entries, size_t n, rh_read_fn read, void *ctx,
		    struct rh_link **out, size_t *nout);
void rehash_links_free(struct rh_link *links, size_t n);
/* True for names rehash treats as its own links: 8 hex digits, '.', [r] digits. */
bool rehash_is_hash_name(const char *name);

#endif
