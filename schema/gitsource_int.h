/*
 * The configuration from git, inside: the cache of clones (gitcache.c) and
 * the commit read from it (gitsource.c). Private to those two files.
 */
#ifndef TF_GITSOURCE_INT_H
#define TF_GITSOURCE_INT_H

#include "schema/gitsource.h"

#include <git2.h>
#include <time.h>

#define FETCHED_FILE  "trustform-fetched" /* time of the last successful fetch */
#define REMOTE_PREFIX "refs/remotes/origin/"

struct git_priv {
	git_repository *repo;
	git_tree *tree;
	char *dir; /* directory of the config file inside the repository */
	int lock_fd;
};

/* Append libgit2's last error to the message just set. */
void gitsrc_append_git_error(void);
/* Names: the URL as cached, a path inside the repository, the cache's path. */
char *gitsrc_normalize_url(const char *url);
char *gitsrc_normalize_rel(const char *dir, const char *file);
char *gitsrc_cache_path(const char *root, const char *url);
/* A ref that is a whole commit id (40 hex digits). */
bool gitsrc_is_full_oid(const char *s);
/* One run at a time per cached repository. */
int gitsrc_lock_cache(struct git_priv *p, const char *cache);
void gitsrc_unlock_cache(struct git_priv *p);
/* Clone or fetch into the cache as the options say (pins, freshness). */
int gitsrc_update_cache(struct git_checkout *g, struct git_priv *p,
			const struct git_source_opts *o);

#endif
