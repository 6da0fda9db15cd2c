/*
 * The trust inventory as a CycloneDX 1.6 CBOM (cryptography bill of
 * materials): one `cryptographic-asset` component of assetType `certificate`
 * per certificate (bom-ref "cert:sha256:<hex>", the SHA-256 of its DER in
 * `hashes`), with each store that holds it as an occurrence in its evidence;
 * the signature algorithms (assetType `algorithm`, bom-ref "alg:<oid>") and
 * each certificate's public key (`related-crypto-material`, bom-ref
 * "key:sha256:<certificate's hex>") as components the certificates refer to.
 *
 * One path for both commands: `trustform show` turns each entry a store holds
 * into the plan's "certificates" item (cbom_entry_json, format_version 1.4)
 * and `trustform report` reads the same items from the collected plans; both
 * add them here with cbom_add_json.
 */
#ifndef TF_CBOM_H
#define TF_CBOM_H

#include "model/model.h"
#include "util/hex.h"
#include "util/strmap.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

struct cbom_place {
	char *host;
	char *store; /* the store's address */
	char *where; /* file, nickname or block */
	char *state; /* trusted, distrusted, inert */
	bool owned;
};

struct cbom_cert {
	char *sha256;		      /* 64 lower-case hex digits (the index's key) */
	char *subject, *issuer;	      /* NULL: not known */
	char *not_before, *not_after; /* RFC 3339, or NULL */
	char *sig_name, *sig_oid;     /* sha256WithRSAEncryption, 1.2.840.113549.1.1.11 */
	char *key_name, *key_oid;     /* rsaEncryption, 1.2.840.113549.1.1.1 */
	char *key_curve;	      /* EC: prime256v1; else NULL */
	long long key_bits;	      /* 0: not known */
	struct cbom_place *places;
	size_t nplaces;
};

struct cbom {
	struct cbom_cert *certs;
	size_t n, alloc;
	struct strmap index; /* sha256 -> position */
};

void cbom_init(struct cbom *b);
void cbom_dispose(struct cbom *b);

/* An entry of a store as the plan's "certificates" item: sha256, where,
 * owned, state, subject, issuer, not_before, not_after, signature_algorithm
 * {name, oid}, public_key {algorithm, oid, bits, curve}; what is not known
 * (an entry trustform could not parse) is null. */
json_t *cbom_entry_json(const struct trust_entry *e);

/* Add such an item, found in store of host. 0, or -1 when o is not one (its
 * sha256 missing or not 64 hex digits, a field of the wrong type or form). */
int cbom_add_json(struct cbom *b, const char *host, const char *store, json_t *o);

/* The stores' certificates of a plan document (`trustplan --json`, format
 * 1.3), as found on host. 0, or -1 with *why (allocated) saying what is wrong
 * and how to fix it: a store that was read lists none (an older plan), or an
 * item is not one; the items before it are kept. */
int cbom_add_plan_json(struct cbom *b, const char *host, const json_t *doc, char **why);

/* What each store of a plan holds (host's stores as read), through the same
 * items; stores that could not be read and damaged entries are left out. */
struct plan;
void cbom_add_plan(struct cbom *b, const char *host, const struct plan *p);

/* The CycloneDX 1.6 JSON document. host: the machine it describes
 * (metadata.component), or NULL for a fleet. */
void cbom_render(FILE *out, const struct cbom *b, const char *host, time_t now);

#endif
