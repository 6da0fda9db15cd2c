/*
 * The chrome-policy store's inside: Chrome's and Chromium's policy files, read
 * and parsed (chrome_files.c), for the store (chrome_policy.c). Private.
 */
#ifndef TF_CHROME_INT_H
#define TF_CHROME_INT_H

#include "model/cert.h"
#include "util/buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define OURS  "trustform.json"
#define K_CA  "CACertificates"
#define K_DIS "CADistrustedCertificates"

struct browser {
	const char *name, *title, *dir;
	const char *const installs[3]; /* where an installed browser is seen */
};

/* One certificate of a policy list. */
struct pcert {
	char *b64;
	unsigned char fp[FP_LEN];
	struct cert *cert; /* NULL: not base64 DER of a certificate */
};

struct plist {
	struct pcert *v;
	size_t n, alloc;
	bool set; /* the file sets the key */
};

struct pfile {
	char *name;  /* file name in the directory */
	char *shown; /* in-root path */
	bool bad;    /* not a JSON object: Chrome ignores the whole file */
	char *why;
	struct plist ca, dis;
};

struct cpol {
	const struct browser *b;
	char *file, *host; /* trustform.json: in-root, and where it is */
	char *dirhost;
	struct buf seen; /* trustform.json as read for the plan */
	bool existed;
};

struct cert *pol_b64_cert(const char *s);
char *pol_cert_b64(const struct cert *c);
void plist_add(struct plist *l, const char *b64, struct cert *c);
void plist_dispose(struct plist *l);
bool plist_has(const struct plist *l, const unsigned char fp[FP_LEN]);
void plist_drop(struct plist *l, const unsigned char fp[FP_LEN]);
void pfile_dispose(struct pfile *f);
void pfile_parse(struct pfile *f, const struct buf *bytes);
int pol_load_others(const struct cpol *p, struct pfile **out, size_t *n);
void pol_others_free(struct pfile *f, size_t n);
int pol_load_ours(const struct cpol *p, struct buf *out);

#endif
