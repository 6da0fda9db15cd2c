/*
 * A certificate directory as a virtual listing; see certsdir.c.
 */
#ifndef TF_CERTSDIR_H
#define TF_CERTSDIR_H

#include "stores/system/rehash.h"
#include "util/buf.h"
#include "util/strmap.h"

#include <stdbool.h>
#include <stddef.h>

enum ent_type { ENT_FILE, ENT_LINK, ENT_DIR, ENT_OTHER };

struct ent {
	char *name;
	enum ent_type type;
	char *target;		    /* links */
	const struct rh_info *info; /* what rehash makes of it, when known without reading */
	bool removed;
	/* Where a target with a '/' leads, resolved once (it is outside the
	 * directory, so the virtual state does not change it). */
	bool ext_done, ext_ok, ext_isreg;
	char *ext_path;
};

/* Resolved directories, shared by both listings of a run: thousands of links
 * lead into the same few directories, which need resolving only once. */
struct dircache {
	struct strmap map; /* in-root directory -> index into resolved[] */
	char **keys, **resolved;
	size_t n, alloc;
};

struct listing {
	struct ent *e;
	size_t n, alloc;
	struct strmap by_name; /* live entries only */
	char *dir_inroot;      /* resolved in-root path of the directory */
	const char *root;
	struct dircache *dirs;
};

struct vres {
	const struct ent *ent; /* final entry inside the directory, or NULL */
	bool in_dir;	       /* the target is (or would be) an entry of the directory */
	bool ext_isreg;	       /* outside it: a regular file */
	char *path;	       /* in-root path of the final target */
};

void dircache_dispose(struct dircache *c);
void listing_dispose(struct listing *l);
struct ent *listing_find(const struct listing *l, const char *name);
void listing_remove(struct listing *l, struct ent *e);
/* The live entry of that name, created or with its target forgotten. */
struct ent *listing_put(struct listing *l, const char *name);
/* Resolve (once) a link target that leads out of the directory. */
void ent_resolve_ext(const struct listing *l, struct ent *e);
/* Read the directory dir_inroot (resolved under root); 0 also when it is missing. */
int read_listing(const char *root, const char *dir_inroot, struct listing *l);
/* Follow a name to a non-link entry of the directory or a path outside it. */
bool vresolve(const struct listing *l, const char *name, struct vres *out);
bool is_regular_file_virtual(const struct listing *l, const char *name);
char *resolve_path(const struct listing *l, const char *name);

#endif
