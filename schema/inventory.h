/*
 * The host names of a fleet engine's inventory, for `trustform diff
 * --inventory FILE`: an Ansible INI inventory (a plain list of names, one a
 * line, is one without sections) or an Ansible YAML inventory. Variables,
 * :vars and :children sections are skipped; names come back sorted, once.
 */
#ifndef TF_INVENTORY_H
#define TF_INVENTORY_H

#include <stddef.h>

/* Returns 0, or -1 with err set (file:line: what, and the fix). */
int inventory_load(char ***names, size_t *n, const char *path);
void inventory_free(char **names, size_t n);

#endif
