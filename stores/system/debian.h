/*
 * Internals of the Debian system store, shared by its files:
 *   debian_src.c  the sources (ca-certificates.conf, distro and local CAs)
 *   debian.c      read, and the file-store kind: the files, render, derive
 *   debian_etc.c  /etc/ssl/certs as update-ca-certificates --fresh leaves it
 *   debian_key.c  the read cache's key: the stat identity of all of it
 *   hooks.c       /etc/ca-certificates/update.d, run as update-ca-certificates does
 */
#ifndef TF_DEBIAN_H
#define TF_DEBIAN_H

#include "model/cert.h"
#include "stores/store.h"
#include "util/buf.h"
#include "util/strmap.h"

#include <sys/stat.h>

extern const struct store_backend store_backend_debian;

#define DEB_CONF     "/etc/ca-certificates.conf"
#define DEB_CERTSDIR "/usr/share/ca-certificates"
#define DEB_LOCALDIR "/usr/local/share/ca-certificates"
#define DEB_MANAGED  DEB_LOCALDIR "/trustform"
#define DEB_ETCCERTS "/etc/ssl/certs"
#define DEB_BUNDLE   "ca-certificates.crt"
#define DEB_HOOKSDIR "/etc/ca-certificates/update.d"
#define DEB_JOURNAL  "/var/lib/trustform/debian-hooks.pending"

/* One certificate file that update-ca-certificates adds, in bundle order. */
struct deb_src {
	char *inroot;	/* "/usr/share/ca-certificates/mozilla/X.crt" */
	char *rel;	/* relative to its directory: "mozilla/X.crt" */
	char *norm;	/* rel normalised ("/mozilla/X.crt"), for matching conf lines */
	char *pem_name; /* its link in /etc/ssl/certs: "X.pem" */
	struct buf bytes;
	struct cert_list certs;
	bool parsed_ok;
	bool local;
};

struct deb_conf_line {
	char *raw;  /* the line as written, without newline */
	char *name; /* trimmed path, without '!' */
	char *norm; /* name normalised, as update-ca-certificates' test -f sees it */
	enum { CONF_OTHER, CONF_SELECT, CONF_DESELECT } kind;
};

struct deb_state {
	const char *root;
	struct buf conf_raw;
	struct deb_conf_line *conf;
	size_t nconf, conf_alloc;
	struct deb_src *distro; /* every *.crt under CERTSDIR, sorted */
	size_t ndistro, distro_alloc;
	struct deb_src *local; /* every *.crt under LOCALDIR, sorted */
	size_t nlocal, local_alloc;
	struct strmap distro_by_norm;  /* norm -> index into distro */
	struct strmap local_by_inroot; /* inroot -> index into local (the first) */
	struct strmap conf_state;      /* norm -> enum trust_state the conf gives it */
	struct deb_src **bundle;       /* the sources in bundle order (borrowed) */
	size_t nbundle, bundle_alloc;
};

int deb_state_load(struct deb_state *st, const char *root);
/* Every *.crt under dir (in root) as update-ca-certificates finds them (find
 * -L), sorted by rel: where to read each, and its stat (the file's, links
 * followed). */
struct deb_found {
	char *rel;  /* path below dir, as find -L prints it */
	char *host; /* where to read it */
	struct stat st;
};
void deb_tree_find(const char *root, const char *dir, struct deb_found **files, size_t *n);
void deb_found_free(struct deb_found *files, size_t n);
/* The store's state_key (debian_key.c): the stat identity of everything the
 * read depends on, so that a plan with nothing to do parses nothing. */
int deb_state_key(struct store_inst *s, struct buf *key);
bool deb_hooks_enabled(const struct store_inst *s);
/* What ca-certificates.conf makes of a distro file: selected (trusted),
 * deselected with `!` (distrusted), or neither (inert). */
enum trust_state deb_conf_state(const struct deb_state *st, const struct deb_src *src);
const struct deb_src *deb_find_distro(const struct deb_state *st, const char *rel);
void deb_state_dispose(struct deb_state *st);
/* Make st the sources as the apply leaves them: the conf and local files fs
 * writes or removes (render's entries). */
void deb_state_update(struct deb_state *st, const struct store_files *fs);
/* "X.pem" for a source path, as update-ca-certificates names it. */
char *deb_pem_name(const char *path);

/* /etc/ssl/certs. */
struct deb_etc_diff {
	size_t link_add, link_change, link_remove, hash_changes;
	bool bundle_differs;
};
/* Compare what is there with what the sources call for; 0 and diff filled. */
int deb_etc_check(const struct deb_state *st, struct deb_etc_diff *diff);
/* Add to fs what /etc/ssl/certs must become for the sources in st (links to
 * make or remove, the bundle; the store's derived entries), and to hook_lines
 * the "+path"/"-path" lines update-ca-certificates would give its hooks. 0,
 * or -1 with err set. */
int deb_etc_derive(const struct deb_state *st, struct store_files *fs, struct buf *hook_lines);

/* Hooks (run-parts --test semantics). Returns -1 with err set if any failed. */
int deb_hooks_list(const char *root, char ***names, size_t *n);
int deb_hooks_run(const char *root, const struct buf *lines);

#endif
