/* The distribution's CA set and its removals; see distroset.h. */
#include "reconcile/distroset.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/gunzip.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

/* the changelog is about 100 KiB inflated; these leave room and stop a bomb */
#define CHANGELOG_MAX_GZ  ((size_t)4 << 20)
#define CHANGELOG_MAX_OUT ((size_t)16 << 20)

void distro_set_init(struct distro_set *d, const char *root)
{
	memset(d, 0, sizeof(*d));
	d->root = root;
}

void distro_set_load(struct distro_set *d)
{
	if (d->loaded)
		return;
	d->loaded = true;
	char *dir = root_resolve_host(d->root, DISTRO_MOZILLA_DIR);
	DIR *dh = dir ? jail_opendir(dir) : NULL;
	struct dirent *de;
	while (dh && (de = readdir(dh))) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".crt"))
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name);
		struct buf b = BUF_INIT;
		struct cert_list l = {0};
		if (buf_read_file(&b, path) == 0 && cert_list_parse(&l, b.ptr, b.len) == 0) {
			d->certs = xrealloc(d->certs, (d->n + l.n) * sizeof(*d->certs));
			for (size_t i = 0; i < l.n; i++) {
				d->certs[d->n++] = l.items[i];
				l.items[i]->refs++;
			}
		}
		cert_list_dispose(&l);
		buf_dispose(&b);
		free(path);
	}
	if (dh)
		closedir(dh);
	free(dir);
	err_clear();
}

void distro_set_dispose(struct distro_set *d)
{
	for (size_t i = 0; i < d->n; i++) {
		cert_free(d->certs[i]);
		if (d->full)
			X509_free(d->full[i]);
	}
	free(d->certs);
	free(d->full);
	debcl_dispose(&d->cl);
	memset(d, 0, sizeof(*d));
}

static void load_full(struct distro_set *d)
{
	distro_set_load(d);
	if (d->full || !d->n)
		return;
	d->full = xcalloc(d->n, sizeof(*d->full));
	for (size_t i = 0; i < d->n; i++)
		d->full[i] = cert_x509_full(d->certs[i]);
}

static void load_changelog(struct distro_set *d)
{
	if (d->cl_loaded)
		return;
	d->cl_loaded = true;
	static const char *const names[] = {"changelog.gz", "changelog.Debian.gz"};
	for (size_t i = 0; i < 2 && !d->cl.nversions; i++) {
		char *in = xasprintf(DISTRO_CHANGELOG_DIR "/%s", names[i]);
		char *path = root_resolve_host(d->root, in);
		struct buf text = BUF_INIT;
		if (path && gunzip_file(&text, path, CHANGELOG_MAX_GZ, CHANGELOG_MAX_OUT) == 0)
			debcl_parse(&d->cl, text.ptr, text.len);
		err_clear();
		buf_dispose(&text);
		free(path);
		free(in);
	}
}

/* Is the root installed (cert: by SHA-256, when the chain sent it), or any
 * root of its name? A root of the same name, with the same key id or another
 * (re-keyed), means the changelog's name says nothing certain about this
 * chain's root: no claim is made then. */
static bool installed(struct distro_set *d, X509 *cert, const X509_NAME *name)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (cert && X509_digest(cert, EVP_sha256(), md, &mdlen) == 1)
		for (size_t i = 0; i < d->n; i++)
			if (mdlen == FP_LEN && !memcmp(d->certs[i]->fp, md, FP_LEN))
				return true;
	for (size_t i = 0; i < d->n; i++)
		if (d->full[i] && !X509_NAME_cmp(X509_get_subject_name(d->full[i]), name))
			return true;
	return false;
}

/* The chain's top: from the leaf, the sent certificate that issued the
 * current one (by name and key id, as X509_check_issued judges). */
static X509 *chain_top(STACK_OF(X509) * chain)
{
	X509 *cur = sk_X509_value(chain, 0);
	for (int steps = 0; cur && steps < sk_X509_num(chain); steps++) {
		if (X509_check_issued(cur, cur) == X509_V_OK)
			return cur;
		X509 *up = NULL;
		for (int i = 0; i < sk_X509_num(chain) && !up; i++) {
			X509 *c = sk_X509_value(chain, i);
			if (c != cur && X509_check_issued(c, cur) == X509_V_OK)
				up = c;
		}
		if (!up)
			break;
		cur = up;
	}
	return cur;
}

/* The name's first entry of nid as UTF-8, or NULL. */
static char *name_entry(const X509_NAME *name, int nid)
{
	int at = X509_NAME_get_index_by_NID(name, nid, -1);
	if (at < 0)
		return NULL;
	unsigned char *utf8 = NULL;
	int len =
	    ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
	char *s =
	    len > 0 && !memchr(utf8, 0, (size_t)len) ? xstrndup((char *)utf8, (size_t)len) : NULL;
	OPENSSL_free(utf8);
	return s;
}

char *distro_set_removed_root(struct distro_set *d, STACK_OF(X509) * chain)
{
	X509 *top = chain && sk_X509_num(chain) > 0 ? chain_top(chain) : NULL;
	if (!top)
		return NULL;
	bool is_root = X509_check_issued(top, top) == X509_V_OK;
	/* a self-signed leaf, or a "root" that is no CA, is not a distribution's
	 * root whatever its name says */
	if (is_root && (top == sk_X509_value(chain, 0) || X509_check_ca(top) < 1))
		return NULL;
	const X509_NAME *name = is_root ? X509_get_subject_name(top) : X509_get_issuer_name(top);
	load_full(d);
	if (installed(d, is_root ? top : NULL, name))
		return NULL;
	load_changelog(d);
	static const int nids[] = {NID_commonName, NID_organizationalUnitName,
				   NID_organizationName};
	char *msg = NULL;
	for (size_t i = 0; i < 3 && !msg; i++) {
		char *n = name_entry(name, nids[i]);
		const char *version = n ? debcl_removed_in(&d->cl, n) : NULL;
		if (version)
			msg = xasprintf("chains to \"%s\", which ca-certificates %s removed "
					"(installed: %s; not in %s)",
					n, version, d->cl.versions[0], DISTRO_MOZILLA_DIR);
		free(n);
	}
	return msg;
}
