/*
 * The floor of writing CAs into NSS databases through libnss3 (issue 14): for
 * each database given, one child process, as the database's owner, that opens
 * it (NSS_Initialize, with trustform's flags) and for each CA does only what
 * any tool must: decode it, PK11_ImportCert into the internal key slot under a
 * nickname, and CERT_ChangeCertTrust to the trust given. No listing, no
 * look-ups, no replies. The children run as trustform's pool runs them: one
 * per processor, at most 8, the next starting as one ends.
 *
 *   nss_floor [-t TRUST] DBDIR... -- CA.pem...
 *
 * The nickname of CA "dir/NAME.pem" is "trustform-NAME", as trustform and
 * bench_nss.sh's certutil loop name it. Exit status 0 when every import and
 * every trust change succeeded. Not part of trustform; bench/bench_nss.sh uses it.
 */
#include <cert.h>
#include <certdb.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <nss.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pk11pub.h>
#include <prerror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PARALLEL 8 /* as stores/nss/nss_job.c */

struct ca {
	unsigned char *der;
	int len;
	char *nick;
};

static int load_ca(struct ca *ca, const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	if (!x) {
		fprintf(stderr, "nss_floor: %s: not a PEM certificate\n", path);
		return -1;
	}
	ca->der = NULL;
	ca->len = i2d_X509(x, &ca->der);
	X509_free(x);
	char *copy = strdup(path), *base = basename(copy), *dot = strrchr(base, '.');
	if (dot)
		*dot = 0;
	if (asprintf(&ca->nick, "trustform-%s", base) < 0)
		ca->nick = NULL;
	free(copy);
	return ca->len > 0 && ca->nick ? 0 : -1;
}

static void fail(const char *dir, const char *what, const char *nick)
{
	fprintf(stderr, "nss_floor: %s: %s%s%s: %s\n", dir, what, nick ? " " : "", nick ? nick : "",
		PR_ErrorToName(PORT_GetError()));
}

/* The child: become the owner, open, import, set trust, close. */
static int converge(const char *dir, const struct ca *cas, int ncas, const char *trust)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		fprintf(stderr, "nss_floor: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (geteuid() != st.st_uid &&
	    (setgroups(0, NULL) < 0 || setgid(st.st_gid) < 0 || setuid(st.st_uid) < 0)) {
		fprintf(stderr, "nss_floor: %s: cannot become uid %u: %s\n", dir,
			(unsigned)st.st_uid, strerror(errno));
		return 1;
	}
	char spec[4096];
	snprintf(spec, sizeof(spec), "sql:%s", dir);
	if (NSS_Initialize(spec, "", "", SECMOD_DB,
			   NSS_INIT_NOROOTINIT | NSS_INIT_OPTIMIZESPACE | NSS_INIT_NOMODDB) !=
	    SECSuccess) {
		fail(dir, "NSS_Initialize", NULL);
		return 1;
	}
	PK11SlotInfo *slot = PK11_GetInternalKeySlot();
	CERTCertDBHandle *handle = CERT_GetDefaultCertDB();
	CERTCertTrust t;
	int rc = 0;
	if (CERT_DecodeTrustString(&t, trust) != SECSuccess) {
		fail(dir, "trust string", trust);
		rc = 1;
	}
	for (int i = 0; i < ncas && !rc; i++) {
		SECItem item = {siBuffer, cas[i].der, (unsigned)cas[i].len};
		CERTCertificate *c =
		    CERT_NewTempCertificate(handle, &item, NULL, PR_FALSE, PR_TRUE);
		if (!c) {
			fail(dir, "decode", cas[i].nick);
			rc = 1;
			break;
		}
		if (PK11_ImportCert(slot, c, CK_INVALID_HANDLE, cas[i].nick, PR_FALSE) !=
		    SECSuccess) {
			fail(dir, "PK11_ImportCert", cas[i].nick);
			rc = 1;
		} else if (CERT_ChangeCertTrust(handle, c, &t) != SECSuccess) {
			fail(dir, "CERT_ChangeCertTrust", cas[i].nick);
			rc = 1;
		}
		CERT_DestroyCertificate(c);
	}
	PK11_FreeSlot(slot);
	if (NSS_Shutdown() != SECSuccess)
		rc = 1;
	return rc;
}

int main(int argc, char **argv)
{
	const char *trust = "C,,";
	int opt;
	while ((opt = getopt(argc, argv, "+t:")) != -1) {
		if (opt != 't') {
			fprintf(stderr, "usage: nss_floor [-t TRUST] DBDIR... -- CA.pem...\n");
			return 2;
		}
		trust = optarg;
	}
	int ndbs = 0, first_ca = argc;
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			first_ca = i + 1;
			break;
		}
		ndbs++;
	}
	int ncas = argc - first_ca;
	struct ca *cas = calloc(ncas ? ncas : 1, sizeof(*cas));
	for (int i = 0; i < ncas; i++)
		if (load_ca(&cas[i], argv[first_ca + i]) < 0)
			return 2;

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int max = cpus < 1 ? 1 : cpus > MAX_PARALLEL ? MAX_PARALLEL : (int)cpus;
	int running = 0, next = 0, bad = 0;
	fflush(NULL);
	while (next < ndbs || running) {
		while (next < ndbs && running < max) {
			pid_t pid = fork();
			if (pid < 0) {
				perror("nss_floor: fork");
				return 1;
			}
			if (pid == 0)
				_exit(converge(argv[optind + next], cas, ncas, trust));
			next++;
			running++;
		}
		int status;
		if (wait(&status) > 0) {
			running--;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				bad = 1;
		} else if (errno != EINTR) {
			break;
		}
	}
	for (int i = 0; i < ncas; i++) {
		OPENSSL_free(cas[i].der);
		free(cas[i].nick);
	}
	free(cas);
	return bad;
}
