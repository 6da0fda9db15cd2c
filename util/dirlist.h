/*
 * A directory's names in the order the programs trustform stands beside read
 * them (run-parts, Chrome's policy loader, /etc/profile, systemd's generator):
 * C-locale byte order, "." and ".." left out, a filter for the rest.
 */
#ifndef TF_DIRLIST_H
#define TF_DIRLIST_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the entry name of directory host belongs in the list. */
typedef bool (*dirlist_keep)(const char *host, const char *name, void *arg);

/* The names of host that keep (NULL: all) accepts, sorted, in *names (each
 * and the array freed by dirlist_free). 0; 1 when host does not exist (an
 * empty list); -1 with err set when it cannot be listed. */
int dirlist(const char *host, dirlist_keep keep, void *arg, char ***names, size_t *n);
void dirlist_free(char **names, size_t n);

/* A keep for regular files (links followed). */
bool dirlist_regular(const char *host, const char *name, void *arg);

#endif
