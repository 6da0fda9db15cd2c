/* Which distro a root is, from <root>/etc/os-release (ID, ID_LIKE). */
#ifndef TF_OSRELEASE_H
#define TF_OSRELEASE_H

struct os_release {
	char *id;
	char *id_like;
	char *pretty;
	char *path; /* where it was read */
};

/* 0 on success; -1 with err set when neither os-release file can be read. */
int os_release_read(struct os_release *out, const char *root);
void os_release_dispose(struct os_release *o);

#endif
