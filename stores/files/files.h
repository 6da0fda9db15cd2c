/*
 * The file store family: stores that are one file trustform writes (a PEM
 * bundle, Python's certifi or truststore file, a systemd drop-in with its
 * bundle, a tool's configuration file pointing at its bundle). The rest of
 * the family (pemfile.h, python.h, unitfile.h, envvars.h, toolconf.h) is
 * private.
 */
#ifndef TF_STORES_FILES_H
#define TF_STORES_FILES_H

#include "stores/store.h"

extern const struct store_type store_type_pem_bundle;
extern const struct store_type store_type_python;
extern const struct store_type store_type_systemd_env;
extern const struct store_type store_type_shell_env;
extern const struct store_type store_type_pip_config;
extern const struct store_type store_type_npm_config;
extern const struct store_type store_type_git_config;

#endif
