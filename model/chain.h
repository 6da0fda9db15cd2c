/*
 * Chain checks between certificates trustform holds (Caddy's PKI: is the
 * intermediate issued by the current root, do the leaves still chain to it),
 * by OpenSSL, as a TLS client checks. model/verify.h judges chains servers
 * send, for a store's clients.
 */
#ifndef TF_CHAIN_H
#define TF_CHAIN_H

#include "model/cert.h"

#include <stdbool.h>

/* issuer's key signed c, and the names and key identifiers agree. */
bool cert_issued_by(const struct cert *c, const struct cert *issuer);
/* chain (leaf first, as stored with it) plus inter (may be NULL) leads to
 * root by signatures; validity dates are not checked. */
bool cert_chains_to_root(const struct cert_list *chain, const struct cert *inter,
			 const struct cert *root);

#endif
