/*
 * Which Python 3 a host has: the highest /usr/bin/python3.N of the tree (in
 * --root, the root's), read from the names, never by running it. Python
 * 3.13+ verifies with OpenSSL's strict mode through the system store.
 */
#ifndef TF_PYHOST_H
#define TF_PYHOST_H

/* The highest minor version N of <root>/usr/bin/python3.N, or -1 when there is
 * none; *path (may be NULL) gets the in-root path, "/usr/bin/python3.14". */
int pyhost_minor(const char *root, char **path);

#endif
