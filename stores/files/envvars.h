/*
 * The environment variables trustform knows how to point a program's TLS
 * trust at, and what each must hold. Shared by the stores that set
 * variables (systemd-env; a shell-env store would use the same table).
 */
#ifndef TF_ENVVARS_H
#define TF_ENVVARS_H

#include <stddef.h>

enum envvar_kind {
	ENVVAR_FILE, /* the path of a PEM bundle */
	ENVVAR_DIR,  /* a directory of OpenSSL hashed links (<hash>.0) */
	ENVVAR_FLAG, /* a fixed value that switches trust on */
};

struct envvar {
	const char *name;
	enum envvar_kind kind;
	const char *flag; /* ENVVAR_FLAG: the only value that works */
	const char *who;  /* who reads it, for messages */
};

/* The known variable called name, or NULL. */
const struct envvar *envvar_find(const char *name);
/* The known name closest to name (a typo), or NULL. */
const char *envvar_suggest(const char *name);
/* The known names, ", "-separated, of the kinds in mask (1 << ENVVAR_FILE | ...). */
void envvar_list(unsigned mask, char *out, size_t size);
/* The value a variable must hold: the flag, or the path given. */
const char *envvar_value(const struct envvar *v, const char *path);

#endif
