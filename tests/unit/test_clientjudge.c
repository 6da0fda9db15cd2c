/* The rules of Go, Java and OpenSSL's security level (model/clientjudge.c),
 * over roots made here with OpenSSL's own extension syntax (the -addext
 * values of openssl req): each rule finds what breaks it, for the clients
 * asked about only, and nothing in a root that breaks none (Go's negative
 * serial and RSA-under-1024 rules among them); and name
 * constraints held against a host. */
#include "harness.h"
#include "model/clientjudge.h"

#include <openssl/conf.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <string.h>

/* The serial number of the next root() (3 unless a test sets it). */
static long root_serial = 3;

/* A self-signed root with the usual CA extensions plus exts ("name=value",
 * NULL-ended), its key from key (NULL: P-256). */
static struct cert *root(EVP_PKEY *key, const char *const *exts)
{
	EVP_PKEY *k = key ? key : EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), root_serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"Rule Root", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	static const char cnf[] = "[nc]\nO=Allowed\n";
	BIO *b = BIO_new_mem_buf(cnf, -1);
	CONF *conf = NCONF_new(NULL);
	NCONF_load_bio(conf, b, NULL);
	BIO_free(b);
	const char *base[] = {"basicConstraints=critical,CA:TRUE",
			      "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash"};
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509V3_set_nconf(&ctx, conf);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; pass ? exts && exts[i] : i < 3; i++) {
			const char *e = pass ? exts[i] : base[i];
			char name[64];
			const char *eq = strchr(e, '=');
			snprintf(name, sizeof(name), "%.*s", (int)(eq - e), e);
			X509_EXTENSION *ext = X509V3_EXT_nconf(conf, &ctx, name, eq + 1);
			CHECK_MSG(ext != NULL, "extension %s", e);
			if (ext)
				X509_add_ext(x, ext, -1);
			X509_EXTENSION_free(ext);
		}
	NCONF_free(conf);
	X509_sign(x, k, EVP_sha256());
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	struct cert *c = cert_from_der(der, (size_t)len);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(k);
	return c;
}

#define ALL (CLIENT_GO | CLIENT_JAVA | CLIENT_OPENSSL)

/* Judge a root made with key and exts for mask: exactly want (CLIENT_* bits,
 * one finding each), and each finding's property says text (may be NULL). */
static void expect(const char *what, EVP_PKEY *key, const char *const *exts, unsigned mask,
		   unsigned want, const char *text)
{
	struct cert *c = root(key, exts);
	struct client_findings f;
	CHECK_MSG(c && client_judge(c, mask, &f) == 0, "%s: judged", what);
	unsigned got = 0;
	for (size_t i = 0; c && i < f.n; i++) {
		CHECK_MSG(!(got & f.f[i].client), "%s: twice for %s", what,
			  client_name(f.f[i].client));
		got |= f.f[i].client;
		CHECK_MSG(f.f[i].fix && *f.f[i].fix, "%s: a fix", what);
		if (text)
			CHECK_MSG(strstr(f.f[i].property, text) != NULL, "%s: \"%s\" lacks \"%s\"",
				  what, f.f[i].property, text);
	}
	CHECK_MSG(got == want, "%s: clients %#x, want %#x", what, got, want);
	client_findings_dispose(&f);
	cert_free(c);
}

static void go_rules(void)
{
	expect("a sound root", NULL, NULL, ALL, 0, NULL);
	const char *ncdir[] = {"nameConstraints=critical,permitted;dirName:nc", NULL};
	expect("critical dirName constraints", NULL, ncdir, ALL, CLIENT_GO, "other than DNS");
	expect("  not Java's nor OpenSSL's", NULL, ncdir, CLIENT_JAVA | CLIENT_OPENSSL, 0, NULL);
	const char *ncdir_nc[] = {"nameConstraints=permitted;dirName:nc", NULL};
	expect("dirName constraints, not critical", NULL, ncdir_nc, ALL, 0, NULL);
	const char *ncdns[] = {"nameConstraints=critical,permitted;DNS:example.com", NULL};
	expect("critical DNS constraints", NULL, ncdns, ALL, 0, NULL);
	const char *polc[] = {"policyConstraints=critical,inhibitPolicyMapping:0", NULL};
	expect("critical policyConstraints", NULL, polc, ALL, CLIENT_GO, "Go before 1.24");
	const char *unk[] = {"1.3.6.1.4.1.55555.1=critical,DER:05:00", NULL};
	expect("an unknown critical extension", NULL, unk, ALL, CLIENT_GO, "unknown to Go");
	const char *unk_nc[] = {"1.3.6.1.4.1.55555.1=DER:05:00", NULL};
	expect("an unknown extension, not critical", NULL, unk_nc, ALL, 0, NULL);
	const char *eku[] = {"extendedKeyUsage=clientAuth", NULL};
	expect("extendedKeyUsage clientAuth", NULL, eku, ALL, CLIENT_GO | CLIENT_OPENSSL,
	       "extendedKeyUsage without serverAuth");
	const char *eku_ok[] = {"extendedKeyUsage=serverAuth,clientAuth", NULL};
	expect("extendedKeyUsage with serverAuth", NULL, eku_ok, ALL, 0, NULL);
	const char *eku_any[] = {"extendedKeyUsage=anyExtendedKeyUsage", NULL};
	expect("anyExtendedKeyUsage: Go takes it, OpenSSL does not", NULL, eku_any, ALL,
	       CLIENT_OPENSSL, NULL);
}

/* Go 1.23+ refuses a negative serial; a zero one is no rule of Go's. */
static void serial_rules(void)
{
	root_serial = -12345;
	expect("a negative serial", NULL, NULL, ALL, CLIENT_GO, "negative serial number");
	expect("  Go 1.23's rule", NULL, NULL, CLIENT_GO, CLIENT_GO, "Go 1.23 and later");
	expect("  not Java's nor OpenSSL's", NULL, NULL, CLIENT_JAVA | CLIENT_OPENSSL, 0, NULL);
	root_serial = -1;
	expect("serial -1", NULL, NULL, CLIENT_GO, CLIENT_GO, "x509negativeserial=1");
	root_serial = 0;
	expect("serial 0", NULL, NULL, ALL, 0, NULL);
	root_serial = 3;
}

static void key_rules(void)
{
	expect("RSA 512", EVP_RSA_gen(512), NULL, ALL, CLIENT_GO | CLIENT_JAVA | CLIENT_OPENSSL,
	       "512-bit RSA key");
	expect("RSA 1000: Go 1.24+", EVP_RSA_gen(1000), NULL, CLIENT_GO, CLIENT_GO,
	       "Go 1.24 and later");
	expect("RSA 1000: Java too", EVP_RSA_gen(1000), NULL, CLIENT_JAVA, CLIENT_JAVA,
	       "1000-bit RSA key");
	expect("RSA 1023", EVP_RSA_gen(1023), NULL, CLIENT_GO, CLIENT_GO, "1023-bit RSA key");
	expect("RSA 1024: not Go's", EVP_RSA_gen(1024), NULL, CLIENT_GO, 0, NULL);
	expect("RSA 1024", EVP_RSA_gen(1024), NULL, ALL, CLIENT_OPENSSL, "1024-bit RSA key");
	expect("RSA 1024, Java only", EVP_RSA_gen(1024), NULL, CLIENT_JAVA, 0, NULL);
	expect("RSA 2048", EVP_RSA_gen(2048), NULL, ALL, 0, NULL);
	expect("P-384", EVP_EC_gen("P-384"), NULL, ALL, 0, NULL);
	/* a curve the light path does not know: the key is decoded and judged */
	expect("P-192", EVP_EC_gen("P-192"), NULL, ALL, CLIENT_JAVA | CLIENT_OPENSSL,
	       "192-bit EC key");
	expect("P-224", EVP_EC_gen("P-224"), NULL, ALL, 0, NULL);
}

/* host against a root with the constraints exts: want (1 outside, 0 inside) */
static void nc_expect(const char *const *exts, const char *host, int want)
{
	struct cert *c = root(NULL, exts);
	bool has = false;
	char *why = NULL;
	int rc = nc_host_judge(c, host, &has, &why);
	CHECK_MSG(rc == want, "%s against %s: %d, want %d", host, exts ? exts[0] : "none", rc,
		  want);
	CHECK_MSG(has == (exts != NULL), "%s: has constraints", host);
	CHECK_MSG((why != NULL) == (want == 1), "%s: why given when outside", host);
	free(why);
	cert_free(c);
}

static void name_constraints(void)
{
	const char *in[] = {"nameConstraints=critical,permitted;DNS:inside.test", NULL};
	nc_expect(in, "inside.test", 0);
	nc_expect(in, "api.inside.test", 0);
	nc_expect(in, "outside.test", 1);
	nc_expect(in, "127.0.0.1", 0); /* no IP subtree: IPs are not constrained */
	const char *ex[] = {"nameConstraints=critical,excluded;DNS:bad.test", NULL};
	nc_expect(ex, "bad.test", 1);
	nc_expect(ex, "good.test", 0);
	const char *ip[] = {"nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0", NULL};
	nc_expect(ip, "10.1.2.3", 0);
	nc_expect(ip, "192.168.1.1", 1);
	nc_expect(NULL, "anything.test", 0);

	struct cert *c = root(NULL, in);
	char *d = nc_describe(c);
	CHECK_MSG(d && !strcmp(d, "permitted DNS:inside.test"), "described: %s", d ? d : "NULL");
	free(d);
	cert_free(c);
	c = root(NULL, NULL);
	CHECK(nc_describe(c) == NULL);
	cert_free(c);
}

int main(void)
{
	go_rules();
	serial_rules();
	key_rules();
	name_constraints();
	return test_report();
}
