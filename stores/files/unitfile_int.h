/*
 * Inside the unit reader: unitfile.c finds the files, unitfile_parse.c reads
 * their syntax. Private to stores/files/unitfile*.c.
 */
#ifndef TF_UNITFILE_INT_H
#define TF_UNITFILE_INT_H

#include "stores/files/unitfile.h"

#include <stddef.h>

/* Read the [Service] environment settings of a unit file's text (shown as
 * inroot in sources) into u; EnvironmentFile= is read under root. */
void unit_parse_text(struct unit_env *u, const char *root, const char *inroot, const char *text,
		     size_t len);

#endif
