/*
 * The rules of Go, Java, OpenSSL's security level (model/clientjudge.h) and
 * Chrome's name constraints, applied to the CAs a store holds, for the
 * clients that read that store:
 *   - system: Go (it reads the system bundle) and OpenSSL at level 2;
 *   - python: OpenSSL at level 2;
 *   - java: Java;
 *   - systemd-env and shell-env: by the variables they set (SSL_CERT_FILE and
 *     SSL_CERT_DIR: Go; SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE,
 *     GIT_SSL_CAINFO, PIP_CERT, AWS_CA_BUNDLE: OpenSSL at level 2);
 *   - nss and chrome-policy: Chrome's name constraints, against the hosts of
 *     the connects_to endpoints that use the store: an error for an endpoint
 *     outside them, a warning (a note) when none is.
 * A CA refused is an error of that store only (trust_set_ineffective).
 */
#ifndef TF_CLIENTREADERS_H
#define TF_CLIENTREADERS_H

#include "reconcile/plan.h"

/* The notes of the client rules start so (no store's own note does). */
#define CLIENT_NOTE_PREFIX "warning: "

void client_readers_store(struct plan_store *ps, const struct host_store *hs,
			  const struct config *cfg, const struct conf_role *const *roles,
			  size_t nroles);
/* Whether the env store cs sets var. */
bool client_env_sets(const struct conf_store *cs, const char *var);

#endif
