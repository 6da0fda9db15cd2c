/*
 * What model/verify.c judges: the chain a server sent, a store's anchors, the
 * CAs of the configuration and the roots this host knows. Apart from verify.h
 * so that verify_regen.c reads it without depending on verify.c.
 */
#ifndef TF_VERIFY_INPUT_H
#define TF_VERIFY_INPUT_H

#include "model/cert.h"

#include <openssl/x509.h>
#include <stddef.h>
#include <time.h>

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

#endif
