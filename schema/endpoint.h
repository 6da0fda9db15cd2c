/*
 * The endpoints a role's clients call (`connects_to:`), which `trustform check`
 * and the plan connect to: https://host[:port][/path] or tcp+tls://host:port,
 * each a string or a mapping with url, sni and stores. URLs given on the
 * command line are parsed by the same rules.
 */
#ifndef TF_ENDPOINT_H
#define TF_ENDPOINT_H

#include "schema/diag.h"
#include "schema/yamltree.h"

#include <stdbool.h>
#include <stddef.h>

struct conf_endpoint {
	char *url;	/* as written */
	int line, col;	/* of the URL */
	char *host;	/* a name, or an IP address without brackets */
	char *port;	/* "443" */
	char *sni;	/* as configured, or NULL: the host when it is a name */
	bool http;	/* https: the server's Date: can be read */
	size_t *stores; /* indexes into config.stores; every store of the role
			 * when the endpoint does not list them */
	size_t nstores;
	bool stores_listed; /* `stores:` was given */
};

/* Parse url into e (url, host, port, http). 0; -1 with *why set (caller frees):
 * what is wrong and what to write instead. */
int endpoint_parse_url(struct conf_endpoint *e, const char *url, char **why);
bool endpoint_is_ip(const char *host);
void endpoint_dispose(struct conf_endpoint *e);

/* The role an endpoint list belongs to, as the loader knows it (this module
 * does not depend on the configuration's model). */
struct endpoint_role {
	const char *name;
	const char *file;	   /* the configuration, for diagnostics */
	const char *const *stores; /* the role's store names */
	const size_t *store_idx;   /* and their indexes in config.stores */
	size_t nstores;
};

/* Load a role's connects_to: list into *out (validated with line:column into d). */
void endpoint_load_list(struct conf_endpoint **out, size_t *nout, const struct ynode *list,
			const struct endpoint_role *r, struct diag *d);

#endif
