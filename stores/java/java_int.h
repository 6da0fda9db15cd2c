/* Inside the java family: the java store's instance, shared by the java and
 * jdk store types, and the JAVA_TOOL_OPTIONS drop-in of `unit:` (java_unit.c). */
#ifndef TF_STORES_JAVA_INT_H
#define TF_STORES_JAVA_INT_H

#include "schema/diag.h"
#include "stores/store.h"
#include "util/fsutil.h"

#include <stdbool.h>

/* The password of a truststore whose store names none (the jdk store):
 * the JDK's own. */
#define JAVA_DEFAULT_PASSWORD "changeit"

struct java {
	char *path, *host;
	char *pwfile, *pwfile_host;
	char *unit, *dropin, *dropin_host; /* `unit:`, or NULL */
};

extern const struct store_backend java_backend;

/* A java-backend instance for the truststore at path (in-root), with the
 * password options of cs; NULL with err set when a path cannot be resolved. */
struct store_inst *java_inst_new(const struct conf_store *cs, const struct run_ctx *ctx,
				 const char *path, const char *address, const char *title);

/* `unit:` of a java store: checked at load, set up on s at open (a consumer
 * of the unit), planned by read (out->stale when the drop-in is not as it
 * must be; a refusal when the truststore is not JKS or the unit sets
 * JAVA_TOOL_OPTIONS itself) and written into apply's transaction. */
void java_unit_validate(const struct conf_store *cs, struct diag *d);
int java_unit_open(struct store_inst *s);
int java_unit_read(struct store_inst *s, bool jks, struct trust_set *out);
/* 1 when the drop-in goes into txn, 0 when it is as it must be, -1 on error. */
int java_unit_render(struct store_inst *s, bool jks, struct buf *want);
/* After a committed drop-in: systemctl daemon-reload (not under --root). */
void java_unit_reload(const struct store_inst *s);
void java_unit_dispose(struct java *j);

#endif
