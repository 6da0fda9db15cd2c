/*
 * Inside the registry store: one engine's certs.d directory listed
 * (certsd_dir.c), read (certsd.c), applied as a file store (certsd_apply.c),
 * and containerd's hosts.toml (certsd_toml.c). Private to stores/container/.
 */
#ifndef TF_CERTSD_INT_H
#define TF_CERTSD_INT_H

#include "model/cert.h"
#include "stores/container/certsd.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

#define PREFIX	   "trustform-"
#define HOSTS_TOML "hosts.toml"
/* The first line of a hosts.toml trustform wrote: its only mark of ownership. */
#define TOML_MARK	  "# Written by trustform"
#define CONTAINERD_CONFIG "/etc/containerd/config.toml"

struct certsd {
	const struct engine_info *eng;
	char *host; /* "registry.corp:5000" */
	char *dir;  /* in-root: "/etc/docker/certs.d/registry.corp:5000" */
};

/* A `*.crt` file of the directory. */
struct crt {
	char *base;
	char *inroot;
	struct cert_list certs;
	bool parsed;
};

/* What the directory holds now. */
struct dstate {
	bool exists;
	struct crt *f;
	size_t n, alloc;
	char **clients; /* "<x>" of each x.cert with its x.key (containerd's fallback) */
	size_t nclients, clients_alloc;
	bool toml_exists, toml_ours;
	struct buf toml;
};

/* certsd_dir.c: list the directory (0, or -1 with err set); st is always
 * initialized, for dstate_dispose. */
int dstate_load(struct dstate *st, const struct certsd *p, const char *root);
void dstate_dispose(struct dstate *st);
/* Only the client pairs of the directory, into st (for apply's hosts.toml). */
void dstate_clients(struct dstate *st, const struct certsd *p, const char *root);
/* qsort's order of file names (char * items). */
int certsd_name_cmp(const void *a, const void *b);

/* certsd_apply.c: the registry as a file store. */
extern const struct store_file_kind certsd_kind;

void toml_render(struct buf *out, const struct certsd *p, char *const *names, size_t n,
		 const struct dstate *st);
/* Why hosts.toml leaves the *.crt name out (not UTF-8; a file of st without
 * a certificate that parses), or NULL when it lists it. */
const char *toml_skip_reason(const char *name, const struct dstate *st);
/* Whether a containerd config.toml text sets config_path (a ':'-separated
 * list) to include dir, on a line that is not a comment. */
bool toml_sets_config_path(const char *text, const char *dir);
bool has_owned(char *const *names, size_t n);
char *toml_stale(const struct certsd *p, const struct dstate *st);
char *foreign_toml_text(const struct certsd *p);
void containerd_config_note(const struct store_inst *s, struct trust_set *out);
char *containerd_shadow(const struct certsd *p);
bool shadow_exists(const struct store_inst *s, const char *alt);
void containerd_shadow_check(const struct store_inst *s, struct trust_set *out);

#endif
