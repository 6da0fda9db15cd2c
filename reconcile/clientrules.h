/*
 * A CA that the clients of a store will refuse is trust that does not take
 * effect there: for each CA the configuration puts in a store, judged by the
 * rules of the clients that read that store, an error of that store (not of
 * the others) naming the client, what the CA lacks, and how to reissue it.
 *
 * The rules:
 *   - Python 3.13+ verifies with OpenSSL's strict mode (model/strict.h); its
 *     clients are the python store's (either mode) and, when the host has
 *     Python 3.13 or later, the system store's: an error of those stores.
 *   - OpenSSL's default chain rule (anchor_judge): an intermediate whose root
 *     the store does not hold is no anchor for OpenSSL's clients without
 *     partial-chain (openssl s_client, Node.js, Python before 3.13; curl and
 *     Python 3.13+ set it): an error of the system store; a warning (a note)
 *     of the python and pem-bundle stores, whose other clients may not.
 *   - Go, Java, OpenSSL's security level and Chrome's name constraints:
 *     reconcile/clientreaders.h.
 */
#ifndef TF_CLIENTRULES_H
#define TF_CLIENTRULES_H

#include "reconcile/plan.h"

/* roles: the host's (their connects_to endpoints); root: the --root tree
 * ("" or NULL for /), for the host's Python. */
void client_rules_store(struct plan_store *ps, const struct host_store *hs,
			const struct config *cfg, const struct conf_role *const *roles,
			size_t nroles, const char *root);

#endif
