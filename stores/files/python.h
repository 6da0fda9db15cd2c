/*
 * Internals of the python store, shared by its files:
 *   python.c       the store type: options, open, read, the file stores of both modes
 *   python_venv.c  finding site-packages in a venv; the truststore .pth
 *   python_effect.c  the effect cache's key of the truststore check
 */
#ifndef TF_PYTHON_H
#define TF_PYTHON_H

#include "stores/store.h"

#include <stdbool.h>

#define PY_PTH "trustform-truststore.pth"

struct py_store {
	char *venv; /* as configured (in-root) */
	char *venv_host;
	char *file; /* certifi's cacert.pem or the .pth, in-root */
	char *file_host;
	bool truststore;
};

/* The venv's site-packages (in-root) that holds what the mode needs. */
int py_find_site(char **site, const struct py_store *p, const char *root,
		 const struct conf_store *cs);
/* in_place: the .pth exists in the form this trustform writes. */
int py_pth_read(struct store_inst *s, struct py_store *p, struct trust_set *out, bool *in_place);
/* The file store's render of the .pth f (loaded by the engine): carry out
 * ps->steps on its CA lines; no CA left, no file. 0, or -1 when a step failed
 * (stale when the line it replaces is gone). */
int py_pth_render(const struct py_store *p, struct plan_store *ps, struct store_file *f);

/* The key of the truststore check's result: everything that decides what the
 * venv's python prints for script when run as uid (stores/effectcache.h). */
struct effect_key;
void py_effect_key(struct effect_key *k, const char *root, const struct py_store *p,
		   const char *script, long uid);

#endif
