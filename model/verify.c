/* Judging a served chain for one store's clients; see verify.h. */
#include "model/verify.h"
#include "model/verify_regen.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

/* Debian's clients (OpenSSL's default config there) verify at level 2. */
#define AUTH_LEVEL 2

static const char *const cause_names[] = {
    [VERIFY_OK] = "ok",
    [VERIFY_UNKNOWN_AUTHORITY] = "unknown_authority",
    [VERIFY_MISSING_INTERMEDIATE] = "missing_intermediate",
    [VERIFY_NOT_TRUSTED_FOR_TLS] = "not_trusted_for_tls",
    [VERIFY_SELF_SIGNED_LEAF] = "self_signed_leaf",
    [VERIFY_NAME_MISMATCH] = "name_mismatch",
    [VERIFY_EXPIRED] = "expired",
    [VERIFY_NOT_YET_VALID] = "not_yet_valid",
    [VERIFY_WRONG_ISSUER] = "wrong_issuer",
    [VERIFY_WEAK] = "weak_signature",
    [VERIFY_OTHER] = "other",
};

const char *verify_cause_name(enum verify_cause c)
{
	return cause_names[c];
}

void verify_result_dispose(struct verify_result *r)
{
	free(r->why);
	free(r->fix);
	r->why = r->fix = NULL;
}

static char *name_of(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	X509_NAME_print_ex(
	    b, n, 0,
	    (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB & ~XN_FLAG_SEP_MASK & ~XN_FLAG_DN_REV) |
		XN_FLAG_SEP_CPLUS_SPC);
	char *p;
	long len = BIO_get_mem_data(b, &p);
	char *s = len > 0 ? xstrndup(p, (size_t)len) : xstrdup("(empty name)");
	BIO_free(b);
	return s;
}

static char *date_text(time_t t)
{
	struct tm tm;
	char out[32];
	gmtime_r(&t, &tm);
	strftime(out, sizeof(out), "%Y-%m-%d %H:%M:%S UTC", &tm);
	return xstrdup(out);
}

static time_t asn1_time(const ASN1_TIME *a)
{
	struct tm tm;
	return a && ASN1_TIME_to_tm(a, &tm) == 1 ? timegm(&tm) : 0;
}

/* "DNS:a, DNS:b, IP:10.0.0.5", or "none". */
static char *sans_of(X509 *x)
{
	struct buf b = BUF_INIT;
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS) {
			buf_printf(&b, "%sDNS:%.*s", b.len ? ", " : "", g->d.dNSName->length,
				   (const char *)g->d.dNSName->data);
		} else if (g->type == GEN_IPADD) {
			char ip[INET6_ADDRSTRLEN] = "?";
			int len = g->d.iPAddress->length;
			if (len == 4 || len == 16)
				inet_ntop(len == 4 ? AF_INET : AF_INET6, g->d.iPAddress->data, ip,
					  sizeof(ip));
			buf_printf(&b, "%sIP:%s", b.len ? ", " : "", ip);
		}
	}
	GENERAL_NAMES_free(gens);
	char *s = xstrdup(b.len ? b.ptr : "none");
	buf_dispose(&b);
	return s;
}

static bool is_ip(const char *host)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static X509 *x509_of(const struct cert *c)
{
	return cert_x509_full(c);
}

/* The CA of the configuration that issued x (name and signature), or NULL. */
static const struct verify_ca *config_issuer(const struct verify_input *in, X509 *x)
{
	for (size_t i = 0; i < in->nconfig; i++) {
		X509 *ca = x509_of(in->config[i].cert);
		bool issued = ca && X509_check_issued(ca, x) == X509_V_OK;
		X509_free(ca);
		if (issued)
			return &in->config[i];
	}
	return NULL;
}

/* A certificate of list with x's issuer's name, but whose key did not sign x. */
static const struct cert *same_name_other_key(const struct cert *const *list, size_t n, X509 *x)
{
	for (size_t i = 0; i < n; i++) {
		X509 *ca = x509_of(list[i]);
		int r = ca ? X509_check_issued(ca, x) : -1;
		bool name =
		    ca && !X509_NAME_cmp(X509_get_subject_name(ca), X509_get_issuer_name(x));
		X509_free(ca);
		if (name && r != X509_V_OK)
			return list[i];
	}
	return NULL;
}

static bool in_list(const struct cert *const *list, size_t n, X509 *x)
{
	for (size_t i = 0; i < n; i++) {
		X509 *ca = x509_of(list[i]);
		bool eq = ca && !X509_cmp(ca, x);
		X509_free(ca);
		if (eq)
			return true;
	}
	return false;
}

static const struct cert *untrusted_issuer(const struct verify_input *in, X509 *x)
{
	for (size_t i = 0; i < in->nuntrusted; i++) {
		X509 *ca = x509_of(in->untrusted[i]);
		bool issued = ca && (X509_check_issued(ca, x) == X509_V_OK || !X509_cmp(ca, x));
		X509_free(ca);
		if (issued)
			return in->untrusted[i];
	}
	return NULL;
}

static void set(struct verify_result *r, enum verify_cause c, char *why, char *fix)
{
	r->cause = c;
	r->why = why;
	r->fix = fix;
}

/* The fix for a chain whose intermediate c (of the configuration) is not sent. */
static char *root_fix(const struct verify_input *in, const struct verify_ca *c)
{
	X509 *ix = x509_of(c->cert);
	const struct verify_ca *root = ix ? config_issuer(in, ix) : NULL;
	X509_free(ix);
	if (root && root != c)
		return xasprintf("trust the root (CA \"%s\"), and make the server send its chain "
				 "(leaf, then intermediate \"%s\")",
				 root->name, c->name);
	return xasprintf("trust the root, and make the server send its chain (leaf, then "
			 "intermediate \"%s\")",
			 c->name);
}

/* Unknown issuer of top (the last certificate the verifier could chain to). */
static void unknown_issuer(const struct verify_input *in, struct verify_result *r, X509 *top,
			   bool top_self_signed)
{
	char *top_name = name_of(X509_get_subject_name(top));
	char *iss_name = name_of(X509_get_issuer_name(top));
	const struct cert *u = untrusted_issuer(in, top);
	if (u) {
		const struct verify_ca *c = NULL;
		for (size_t i = 0; i < in->nconfig && !c; i++)
			if (!memcmp(in->config[i].cert->fp, u->fp, FP_LEN))
				c = &in->config[i];
		set(r, VERIFY_NOT_TRUSTED_FOR_TLS,
		    xasprintf("%s is in the store, but not trusted to identify servers (its trust "
			      "flags lack TLS)",
			      u->subject),
		    c ? xasprintf("add CA \"%s\" to the role of this store: trustform then gives "
				  "it TLS trust",
				  c->name)
		      : xasprintf("no CA in the configuration is %s: declare it under cas: and add "
				  "it to the role of this store, and trustform gives it TLS trust",
				  u->subject));
		goto out;
	}
	const struct cert *renewed =
	    top_self_signed ? same_name_other_key(in->trusted, in->ntrusted, top) : NULL;
	if (renewed) { /* the server sends a root of the trusted one's name */
		char *why, *fix;
		verify_regenerated(in, top, top_name, renewed, &why, &fix);
		set(r, VERIFY_WRONG_ISSUER, why, fix);
		goto out;
	}
	if (top_self_signed) {
		const struct verify_ca *c = NULL;
		for (size_t i = 0; i < in->nconfig && !c; i++) {
			X509 *ca = x509_of(in->config[i].cert);
			if (ca && !X509_cmp(ca, top))
				c = &in->config[i];
			X509_free(ca);
		}
		set(r, VERIFY_UNKNOWN_AUTHORITY,
		    xasprintf("unknown authority: the chain ends at %s, which this store does not "
			      "trust",
			      top_name),
		    c ? xasprintf("add CA \"%s\" to the role of this store", c->name)
		      : xasprintf("no CA in the configuration is %s: declare it under cas: (after "
				  "checking whose it is) and add it to the role",
				  top_name));
		goto out;
	}
	const struct cert *gone = same_name_other_key(in->trusted, in->ntrusted, top);
	if (gone) {
		char *why, *fix;
		verify_regenerated(in, top, top_name, gone, &why, &fix);
		set(r, VERIFY_WRONG_ISSUER, why, fix);
		goto out;
	}
	const struct verify_ca *c = config_issuer(in, top);
	if (c && c->cert->self_issued) {
		set(r, VERIFY_UNKNOWN_AUTHORITY,
		    xasprintf("unknown authority: %s is issued by %s, which this store does not "
			      "trust",
			      top_name, c->cert->subject),
		    xasprintf("add CA \"%s\" to the role of this store", c->name));
	} else if (c) {
		set(r, VERIFY_MISSING_INTERMEDIATE,
		    xasprintf(
			"the server does not send its intermediate: %s is issued by %s, which "
			"is CA \"%s\" of the configuration, an intermediate",
			top_name, c->cert->subject, c->name),
		    root_fix(in, c));
	} else {
		set(r, VERIFY_UNKNOWN_AUTHORITY,
		    xasprintf(
			"unknown authority: %s is issued by %s, which the server does not send "
			"and this store does not trust",
			top_name, iss_name),
		    xasprintf(
			"no CA in the configuration is %s: if it is a root, declare it under "
			"cas: and add it to the role; if it is an intermediate, make the server "
			"send it and trust its root",
			iss_name));
	}
out:
	free(top_name);
	free(iss_name);
}

static void clocks(const struct verify_input *in, X509 *x, bool expired, struct verify_result *r)
{
	char *subj = name_of(X509_get_subject_name(x));
	time_t nb = asn1_time(X509_get0_notBefore(x)), na = asn1_time(X509_get0_notAfter(x));
	char *edge = date_text(expired ? na : nb), *ours = date_text(in->now);
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s %s %s; our clock says %s", subj,
		   expired ? "expired at" : "is not valid before", edge, ours);
	const char *fix;
	if (in->server_date) {
		char *theirs = date_text(in->server_date);
		bool server_agrees = expired ? in->server_date > na : in->server_date < nb;
		buf_printf(&b, ", the server's Date: says %s", theirs);
		free(theirs);
		long long skew = (long long)(in->now - in->server_date);
		if (!server_agrees)
			fix = "the clocks disagree: set this host's clock right (NTP); the "
			      "certificate "
			      "is valid by the server's clock";
		else if (skew > 300 || skew < -300)
			fix = expired ? "renew the certificate (both clocks agree it expired), and "
					"check the clocks: they differ by more than 5 minutes"
				      : "the server's clock is behind too: issue the certificate "
					"with a start in the past, or fix the issuer's clock";
		else
			fix = expired ? "renew the certificate: both clocks agree it expired"
				      : "the certificate starts in the future by both clocks: the "
					"issuer's clock is ahead; reissue it";
	} else {
		fix = expired ? "renew the certificate, or check this host's clock (NTP)"
			      : "check this host's clock (NTP), or reissue with an earlier start";
	}
	set(r, expired ? VERIFY_EXPIRED : VERIFY_NOT_YET_VALID, xstrdup(b.ptr), xstrdup(fix));
	buf_dispose(&b);
	free(subj);
	free(edge);
	free(ours);
}

void verify_chain(const struct verify_input *in, struct verify_result *out)
{
	memset(out, 0, sizeof(*out));
	X509 *leaf = sk_X509_value(in->served, 0);
	out->leaf_not_after = asn1_time(X509_get0_notAfter(leaf));
	X509_STORE *store = X509_STORE_new();
	for (size_t i = 0; i < in->ntrusted; i++) {
		X509 *x = x509_of(in->trusted[i]);
		if (x) {
			X509_STORE_add_cert(store, x);
			X509_free(x);
		}
	}
	STACK_OF(X509) *rest = sk_X509_new_null();
	for (int i = 1; i < sk_X509_num(in->served); i++)
		sk_X509_push(rest, sk_X509_value(in->served, i));
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, store, leaf, rest);
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
	X509_VERIFY_PARAM_set_time(param, in->now);
	X509_VERIFY_PARAM_set_auth_level(param, AUTH_LEVEL);
	if (is_ip(in->host))
		X509_VERIFY_PARAM_set1_ip_asc(param, in->host);
	else {
		/* names only from subjectAltName, as browsers, Go and Python 3.10+
		 * check them: a CN-only certificate is refused there */
		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
		X509_VERIFY_PARAM_set1_host(param, in->host, 0);
	}
	int ok = X509_verify_cert(ctx);
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(ctx);
	X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
	X509 *top =
	    built && sk_X509_num(built) ? sk_X509_value(built, sk_X509_num(built) - 1) : leaf;
	ERR_clear_error();
	if (ok == 1) {
		set(out, VERIFY_OK, xstrdup("trusted"), NULL);
		goto done;
	}
	switch (err) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH: {
		char *sans = sans_of(leaf);
		set(out, VERIFY_NAME_MISMATCH,
		    xasprintf("%s %s is not in the certificate's names (%s)",
			      is_ip(in->host) ? "the IP address" : "the host name", in->host, sans),
		    is_ip(in->host)
			? xasprintf("issue the certificate with IP:%s in its subjectAltName, or "
				    "dial a name it holds",
				    in->host)
			: xasprintf("issue the certificate for %s, or dial a name it holds",
				    in->host));
		free(sans);
		break;
	}
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		clocks(in, bad ? bad : leaf, err == X509_V_ERR_CERT_HAS_EXPIRED, out);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		if (in_list(in->trusted, in->ntrusted, leaf)) {
			set(out, VERIFY_OTHER,
			    xstrdup("the self-signed certificate is trusted, but "
				    "OpenSSL refuses it"),
			    NULL);
			break;
		}
		{
			char *subj = name_of(X509_get_subject_name(leaf));
			set(out, VERIFY_SELF_SIGNED_LEAF,
			    xasprintf("the server sends a self-signed certificate (%s) that this "
				      "store does not trust",
				      subj),
			    xstrdup("give the server a certificate from a CA the store trusts "
				    "(or, for a device, declare that certificate under cas: and "
				    "add it to the role)"));
			free(subj);
		}
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		unknown_issuer(in, out, top, true);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		unknown_issuer(in, out, top, false);
		break;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE: {
		char *subj = name_of(X509_get_subject_name(bad ? bad : leaf));
		set(out, VERIFY_WRONG_ISSUER,
		    xasprintf(
			"the signature on %s does not verify with its issuer's key (depth %d): "
			"it is not issued by the current CA of that name",
			subj, depth),
		    xstrdup("make the server issue again from the current root"));
		free(subj);
		break;
	}
	case X509_V_ERR_CA_MD_TOO_WEAK:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_EE_KEY_TOO_SMALL: {
		char *subj = name_of(X509_get_subject_name(bad ? bad : leaf));
		set(out, VERIFY_WEAK,
		    xasprintf("%s: %s (clients at OpenSSL security level %d refuse it)", subj,
			      X509_verify_cert_error_string(err), AUTH_LEVEL),
		    xstrdup("reissue it with SHA-256 or better and a key of at least 2048-bit "
			    "RSA or P-256"));
		free(subj);
		break;
	}
	default:
		set(out, VERIFY_OTHER,
		    xasprintf("%s (depth %d)", X509_verify_cert_error_string(err), depth), NULL);
	}
done:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(rest);
	X509_STORE_free(store);
}
