/* Chain checks between certificates trustform holds; see chain.h. */
#include "model/chain.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

/* issuer's key signed c, and the names and key identifiers agree
 * (X509_check_issued): the test a TLS client makes. */
bool cert_issued_by(const struct cert *c, const struct cert *issuer)
{
	X509 *x = cert_x509_full(c), *i = cert_x509_full(issuer);
	bool ok = false;
	if (x && i && X509_check_issued(i, x) == X509_V_OK) {
		EVP_PKEY *k = X509_get0_pubkey(i);
		ok = k && X509_verify(x, k) == 1;
	}
	X509_free(x);
	X509_free(i);
	ERR_clear_error();
	return ok;
}

/* A leaf is good when its chain (the certificates Caddy stored with it, and
 * the current intermediate) leads to the current root by signatures. After a
 * normal intermediate renewal, leaves of the previous intermediate of the
 * same root still do: they are not stale. Validity dates are Caddy's to
 * renew, so time is not checked here. */
bool cert_chains_to_root(const struct cert_list *chain, const struct cert *inter,
			 const struct cert *root)
{
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509 *leaf = cert_x509_full(chain->items[0]), *r = cert_x509_full(root);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bool ok = false;
	if (!store || !untrusted || !leaf || !r || !ctx)
		goto out;
	X509_STORE_add_cert(store, r);
	for (size_t i = 1; i < chain->n; i++) {
		X509 *x = cert_x509_full(chain->items[i]);
		if (x && !sk_X509_push(untrusted, x))
			X509_free(x);
	}
	if (inter) {
		X509 *x = cert_x509_full(inter);
		if (x && !sk_X509_push(untrusted, x))
			X509_free(x);
	}
	if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
		goto out;
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
	X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_ANY);
	ok = X509_verify_cert(ctx) == 1;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(leaf);
	X509_free(r);
	X509_STORE_free(store);
	ERR_clear_error();
	return ok;
}
