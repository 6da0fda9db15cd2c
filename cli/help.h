/* The lines of --help, shared by a command's usage (help.c) and trustform
 * --help (commands.c). */
#ifndef TF_CLI_HELP_H
#define TF_CLI_HELP_H

#include "cli/cli.h"

#include <stdio.h>

#define HELP_COL 27 /* where an option's help starts */

/* "  -c, --config FILE        help". */
void cli_put_opt(FILE *out, const struct cli_opt *o);
/* "  plan       summary" */
void cli_put_summary(FILE *out, const struct cli_command *c);

#endif
