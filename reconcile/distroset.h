/*
 * The distribution's own CA set, for `trustform check`: Mozilla's roots as
 * the installed ca-certificates ships them (<root>/usr/share/ca-certificates/
 * mozilla, which also stands in for Node's bundled roots), and what the
 * package's changelog (<root>/usr/share/doc/ca-certificates/changelog.gz,
 * inflated with zlib, bounded) says its releases removed.
 */
#ifndef TF_DISTROSET_H
#define TF_DISTROSET_H

#include "model/cert.h"
#include "util/debchangelog.h"

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

#define DISTRO_MOZILLA_DIR   "/usr/share/ca-certificates/mozilla"
#define DISTRO_CHANGELOG_DIR "/usr/share/doc/ca-certificates"

struct distro_set {
	const char *root;
	bool loaded;
	struct cert **certs; /* the installed Mozilla set */
	size_t n;
	X509 **full; /* the same, parsed in full (names, key ids), on first need */
	bool cl_loaded;
	struct debcl cl; /* the changelog; empty when there is none */
};

void distro_set_init(struct distro_set *d, const char *root);
/* The installed Mozilla set (once); a directory that is missing is empty. */
void distro_set_load(struct distro_set *d);
void distro_set_dispose(struct distro_set *d);

/*
 * When the served chain (leaf first, followed by name and key identifier as
 * X509_check_issued does) ends at a root, or is issued by one, that the
 * installed Mozilla set does not hold (by SHA-256 where the chain sends the
 * root; and no installed root has its subject at all, whatever its key), and
 * the changelog says a release removed a CA of that name (its CN, else OU,
 * else O), never added again since: "chains to "NAME", which ca-certificates
 * VERSION removed (installed: V2; ...)". NULL otherwise: never a guess.
 */
char *distro_set_removed_root(struct distro_set *d, STACK_OF(X509) * chain);

#endif
