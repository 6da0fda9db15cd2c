/*
 * A systemd unit's environment as systemd reads it under a root: the unit
 * file and its drop-ins from the unit search path (/etc, /run, /usr/local/lib,
 * /usr/lib, /lib), ordered by drop-in file name (a name in a more important
 * directory masks the same name below), and their Environment=,
 * EnvironmentFile= and UnsetEnvironment= settings, with systemd's quoting;
 * and its ExecStart= lines (what the service runs reads the environment, and
 * its command line may override it).
 */
#ifndef TF_UNITFILE_H
#define TF_UNITFILE_H

#include <stdbool.h>
#include <stddef.h>

struct unit_assign {
	char *name, *value;
	char *src;   /* "/etc/systemd/system/x.service.d/50-a.conf:3" (in-root) */
	size_t file; /* index of the file it came from (unit_env.files) */
	enum { UA_SET, UA_RESET, UA_UNSET, UA_FILE_RESET } kind;
	bool from_envfile;
};

struct unit_env {
	char **files; /* in-root paths in the order systemd reads them */
	size_t nfiles, files_alloc;
	size_t unit_file;      /* index of the unit file itself in files, or SIZE_MAX */
	bool masked;	       /* the unit file is a link to /dev/null */
	size_t ours;	       /* index of trustform's drop-in in files, or SIZE_MAX */
	struct unit_assign *a; /* every setting, in the order read */
	size_t n, alloc;
	char **envfiles; /* EnvironmentFile= paths that could not be read */
	size_t nenvfiles, envfiles_alloc;
	/* ExecStart= command lines in effect (an empty ExecStart= in a later
	 * file drops those before it), unsplit, and where each was set */
	struct unit_exec {
		char *cmd, *src;
	} * exec;
	size_t nexec, exec_alloc;
	/* WorkingDirectory= in effect (its leading "-" dropped), and where it
	 * was set; NULL when none is (or an empty one reset it) */
	char *workdir, *workdir_src;
};

/* True for a unit name systemd accepts and that cannot leave a directory. */
bool unit_name_ok(const char *name);
/* Read the unit and its drop-ins under root. The drop-in file named ours in
 * /etc/systemd/system/<unit>.d is read as ours_text says instead (left out
 * when ours_text is NULL): its settings then take their place in the order.
 * A unit file that is missing or masked is not an error (drop-ins may come
 * first); u->unit_file is then SIZE_MAX and u->masked tells which. */
int unit_env_load(struct unit_env *u, const char *root, const char *unit, const char *ours,
		  const char *ours_text);
void unit_env_dispose(struct unit_env *u);
/* The final value of name after every setting (EnvironmentFile= after
 * Environment=, UnsetEnvironment= last), or NULL when it is not set; src gets
 * the setting that decided it. */
const char *unit_env_final(const struct unit_env *u, const char *name, const char **src);
/* Split a value into words as systemd does (quotes, C escapes). */
size_t unit_split_words(const char *s, char ***out);

#endif
