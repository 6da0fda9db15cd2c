/*
 * What the login environment sets before and after trustform's own files:
 * /etc/environment (pam_env, before profile.d), the .conf files of the
 * environment.d directories systemd's generator reads (/etc, /run,
 * /usr/local/lib, /usr/lib; a name in an earlier one masks the later ones;
 * Debian's /usr/lib/environment.d/99-environment.conf links /etc/environment,
 * so user sessions read it after trustform's 90-trustform.conf) and the .sh
 * files of /etc/profile.d, read line by line (export NAME=value, NAME=value,
 * unset NAME) in C-locale name order. What a script computes is not seen.
 * Used by the shell-env store.
 */
#ifndef TF_STORES_FILES_SHELL_ENV_SCAN_H
#define TF_STORES_FILES_SHELL_ENV_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#define PROFILE_DIR  "/etc/profile.d"
#define PROFILE_OURS "trustform.sh"
#define ENVD_DIR     "/etc/environment.d"
#define ENVD_OURS    "90-trustform.conf"
#define ETC_ENV	     "/etc/environment"

enum src_kind { SRC_ETC_ENV, SRC_ENVD, SRC_PROFILE };

struct assign {
	char *name, *value; /* value NULL: unset */
	char *src;	    /* "/etc/profile.d/50-x.sh:3" */
	enum src_kind kind;
	bool after; /* read after trustform's file of its kind */
};

struct scan {
	struct assign *a;
	size_t n, alloc;
	/* the first file systemd reads whose name has a control character,
	 * shown with '?' for them; NULL when none */
	char *bad;
};

/* Every assignment the files under root make, in the order they take effect.
 * Files that are missing or unreadable contribute nothing. */
void scan_all(struct scan *sc, const char *root);

/* One file (host path; shown in sources as shown). */
void scan_file(struct scan *sc, const char *host, const char *shown, enum src_kind kind,
	       bool after);

void scan_dispose(struct scan *sc);

#endif
