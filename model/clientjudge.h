/*
 * The rules of Go's crypto/x509, Java's PKIX, Chrome's verifier and OpenSSL's
 * security level, asked about one CA that a store holds as a trust anchor.
 * Each rule is what the real client was seen to do with such a root (the
 * e2e/peers/rules_* tests): pure functions over the certificate, no I/O.
 *
 *   Go (crypto/x509, parser.go and verify.go's isValid, which it applies to
 *   roots too; crypto/rsa). A Go program carries the crypto/x509 of the Go
 *   that built it, which nothing in a store tells (the host's go toolchain,
 *   if any, built none of the programs it runs): each rule is judged always,
 *   for the Go releases it names. GODEBUG (x509negativeserial=1,
 *   rsa1024min=0) lifts the two newest rules for one process; trustform does
 *   not count on it:
 *     - a critical extension Go does not handle makes every chain through the
 *       CA fail ("x509: unhandled critical extension"): any extension outside
 *       keyUsage, basicConstraints, subjectAltName, nameConstraints, CRL
 *       distribution points, key identifiers, extendedKeyUsage, certificate
 *       policies and authority information access; the policy extensions
 *       (policyConstraints, policyMappings, inhibitAnyPolicy) only before Go
 *       1.24 (golang/go#68484);
 *     - a critical nameConstraints with a subtree other than DNS, IP, email or
 *       URI (a directoryName, say) is unhandled the same way;
 *     - a negative serial number (Go 1.23 and later: ParseCertificate says
 *       "x509: negative serial number", so the root is left out of the pool
 *       and its servers are "signed by unknown authority");
 *     - an RSA key under 1024 bits (Go 1.24 and later: crypto/rsa refuses to
 *       verify with it, so no chain through the CA verifies);
 *     - an extendedKeyUsage on the CA without serverAuth or
 *       anyExtendedKeyUsage: "x509: certificate specifies an incompatible key
 *       usage" (OpenSSL refuses it too, unless it has serverAuth).
 *   Java (jdk.certpath.disabledAlgorithms in java.security: RSA keySize <
 *   1024, DSA keySize < 1024, EC keySize < 224): the anchor's key is checked.
 *   OpenSSL at security level 2 (Debian's default in openssl.cnf, read by
 *   curl, Python and other clients that load it): a CA key under 112 bits of
 *   security (RSA or DSA under 2048 bits, EC under 224) is "CA certificate
 *   key too weak".
 *   Chrome (and OpenSSL and Go): name constraints on a root are enforced, so
 *   a host outside them is refused (nc_host_judge).
 */
#ifndef TF_CLIENTJUDGE_H
#define TF_CLIENTJUDGE_H

#include "model/cert.h"

#include <stdbool.h>
#include <stddef.h>

enum {
	CLIENT_GO = 1u << 0,	  /* Go's crypto/x509 */
	CLIENT_JAVA = 1u << 1,	  /* Java's PKIX (JSSE) */
	CLIENT_OPENSSL = 1u << 2, /* OpenSSL TLS clients at security level 2 */
};

#define CLIENT_FINDINGS_MAX 8

struct client_finding {
	unsigned client;  /* one CLIENT_* bit */
	char *property;	  /* what the CA has or lacks, in words */
	const char *fix;  /* the openssl options that reissue it */
	const char *says; /* what the client says, its error text */
};

struct client_findings {
	struct client_finding f[CLIENT_FINDINGS_MAX];
	size_t n;
};

/* Judge c by the rules of the clients in mask; 0, or -1 with err set when
 * the certificate could not be parsed. Dispose out after. */
int client_judge(const struct cert *c, unsigned mask, struct client_findings *out);
void client_findings_dispose(struct client_findings *f);
/* "Go's crypto/x509" for CLIENT_GO, ... */
const char *client_name(unsigned client);

/* Name constraints. *has is whether c carries them. For host (a DNS name or
 * an IP address): 1 when the constraints exclude it or do not permit it
 * (*why: OpenSSL's words, caller frees), 0 when it is inside them or c has
 * none, -1 with err set when OpenSSL could not be asked. */
int nc_host_judge(const struct cert *c, const char *host, bool *has, char **why);
/* The constraints in words, "permitted DNS:example.com; excluded IP:..."
 * (caller frees), or NULL when c has none. */
char *nc_describe(const struct cert *c);

#endif
