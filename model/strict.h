/*
 * What a client verifying with OpenSSL's strict mode refuses in a CA. Python
 * 3.13+ sets VERIFY_X509_STRICT (and VERIFY_X509_PARTIAL_CHAIN) in
 * ssl.create_default_context(), so a private root that older clients take
 * (basicConstraints not critical, no keyUsage, no subject key identifier; for
 * a CA that is not self-signed, no authority key identifier) is refused by
 * every Python that reads a store holding it.
 *
 * The judge is OpenSSL itself, never a re-implementation of its rules: the CA
 * is the only anchor of an X509_STORE, and a probe certificate naming it as
 * issuer is verified with X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN
 * (a chain of the CA alone skips the strict checks: OpenSSL makes them only
 * on chains of two or more). What the CA is refused for is each verify error
 * at the CA's depth that strict mode adds to what the same verification
 * without it reports (an expired CA, say, is every client's problem and is
 * reported where the configuration is loaded).
 */
#ifndef TF_STRICT_H
#define TF_STRICT_H

#include "model/cert.h"

#include <stddef.h>

#define STRICT_MAX 8

struct strict_verdict {
	int codes[STRICT_MAX]; /* OpenSSL verify errors (X509_V_ERR_*) */
	size_t n;	       /* 0: strict mode accepts the CA */
};

/* Judge c; returns 0, or -1 with err set when OpenSSL could not be asked. */
int strict_judge(const struct cert *c, struct strict_verdict *out);
/* The property an error is about, in words: "basicConstraints is not marked
 * critical"; OpenSSL's own text for a code this file does not know. */
const char *strict_property(int code);
/* The openssl option that reissues the CA with the property, or NULL. */
const char *strict_fix(int code);

/*
 * OpenSSL's default chain rule: without X509_V_FLAG_PARTIAL_CHAIN (openssl
 * s_client and verify, Node.js, Python before 3.13) a trusted certificate ends
 * a chain only when it is self-signed, or its issuers up to a self-signed one
 * are trusted too; curl (since 7.68) and Python 3.13+ set the flag, so any
 * trusted CA is an anchor for them.
 * OpenSSL is asked with c and anchors (may be NULL entries) as the store's
 * trusted certificates and a probe issued by c, without the flag: *code is 0
 * when the chain forms, else OpenSSL's error (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT).
 * Returns 0, or -1 with err set.
 */
int anchor_judge(const struct cert *c, const struct cert *const *anchors, size_t n, int *code);

#endif
