/*
 * Benchmark fixture generator: N self-signed CA certificates (EC P-256) under
 * DIR/cas/ and a trust.yaml naming them all, for one host "bench" with the
 * system store. Much faster than N runs of `openssl req`.
 *
 *   gen_cas DIR N [STORES...]   extra store lines are appended verbatim under stores:
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static X509 *make_ca(EVP_PKEY *k, int i)
{
	char cn[64];
	snprintf(cn, sizeof(cn), "Bench CA %05d", i);
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), i + 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Bench", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, k);
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *e =
	    X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	/* what Python 3.13+ (VERIFY_X509_STRICT) requires of a CA */
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	X509_sign(x, k, EVP_sha256());
	return x;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: gen_cas DIR N [STORE-LINES...]\n");
		return 64;
	}
	const char *dir = argv[1];
	int n = atoi(argv[2]);
	char path[4096];
	snprintf(path, sizeof(path), "%s/cas", dir);
	mkdir(dir, 0755);
	mkdir(path, 0755);
	/* One key for all: signing is the cost that matters here, keys are not. */
	EVP_PKEY *k = EVP_EC_gen("P-256");
	snprintf(path, sizeof(path), "%s/trust.yaml", dir);
	FILE *cfg = fopen(path, "w");
	fprintf(cfg, "version: 1\ncas:\n");
	for (int i = 0; i < n; i++) {
		X509 *x = make_ca(k, i);
		snprintf(path, sizeof(path), "%s/cas/ca%05d.pem", dir, i);
		FILE *f = fopen(path, "w");
		PEM_write_X509(f, x);
		fclose(f);
		X509_free(x);
		fprintf(cfg, "  ca%05d: { file: cas/ca%05d.pem }\n", i, i);
	}
	fprintf(cfg, "stores:\n  system: { type: system }\n");
	for (int i = 3; i < argc; i++)
		fprintf(cfg, "  %s\n", argv[i]);
	fprintf(cfg, "roles:\n  bench:\n    stores: [system");
	for (int i = 3; i < argc; i++) {
		const char *colon = strchr(argv[i], ':');
		fprintf(cfg, ", %.*s", (int)(colon - argv[i]), argv[i]);
	}
	fprintf(cfg, "]\n    cas:\n");
	for (int i = 0; i < n; i++)
		fprintf(cfg, "      - ca%05d\n", i);
	fprintf(cfg, "hosts:\n  bench: [bench]\n");
	fclose(cfg);
	EVP_PKEY_free(k);
	return 0;
}
