/*
 * Would a client of a store accept a chain a server sent? OpenSSL's verifier
 * decides, with the store's trusted CAs as the only anchors, the host name or
 * IP address the client dials, our clock, and Debian's security level; this
 * file turns a refusal into its cause in words and the fix, naming the CA of
 * the configuration that would fix it, where one would.
 */
#ifndef TF_VERIFY_H
#define TF_VERIFY_H

#include "model/cert.h"

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum verify_cause {
	VERIFY_OK,
	VERIFY_UNKNOWN_AUTHORITY,    /* no trusted CA issues the chain */
	VERIFY_MISSING_INTERMEDIATE, /* the server does not send its intermediate */
	VERIFY_NOT_TRUSTED_FOR_TLS,  /* the CA is in the store, without TLS trust */
	VERIFY_SELF_SIGNED_LEAF,
	VERIFY_NAME_MISMATCH, /* host or IP not in the leaf's SANs */
	VERIFY_EXPIRED,
	VERIFY_NOT_YET_VALID,
	VERIFY_WRONG_ISSUER, /* an intermediate not issued by the current root */
	VERIFY_WEAK,	     /* weak signature or key */
	VERIFY_OTHER,
};

#include "model/verify_input.h"

struct verify_result {
	enum verify_cause cause;
	char *why; /* the cause in words */
	char *fix; /* what to do, or NULL */
	time_t leaf_not_after;
};

void verify_chain(const struct verify_input *in, struct verify_result *out);
void verify_result_dispose(struct verify_result *r);
const char *verify_cause_name(enum verify_cause c); /* "unknown_authority" */

#endif
