/*
 * Running another program: one runner configured by an options struct
 * (libgit2's git_process_options), used by every feature that starts one (a
 * venv's python, Caddy, the ca-certificates hooks, ssh-keygen and gpgv,
 * systemctl, a distro's extract command).
 *
 * argv only, never through a shell unless the configuration gives a shell
 * command; the child's stdout never mixes with the plan on ours; output
 * captured for the error message; a program that is not there is reported the
 * same way everywhere ("<what>: <name> is not installed (not found in PATH)").
 */
#ifndef TF_PROC_H
#define TF_PROC_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

struct proc_opts {
	const char *what;	 /* for messages: "stop Caddy", "hook jks-keystore" */
	const char *const *argv; /* argv[0] a path or a name looked up in PATH */
	const char *shell;	 /* or: a shell command, run as sh -c (argv NULL) */
	const char *const *env;	 /* extra "K=V" entries, NULL-terminated, or NULL */
	bool clean_env;		 /* start from a standard PATH and LANG=C.UTF-8 only */
	const char *cwd;	 /* or NULL: ours (inside chroot_dir when set) */
	const char *chroot_dir;	 /* run inside this tree (chroot; needs root):
				  * argv[0] is then a path inside it */
	const void *stdin_data;	 /* fed to its stdin (NULL: /dev/null) */
	size_t stdin_len;
	struct buf *out; /* its stdout (and stderr when err is NULL), or
			  * NULL: both go to our stderr */
	struct buf *err; /* its stderr apart, or NULL */
	int timeout_ms;	 /* > 0: killed (with its children) after this */
	bool temp_home;	 /* HOME, XDG_DATA_HOME and XDG_CONFIG_HOME in a
			  * fresh temp directory, removed after: the
			  * program leaves nothing behind */
	bool as_user;	 /* run as uid/gid (no supplementary groups), after
			  * the chroot: a program a user owns never runs
			  * as root */
	unsigned uid, gid;
};

/* Run it and wait. Returns the exit status (0..255) or 128+signal; -1 with
 * err set when it could not be started, is not installed, or ran past its
 * timeout. */
int proc_exec(const struct proc_opts *o);

/* The same, for the common case: argv, extra env, output into out. */
int proc_run(const char *const argv[], const char *const env[], struct buf *out);
/* Whether a command name is found in PATH (or is an executable path). */
char *proc_which(const char *name);
/* The last line of a captured output, trimmed (for messages). */
char *proc_last_line(const struct buf *out);

#endif
