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

/* A CA of the configuration, for "which CA would fix it". */
struct verify_ca {
	const char *name;
	const struct cert *cert;
};

struct verify_input {
	STACK_OF(X509) * served;	   /* leaf first, as the server sent it */
	const struct cert *const *trusted; /* the store's anchors for TLS */
	size_t ntrusted;
	const struct cert *const *untrusted; /* in the store, but not trusted for TLS */
	size_t nuntrusted;
	const struct verify_ca *config; /* every CA of the configuration */
	size_t nconfig;
	/* Roots this host knows besides the stores (Caddy's current root), and
	 * the command that exports each (or NULL): which side of a regenerated
	 * CA is new (verify_regen.h). */
	const struct cert *const *known;
	const char *const *known_export;
	size_t nknown;
	const char *host; /* a name, or an IP address */
	time_t now;
	time_t server_date; /* the server's Date:, 0 if unknown */
};

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
