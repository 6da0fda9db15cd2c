/* The rules of Go, Java and OpenSSL's security level over one CA; see clientjudge.h. */
#include "model/clientjudge.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

const char *client_name(unsigned client)
{
	switch (client) {
	case CLIENT_GO:
		return "Go's crypto/x509";
	case CLIENT_JAVA:
		return "Java (jdk.certpath.disabledAlgorithms)";
	case CLIENT_OPENSSL:
		return "OpenSSL at security level 2 (curl, Python)";
	}
	return "?";
}

static void add(struct client_findings *out, unsigned client, char *property, const char *fix,
		const char *says)
{
	if (out->n >= CLIENT_FINDINGS_MAX) {
		free(property);
		return;
	}
	out->f[out->n++] = (struct client_finding){client, property, fix, says};
}

void client_findings_dispose(struct client_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->f[i].property);
	f->n = 0;
}

/* "policyConstraints (2.5.29.36)" */
static char *ext_name(const ASN1_OBJECT *o)
{
	char num[128];
	OBJ_obj2txt(num, sizeof(num), o, 1);
	int nid = OBJ_obj2nid(o);
	const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
	return sn ? xasprintf("%s (%s)", sn, num) : xasprintf("%s", num);
}

/* The subtree types Go's parser handles in nameConstraints. */
static bool go_nc_type(int type)
{
	return type == GEN_DNS || type == GEN_IPADD || type == GEN_EMAIL || type == GEN_URI;
}

static bool go_nc_handled(X509 *x)
{
	NAME_CONSTRAINTS *nc = X509_get_ext_d2i(x, NID_name_constraints, NULL, NULL);
	bool ok = true;
	if (!nc)
		return false;
	STACK_OF(GENERAL_SUBTREE) * lists[2] = {nc->permittedSubtrees, nc->excludedSubtrees};
	for (int l = 0; l < 2; l++)
		for (int i = 0; lists[l] && i < sk_GENERAL_SUBTREE_num(lists[l]); i++)
			if (!go_nc_type(sk_GENERAL_SUBTREE_value(lists[l], i)->base->type))
				ok = false;
	NAME_CONSTRAINTS_free(nc);
	return ok;
}

/* A subjectAltName Go finds a name in (DNS, email, IP or URI). */
static bool go_san_handled(X509 *x)
{
	GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	bool ok = false;
	for (int i = 0; san && i < sk_GENERAL_NAME_num(san); i++)
		if (go_nc_type(sk_GENERAL_NAME_value(san, i)->type))
			ok = true;
	GENERAL_NAMES_free(san);
	return ok;
}

#define GO_UNHANDLED	     "x509: unhandled critical extension"
#define GO_UNKNOWN_AUTHORITY "x509: certificate signed by unknown authority"
#define FIX_NONCRIT                                                                                \
	"the extension left out, or not marked critical (in its -addext or the -extfile)"

static void go_critical(X509 *x, struct client_findings *out)
{
	for (int i = 0; i < X509_get_ext_count(x); i++) {
		X509_EXTENSION *e = X509_get_ext(x, i);
		if (!X509_EXTENSION_get_critical(e))
			continue;
		const ASN1_OBJECT *o = X509_EXTENSION_get_object(e);
		int nid = OBJ_obj2nid(o);
		switch (nid) {
		case NID_key_usage:
		case NID_basic_constraints:
		case NID_crl_distribution_points:
		case NID_authority_key_identifier:
		case NID_ext_key_usage:
		case NID_subject_key_identifier:
		case NID_certificate_policies:
		case NID_info_access:
			continue;
		case NID_subject_alt_name:
			if (!go_san_handled(x))
				add(out, CLIENT_GO,
				    xstrdup(
					"a critical subjectAltName without a DNS, email, IP or URI "
					"name"),
				    FIX_NONCRIT, GO_UNHANDLED);
			continue;
		case NID_name_constraints:
			if (!go_nc_handled(x))
				add(out, CLIENT_GO,
				    xstrdup(
					"a critical nameConstraints with a subtree other than DNS, "
					"IP, email or URI (Go handles only those)"),
				    "-addext 'nameConstraints=critical,permitted;DNS:example.com' "
				    "(DNS, "
				    "IP, email and URI subtrees only)",
				    GO_UNHANDLED);
			continue;
		case NID_policy_constraints:
		case NID_policy_mappings:
		case NID_inhibit_any_policy: {
			char *n = ext_name(o);
			add(out, CLIENT_GO,
			    xasprintf("the critical extension %s, which Go before 1.24 does not "
				      "handle",
				      n),
			    FIX_NONCRIT, GO_UNHANDLED);
			free(n);
			continue;
		}
		default: {
			char *n = ext_name(o);
			add(out, CLIENT_GO,
			    xasprintf("the critical extension %s, unknown to Go", n), FIX_NONCRIT,
			    GO_UNHANDLED);
			free(n);
		}
		}
	}
}

#define FIX_EKU "-addext 'extendedKeyUsage=serverAuth,clientAuth', or no extendedKeyUsage on the CA"

static void eku(X509 *x, unsigned mask, struct client_findings *out)
{
	if (!(X509_get_extension_flags(x) & EXFLAG_XKUSAGE))
		return;
	uint32_t xku = X509_get_extended_key_usage(x);
	if ((mask & CLIENT_GO) && !(xku & (XKU_SSL_SERVER | XKU_ANYEKU)))
		add(out, CLIENT_GO,
		    xstrdup("an extendedKeyUsage without serverAuth (Go checks it along the whole "
			    "chain, the root included)"),
		    FIX_EKU, "x509: certificate specifies an incompatible key usage");
	if ((mask & CLIENT_OPENSSL) && !(xku & (XKU_SSL_SERVER | XKU_SGC)))
		add(out, CLIENT_OPENSSL, xstrdup("an extendedKeyUsage without serverAuth"), FIX_EKU,
		    "unsuitable certificate purpose");
}

#define FIX_KEY                                                                                    \
	"a new key: openssl req -x509 -newkey rsa:3072 (or -newkey ec -pkeyopt "                   \
	"ec_paramgen_curve:P-256) with the same -subj, then reissue its leaves"

#define FIX_SERIAL                                                                                 \
	"a positive serial number and the same key, subject and extensions, so that its leaves "   \
	"still verify: openssl req -x509 -new -key <its key> -subj <its subject> -set_serial "     \
	"0x$(openssl rand -hex 16) (or no -set_serial: openssl picks a positive one)"

/* Go 1.23 and later refuse to parse a certificate whose serial number is
 * negative (RFC 5280 wants it positive): a root in the system bundle or
 * SSL_CERT_FILE that Go cannot parse is left out of its pool, so nothing it
 * issued verifies. GODEBUG=x509negativeserial=1 lifts it, per process. */
static void go_serial(X509 *x, struct client_findings *out)
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(x);
	if (!s || ASN1_STRING_type(s) != V_ASN1_NEG_INTEGER)
		return;
	add(out, CLIENT_GO,
	    xstrdup("a negative serial number, which Go 1.23 and later refuse to parse "
		    "(\"x509: negative serial number\"; GODEBUG=x509negativeserial=1 lifts it "
		    "for one process), so Go leaves the CA out of its pool"),
	    FIX_SERIAL, GO_UNKNOWN_AUTHORITY);
}

/* A key none of the rules can refuse, known from the certificate's own
 * fields without decoding it: RSA of 2048 bits or more (112 bits of security),
 * an EC key on a named curve of 256 bits or more, Ed25519 and Ed448. */
static bool key_strong(const struct cert *c)
{
	switch (c->key_nid) {
	case NID_rsaEncryption:
		return c->key_bits >= 2048;
	case NID_ED25519:
	case NID_ED448:
		return true;
	case NID_X9_62_id_ecPublicKey:
		return c->key_param_nid == NID_X9_62_prime256v1 ||
		       c->key_param_nid == NID_secp384r1 || c->key_param_nid == NID_secp521r1;
	}
	return false;
}

static void key_size(const struct cert *c, unsigned mask, struct client_findings *out)
{
	if (key_strong(c))
		return; /* no key decoder started: most of a full parse's cost */
	X509 *x = cert_x509_full(c);
	EVP_PKEY *k = x ? X509_get0_pubkey(x) : NULL;
	if (!k) {
		X509_free(x);
		return;
	}
	int bits = EVP_PKEY_get_bits(k), sec = EVP_PKEY_get_security_bits(k);
	int type = EVP_PKEY_get_base_id(k);
	const char *alg = type == EVP_PKEY_RSA ? "RSA" : type == EVP_PKEY_DSA ? "DSA" : "EC";
	bool rsa_dsa = type == EVP_PKEY_RSA || type == EVP_PKEY_DSA;
	if ((mask & CLIENT_JAVA) &&
	    ((rsa_dsa && bits < 1024) || (type == EVP_PKEY_EC && bits < 224)))
		add(out, CLIENT_JAVA,
		    xasprintf("a %d-bit %s key (disabled: %s keySize < %d)", bits, alg, alg,
			      rsa_dsa ? 1024 : 224),
		    FIX_KEY, "Algorithm constraints check failed");
	if ((mask & CLIENT_GO) && type == EVP_PKEY_RSA && bits < 1024)
		add(out, CLIENT_GO,
		    xasprintf("a %d-bit RSA key, which Go 1.24 and later refuse to verify with "
			      "(\"crypto/rsa: %d-bit keys are insecure\": under 1024 bits; "
			      "GODEBUG=rsa1024min=0 lifts it for one process)",
			      bits, bits),
		    FIX_KEY, GO_UNKNOWN_AUTHORITY);
	if ((mask & CLIENT_OPENSSL) && sec > 0 && sec < 112)
		add(out, CLIENT_OPENSSL,
		    xasprintf("a %d-bit %s key, %d bits of security where level 2 wants 112", bits,
			      alg, sec),
		    FIX_KEY, "CA certificate key too weak");
	X509_free(x);
}

int client_judge(const struct cert *c, unsigned mask, struct client_findings *out)
{
	memset(out, 0, sizeof(*out));
	/* the extensions from a parse that leaves the key undecoded */
	X509 *x = cert_x509_light(c);
	if (!x) {
		err_set("OpenSSL could not parse CA %s", c->subject);
		return -1;
	}
	if (mask & CLIENT_GO) {
		go_serial(x, out);
		go_critical(x, out);
	}
	eku(x, mask, out);
	key_size(c, mask, out);
	X509_free(x);
	ERR_clear_error();
	return 0;
}

/* A certificate naming only host, to hold against the constraints. */
static X509 *host_probe(const char *host)
{
	X509 *p = X509_new();
	GENERAL_NAMES *san = GENERAL_NAMES_new();
	GENERAL_NAME *g = NULL;
	ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);
	if (ip) {
		g = GENERAL_NAME_new();
		GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
	} else {
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();
		ASN1_STRING_set(s, host, (int)strlen(host));
		g = GENERAL_NAME_new();
		GENERAL_NAME_set0_value(g, GEN_DNS, s);
	}
	sk_GENERAL_NAME_push(san, g);
	X509_set_version(p, 2);
	X509_add1_ext_i2d(p, NID_subject_alt_name, san, 0, X509V3_ADD_DEFAULT);
	GENERAL_NAMES_free(san);
	X509_get_extension_flags(p); /* NAME_CONSTRAINTS_check reads the cached names */
	return p;
}

int nc_host_judge(const struct cert *c, const char *host, bool *has, char **why)
{
	*has = false;
	*why = NULL;
	if (!c->name_constraints)
		return 0;
	X509 *x = cert_x509_light(c); /* an extension: the key need not be decoded */
	if (!x) {
		err_set("OpenSSL could not parse CA %s", c->subject);
		return -1;
	}
	NAME_CONSTRAINTS *nc = X509_get_ext_d2i(x, NID_name_constraints, NULL, NULL);
	int rc = 0;
	if (nc) {
		*has = true;
		X509 *p = host_probe(host);
		int code = NAME_CONSTRAINTS_check(p, nc);
		if (code != X509_V_OK) {
			*why = xstrdup(X509_verify_cert_error_string(code));
			rc = 1;
		}
		X509_free(p);
		NAME_CONSTRAINTS_free(nc);
	}
	X509_free(x);
	ERR_clear_error();
	return rc;
}

static void describe_list(struct buf *b, const char *what, STACK_OF(GENERAL_SUBTREE) * l)
{
	for (int i = 0; l && i < sk_GENERAL_SUBTREE_num(l); i++) {
		GENERAL_NAME *g = sk_GENERAL_SUBTREE_value(l, i)->base;
		char *v = NULL;
		if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI)
			v = xasprintf("%s:%.*s",
				      g->type == GEN_DNS     ? "DNS"
				      : g->type == GEN_EMAIL ? "email"
							     : "URI",
				      ASN1_STRING_length(g->d.ia5),
				      (const char *)ASN1_STRING_get0_data(g->d.ia5));
		else if (g->type == GEN_IPADD)
			v = xstrdup("IP:(a range)");
		else if (g->type == GEN_DIRNAME)
			v = xstrdup("dirName");
		else
			v = xstrdup("(other)");
		buf_printf(b, "%s%s %s", b->len ? ", " : "", what, v);
		free(v);
	}
}

char *nc_describe(const struct cert *c)
{
	if (!c->name_constraints)
		return NULL; /* most CAs: no parse at all */
	X509 *x = cert_x509_light(c);
	NAME_CONSTRAINTS *nc = x ? X509_get_ext_d2i(x, NID_name_constraints, NULL, NULL) : NULL;
	char *s = NULL;
	if (nc) {
		struct buf b = BUF_INIT;
		describe_list(&b, "permitted", nc->permittedSubtrees);
		describe_list(&b, "excluded", nc->excludedSubtrees);
		if (!b.len)
			buf_puts(&b, "(empty)");
		s = buf_detach(&b);
		NAME_CONSTRAINTS_free(nc);
	}
	X509_free(x);
	ERR_clear_error();
	return s;
}
