/*
 * Load every CA file of a config and check it before anything is written
 * (SPEC §2): exactly one certificate, CA:TRUE, pin, validity window, and the
 * warnings that save an operator a day (intermediate, near expiry, weak).
 */
#ifndef TF_CA_CHECK_H
#define TF_CA_CHECK_H

#include "schema/config.h"
#include <time.h>

void ca_check_all(struct config *cfg, const struct config_load_opts *opts, struct diag *d);
/* Host path of a CA file: relative to the config's directory, absolute under root. */
char *ca_file_host_path(const struct config *cfg, const char *file, const char *root);

#endif
