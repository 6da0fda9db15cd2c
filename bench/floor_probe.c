/*
 * The floors of a plan with nothing to do on a Debian tree (SPEC §6), as a
 * whole process linked to libcrypto like trustform: the least work any tool
 * must do to know that nothing changed. Built on demand by the benchmarks,
 * not part of trustform.
 *
 *   floor_probe nocache ROOT [SOURCE...]   read and SHA-256 every CA source
 *                                          (ROOT's ca-certificates.conf, every
 *                                          file under /usr/share and
 *                                          /usr/local/share/ca-certificates,
 *                                          and each SOURCE file or directory:
 *                                          the configuration and its CAs), read
 *                                          every link of /etc/ssl/certs, read
 *                                          and SHA-256 the bundle;
 *   floor_probe cached ROOT [SOURCE...]    the floor of a tool with a cache
 *                                          keyed by stat: lstat every source,
 *                                          read every link, stat the bundle.
 *
 * Prints what it went through ("sources 342 links 484 bytes 655360") so that
 * the benchmark can see it did the work.
 */
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cached;
static unsigned long nsources, nlinks;
static unsigned long long nbytes;
static unsigned char sink; /* the digests, so that nothing is optimised out */

static void hash_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(c, buf, (size_t)n);
		nbytes += (unsigned long long)n;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len;
	EVP_DigestFinal_ex(c, md, &len);
	sink ^= md[0];
	EVP_MD_CTX_free(c);
	close(fd);
}

static void source(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		for (struct dirent *e; d && (e = readdir(d));) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[4096];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			source(sub);
		}
		if (d)
			closedir(d);
		return;
	}
	nsources++;
	if (!cached && S_ISREG(st.st_mode))
		hash_file(path);
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "nocache") && strcmp(argv[1], "cached"))) {
		fprintf(stderr, "usage: floor_probe nocache|cached ROOT [SOURCE...]\n");
		return 2;
	}
	cached = !strcmp(argv[1], "cached");
	const char *root = argv[2];
	char p[4096];
	static const char *const tree[] = {"/etc/ca-certificates.conf",
					   "/usr/share/ca-certificates",
					   "/usr/local/share/ca-certificates", NULL};
	for (size_t i = 0; tree[i]; i++) {
		snprintf(p, sizeof(p), "%s%s", root, tree[i]);
		source(p);
	}
	for (int i = 3; i < argc; i++)
		source(argv[i]);
	/* every link of /etc/ssl/certs, read */
	snprintf(p, sizeof(p), "%s/etc/ssl/certs", root);
	DIR *d = opendir(p);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
			continue;
		char target[4096];
		if (readlinkat(dirfd(d), e->d_name, target, sizeof(target)) >= 0)
			nlinks++;
	}
	if (d)
		closedir(d);
	snprintf(p, sizeof(p), "%s/etc/ssl/certs/ca-certificates.crt", root);
	struct stat st;
	if (cached) {
		if (stat(p, &st) == 0)
			sink ^= (unsigned char)st.st_size;
	} else {
		hash_file(p);
	}
	printf("sources %lu links %lu bytes %llu (%u)\n", nsources, nlinks, nbytes, sink & 0);
	return 0;
}
