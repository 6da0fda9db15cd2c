/*
 * Loading the configuration, inside: the load context and the checks every
 * section uses (loadctx.c), the cas and stores sections (config.c), and the
 * roles and hosts sections (config_roles.c). Private to those three.
 */
#ifndef TF_CONFIG_INT_H
#define TF_CONFIG_INT_H

#include "schema/config.h"
#include "schema/keys.h"
#include "schema/yamltree.h"

#include <stdbool.h>

#define MAX_NAME 64

struct loadctx {
	struct config *cfg;
	struct diag *d;
	const struct config_load_opts *opts;
};

void lc_error_at(struct loadctx *lc, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct pos lc_pos_of(const struct ynode *n);
bool lc_check_name(struct loadctx *lc, const struct ynode *key, const char *what);
const struct ynode *lc_expect(struct loadctx *lc, const struct ynode *n, enum ynode_kind kind,
			      const char *what);
const char *lc_expect_scalar(struct loadctx *lc, const struct ynode *n, const char *what);
int lc_parse_bool(struct loadctx *lc, const struct ynode *n, const char *what);
void lc_check_keys(struct loadctx *lc, const struct ynode *map, const struct key_spec *spec,
		   const char *where);

/* config_roles.c */
long lc_find_ca_idx(const struct config *c, const char *name);
long lc_find_store_idx(const struct config *c, const char *name);
void lc_load_roles(struct loadctx *lc, const struct ynode *roles);
void lc_load_hosts(struct loadctx *lc, const struct ynode *hosts);
void lc_warn_unused(struct loadctx *lc);
/* Each CA's accept_breaking names a connects_to URL, on a CA that is removed. */
void lc_check_accept_breaking(struct loadctx *lc);

/* config_replaces.c: a CA's replaces: (read with the CA, checked once every
 * CA is known: it names another CA, present, with no chain and no cycle). */
void lc_load_replaces(struct loadctx *lc, struct conf_ca *ca, const struct ynode *n);
void lc_check_replaces(struct loadctx *lc);

#endif
