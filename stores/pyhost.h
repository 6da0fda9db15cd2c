/*
 * Which Python 3 a host has: the highest /usr/bin/python3.N of the tree (in
 * --root, the root's), read from the names, never by running it; and which
 * one a venv was made with, from its pyvenv.cfg. Python 3.13+ verifies with
 * OpenSSL's strict mode.
 */
#ifndef TF_PYHOST_H
#define TF_PYHOST_H

/* The highest minor version N of <root>/usr/bin/python3.N, or -1 when there is
 * none; *path (may be NULL) gets the in-root path, "/usr/bin/python3.14". */
int pyhost_minor(const char *root, char **path);

/* "3.11" from the pyvenv.cfg of the venv at venv_host (a host path): its
 * version (or uv's version_info), or NULL when there is none. */
char *pyhost_venv_version(const char *venv_host);
/* The minor version N of the venv's Python 3.N (venv: in-root path), or -1
 * when its pyvenv.cfg does not say; *version (may be NULL) gets "3.12". */
int pyhost_venv_minor(const char *root, const char *venv, char **version);

#endif
