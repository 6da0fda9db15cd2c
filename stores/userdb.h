/*
 * Users and groups of the system trustform acts on. On the real root this is
 * the C library (getpwnam_r, getgrouplist), so NSS-switch sources such as LDAP
 * count. Under --root it is <root>/etc/passwd and <root>/etc/group: the image's
 * users, not the host's, whose ids need not exist on the host at all.
 */
#ifndef TF_USERDB_H
#define TF_USERDB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct user_info {
	char *name;
	uid_t uid;
	gid_t gid;
	char *home;    /* in-root path */
	gid_t *groups; /* supplementary groups, the primary one included */
	size_t ngroups;
};

/* 0 found, 1 no such user, -1 error (err set: a file that cannot be read). */
int userdb_by_name(struct user_info *out, const char *root, const char *name);
int userdb_by_uid(struct user_info *out, const char *root, uid_t uid);
/* The user whose home holds path (the longest such home; "/" counts for no one). */
int userdb_by_home(struct user_info *out, const char *root, const char *path);
void user_info_dispose(struct user_info *u);
void user_info_copy(struct user_info *dst, const struct user_info *src);
/* The file users come from, for messages: "<root>/etc/passwd". Caller frees. */
char *userdb_source(const char *root);
/* A user name trustform accepts from the config (POSIX portable, plus '.'). */
bool userdb_name_ok(const char *name);

#endif
