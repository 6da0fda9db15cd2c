/*
 * Running another program (a venv's python, systemctl, a distro's extract
 * command): argv only, never through a shell unless the configuration asks
 * for a shell command; output captured for the error message; stdout of the
 * child never mixes with the plan.
 */
#ifndef TF_PROC_H
#define TF_PROC_H

#include "util/buf.h"

/* Run argv[0] (a path, or a name looked up in PATH) with extra environment
 * entries ("K=V", NULL-terminated, may be NULL). Its stdout and stderr go to
 * out (may be NULL: then to our stderr). Returns the exit status (0..255),
 * 128+signal when killed, or -1 with err set when it could not be started
 * (127 from the child: not found). */
int proc_run(const char *const argv[], const char *const env[], struct buf *out);
/* Whether a command name is found in PATH (or is an executable path). */
char *proc_which(const char *name);
/* The last line of a captured output, trimmed (for messages). */
char *proc_last_line(const struct buf *out);

#endif
