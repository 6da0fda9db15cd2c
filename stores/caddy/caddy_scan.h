/*
 * What Caddy's local PKI holds, as read and checked (caddy_scan.c), for the
 * PKI store (caddy_pki.c). Private to stores/caddy/.
 */
#ifndef TF_CADDY_SCAN_H
#define TF_CADDY_SCAN_H

#include "model/cert.h"
#include "stores/caddy/caddy.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct pki_leaf {
	char *name;	   /* the certificate's name (a domain, an IP) */
	char *dir;	   /* host path of certificates/<ca>/<name> */
	struct cert *cert; /* the leaf itself, or NULL when the file is damaged */
	bool stale;
	char *why;
};

struct pki_scan {
	char *data;	   /* host path of data_dir */
	char *authdir;	   /* host path of pki/authorities/<ca> */
	char *root_where;  /* in-root path of root.crt */
	struct cert *root; /* NULL: no root.crt */
	bool inter_present;
	struct cert *inter; /* NULL when absent or damaged */
	char *inter_why;    /* why the intermediate must be reissued, or NULL */
	bool inter_relife;  /* only because its lifetime is not intermediate_lifetime
			     * (its leaves go too: they are served with it) */
	struct pki_leaf *leaves;
	size_t nleaves, alloc;
	size_t stale_leaves;
	char *digest; /* what apply re-checks: intermediate and stale leaves */
};

/* Read and check everything; -1 with err set only for what makes the store
 * unreadable (data_dir missing, root.crt not a CA certificate). */
int pki_scan(struct pki_scan *sc, const struct caddy_opts *o, time_t now);
void pki_scan_dispose(struct pki_scan *sc);
/* Parse a file Caddy wrote; *list empty and -1 with err set when damaged. */
int pki_read_certs(const char *path, struct cert_list *list);
int pki_no_link(const char *data, const char *rel);

#endif
