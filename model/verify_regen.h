/*
 * The direction of a regenerated CA (model/verify.c's "same name, another
 * key"): the server's chain comes from a root with the name of the one the
 * store trusts, but another key. Either the server's CA was regenerated (its
 * root is NEWER: the clients need the new root, exported and committed), or
 * the configuration already has the new root and the server still sends the
 * OLD one's chain (the server must issue again). Which one is told by the
 * issuer's age, found in the chain the server sends, among the roots this
 * host knows (Caddy's current root), or in the configuration; failing that,
 * a certificate issued before the trusted root existed came from an older one.
 */
#ifndef TF_VERIFY_REGEN_H
#define TF_VERIFY_REGEN_H

#include "model/verify_input.h"

/* why and fix for top, not issued by gone (trusted, same name); top_name is
 * top's subject as shown. Both allocated. */
void verify_regenerated(const struct verify_input *in, X509 *top, const char *top_name,
			const struct cert *gone, char **why, char **fix);

#endif
