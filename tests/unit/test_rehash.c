/*
 * The rehash emulation against the real `openssl rehash`: for each scenario a
 * directory is built, the real command runs on a copy, and the links it
 * leaves must equal what rehash_compute says, name for name.
 */
#include "certgen.h"
#include "harness.h"
#include "stores/system/rehash.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <limits.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/tmp/tf-rehash-XXXXXX";
static int scenario;
static char dir[512];

static void new_scenario(void)
{
	snprintf(dir, sizeof(dir), "%s/s%d", base, ++scenario);
	mkdir(dir, 0755);
}

static void put_cert(const char *name, X509 *x)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	certgen_write_pem(p, x);
}

static void put_text(const char *name, const char *text)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static void put_link(const char *name, const char *target)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (symlink(target, p) != 0)
		perror(p);
}

static char *hash_name(X509 *x, int id)
{
	return xasprintf("%08lx.%d", X509_NAME_hash_ex(X509_get_subject_name(x), NULL, NULL, NULL),
			 id);
}

static void file_info(void *ctx, const char *name, struct rh_info *out)
{
	char p[PATH_MAX];
	struct buf b = BUF_INIT;
	snprintf(p, sizeof(p), "%s/%s", (const char *)ctx, name);
	out->kind = RH_SKIP;
	if (buf_read_file(&b, p) == 0)
		rehash_info_from_bytes(b.ptr, b.len, out);
	buf_dispose(&b);
}

/* "name -> target" lines of the hash links in d, sorted. */
static void real_links(const char *d, struct buf *out)
{
	char cmd[PATH_MAX * 2];
	snprintf(cmd, sizeof(cmd),
		 "cd %s && for f in *; do [ -L \"$f\" ] && case \"$f\" in "
		 "[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f].*) "
		 "echo \"$f -> $(readlink \"$f\")\";; esac; done | LC_ALL=C sort",
		 d);
	FILE *p = popen(cmd, "r");
	char line[1024];
	while (fgets(line, sizeof(line), p))
		buf_puts(out, line);
	pclose(p);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void compare(const char *what)
{
	/* emulation on the scenario as it is */
	struct rh_entry ents[64];
	char *names[64], *targets[64];
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while ((de = readdir(d)) != NULL && n < 64) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || de->d_name[1] == '.'))
			continue;
		char p[PATH_MAX], t[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		struct stat st;
		lstat(p, &st);
		names[n] = xstrdup(de->d_name);
		targets[n] = NULL;
		if (S_ISLNK(st.st_mode)) {
			ssize_t len = readlink(p, t, sizeof(t) - 1);
			t[len > 0 ? len : 0] = '\0';
			targets[n] = xstrdup(t);
		}
		ents[n] = (struct rh_entry){names[n], S_ISLNK(st.st_mode), targets[n]};
		n++;
	}
	closedir(d);
	struct rh_link *links;
	size_t nlinks;
	rehash_compute(ents, n, file_info, dir, &links, &nlinks);
	char **lines = xcalloc(nlinks + 1, sizeof(*lines));
	for (size_t i = 0; i < nlinks; i++)
		lines[i] = xasprintf("%s -> %s\n", links[i].name, links[i].target);
	qsort(lines, nlinks, sizeof(*lines), line_cmp);
	struct buf mine = BUF_INIT;
	for (size_t i = 0; i < nlinks; i++) {
		buf_puts(&mine, lines[i]);
		free(lines[i]);
	}
	free(lines);
	rehash_links_free(links, nlinks);

	/* the real command on a copy */
	char copy[sizeof(dir) + 8], cmd[2048];
	snprintf(copy, sizeof(copy), "%s.real", dir);
	snprintf(cmd, sizeof(cmd), "cp -a %s %s && openssl rehash %s 2>/dev/null", dir, copy, copy);
	/* rehash's exit status counts unreadable files; the copy must exist */
	if (system(cmd) < 0)
		perror("system");
	CHECK(access(copy, F_OK) == 0);
	struct buf real = BUF_INIT;
	real_links(copy, &real);
	CHECK_MSG(strcmp(mine.ptr, real.ptr) == 0, "%s:\nemulated:\n%sreal:\n%s", what, mine.ptr,
		  real.ptr);
	buf_dispose(&mine);
	buf_dispose(&real);
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		free(targets[i]);
	}
}

/* Synthetic: every "cN.pem" is a distinct certificate with hash 0x11111111. */
static void fake_info(void *ctx, const char *name, struct rh_info *out)
{
	memset(out, 0, sizeof(*out));
	if (name[0] != 'c')
		return;
	out->kind = RH_CERT;
	out->hash = 0x11111111;
	snprintf((char *)out->sha1, sizeof(out->sha1), "%s", name);
}

/* Issue 14: more than 256 existing hash links for one hash (as c_rehash can
 * leave them) plus 256 certificates needing links overflowed a 32-byte mask. */
static void many_old_links(void)
{
	enum { NOLD = 600, NCERT = 300 };
	struct rh_entry ents[NOLD + NCERT];
	char names[NOLD + NCERT][32], targets[NOLD][32];
	size_t n = 0;
	for (int i = 0; i < NOLD; i++) {
		snprintf(names[n], sizeof(names[n]), "11111111.%d", i);
		snprintf(targets[i], sizeof(targets[i]), "old%d.txt", i);
		ents[n] = (struct rh_entry){names[n], true, targets[i]};
		n++;
	}
	for (int i = 0; i < NCERT; i++) {
		snprintf(names[n], sizeof(names[n]), "c%03d.pem", i);
		ents[n] = (struct rh_entry){names[n], false, NULL};
		n++;
	}
	struct rh_link *links;
	size_t nlinks;
	rehash_compute(ents, n, fake_info, NULL, &links, &nlinks);
	size_t certs = 0;
	for (size_t i = 0; i < nlinks; i++)
		certs += links[i].target[0] == 'c';
	CHECK_MSG(certs == 256, "%zu certificate links, wanted 256 (the collision limit)", certs);
	for (size_t i = 0; i < nlinks; i++)
		for (size_t j = i + 1; j < nlinks; j++)
			CHECK_MSG(strcmp(links[i].name, links[j].name) != 0, "link %s twice",
				  links[i].name);
	rehash_links_free(links, nlinks);
}

/* Synthetic: "hNNNN.pem" is a certificate, "hNNNN.crl" a CRL, both with hash
 * NNNN << 20 (only the high bits differ) and a digest of their name. */
static void spread_info(void *ctx, const char *name, struct rh_info *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	out->kind = strstr(name, ".crl") ? RH_CRL : RH_CERT;
	out->hash = strtoul(name + 1, NULL, 10) << 20;
	snprintf((char *)out->sha1, sizeof(out->sha1), "%s", name);
}

/* Issue 22: thousands of buckets (the index over them grows many times) keep
 * OpenSSL's order, buckets in order of first use, and a CRL's bucket stays
 * apart from the certificate's of the same hash. */
static void many_buckets(void)
{
	enum { N = 3000 };
	static struct rh_entry ents[2 * N];
	static char names[2 * N][32];
	for (int i = 0; i < N; i++) {
		snprintf(names[2 * i], sizeof(names[0]), "h%04d.crl", i);
		snprintf(names[2 * i + 1], sizeof(names[0]), "h%04d.pem", i);
	}
	for (int i = 2 * N - 1; i >= 0; i--) /* given in reverse: sorted first */
		ents[2 * N - 1 - i] = (struct rh_entry){names[i], false, NULL};
	struct rh_link *links;
	size_t nlinks;
	rehash_compute(ents, 2 * N, spread_info, NULL, &links, &nlinks);
	CHECK_MSG(nlinks == 2 * N, "%zu links, wanted %d", nlinks, 2 * N);
	for (size_t i = 0; i < nlinks && i < 2 * N; i++) {
		char want[32];
		snprintf(want, sizeof(want), "%08lx.%s0", (unsigned long)(i / 2) << 20,
			 i % 2 ? "" : "r");
		CHECK_MSG(!strcmp(links[i].target, names[i]) && !strcmp(links[i].name, want),
			  "link %zu: %s -> %s, wanted %s -> %s", i, links[i].name, links[i].target,
			  want, names[i]);
	}
	rehash_links_free(links, nlinks);
}

int main(void)
{
	many_old_links();
	many_buckets();
	if (!mkdtemp(base))
		return 1;
	X509 *s1 = certgen_x509("Same Subject", "Collide", 1);
	X509 *s2 = certgen_x509("Same Subject", "Collide", 1);
	X509 *s3 = certgen_x509("Same Subject", "Collide", 1);
	X509 *other = certgen_x509("Other", NULL, 1);

	new_scenario(); /* collisions numbered in strcmp order, not creation order */
	put_cert("zeta.pem", s1);
	put_cert("beta.pem", s2);
	put_cert("alpha.pem", s3);
	compare("three collisions");

	new_scenario(); /* uppercase sorts before '_' before lowercase */
	put_cert("b.pem", s1);
	put_cert("A.pem", s2);
	put_cert("_x.pem", s3);
	compare("byte order");

	new_scenario(); /* an existing link keeps its number; the newcomer takes the next */
	put_cert("m.pem", s1);
	put_cert("a.pem", s2);
	char *h0 = hash_name(s1, 0);
	put_link(h0, "m.pem");
	compare("existing link kept");
	free(h0);

	new_scenario(); /* OpenSSL keeps a stale link in a bucket that still needs links */
	put_cert("a.pem", other);
	put_cert("b.pem", s2);
	h0 = hash_name(s2, 0);
	char *h1 = hash_name(s2, 1);
	put_link(h0, "a.pem");
	put_link(h1, "b.pem");
	compare("stale link quirk");
	free(h0);
	free(h1);

	new_scenario(); /* duplicates: the first name wins, the second is skipped */
	put_cert("x.pem", s1);
	put_cert("y.crt", s1);
	put_cert("w.cer", other);
	compare("duplicate");

	new_scenario(); /* only single-certificate files with a known extension */
	put_cert("one.PEM", s1);
	put_cert("skip.txt", s2);
	put_text("bundle.crt", "");
	{
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/bundle.crt", dir);
		FILE *f = fopen(p, "w");
		PEM_write_X509(f, s2);
		PEM_write_X509(f, s3);
		fclose(f);
	}
	put_text("junk.pem", "not a certificate\n");
	compare("extensions and bundles");

	new_scenario(); /* links to certificates count; dangling hash links are removed */
	put_cert("real.pem", s1);
	put_link("alias.pem", "real.pem");
	put_link("0badc0de.0", "gone.pem");
	put_link("0badc0de.1", "gone2.pem");
	compare("links and dangling hash links");

	new_scenario(); /* a CRL gets an .r link */
	{
		EVP_PKEY *k = EVP_EC_gen("P-256");
		X509_CRL *crl = X509_CRL_new();
		X509_CRL_set_version(crl, 1);
		X509_CRL_set_issuer_name(crl, X509_get_subject_name(other));
		ASN1_TIME *t = ASN1_TIME_set(NULL, time(NULL));
		X509_CRL_set1_lastUpdate(crl, t);
		ASN1_TIME_free(t);
		X509_CRL_sign(crl, k, EVP_sha256());
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/list.crl", dir);
		FILE *f = fopen(p, "w");
		PEM_write_X509_CRL(f, crl);
		fclose(f);
		X509_CRL_free(crl);
		EVP_PKEY_free(k);
	}
	put_cert("other.pem", other);
	compare("crl");

	X509_free(s1);
	X509_free(s2);
	X509_free(s3);
	X509_free(other);
	char cmd[PATH_MAX];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	CHECK(system(cmd) == 0);
	return test_report();
}
