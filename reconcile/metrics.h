/*
 * node_exporter textfile metrics of a drift check (`trustplan --prometheus
 * FILE`): changes pending per store, whether each store could be read, seconds
 * until each CA of the host expires, when the check last ran and whether it
 * succeeded, the configuration it used, and each rotation's phase with what
 * blocks it. Written atomically (temp file in
 * the same directory, renamed), so the collector never reads half a file; the
 * temp name does not end in .prom, so the collector never picks it up.
 */
#ifndef TF_METRICS_H
#define TF_METRICS_H

#include "reconcile/plan.h"
#include "schema/resolve.h"
#include "util/buf.h"

#include <stdbool.h>
#include <time.h>

struct git_checkout;
struct check_report;
struct rotation_list;

struct metrics_input {
	const char *host;		/* or NULL when not known yet */
	const struct plan *plan;	/* NULL when the run failed before reading stores */
	const struct resolved *res;	/* the host's CAs, or NULL */
	const struct git_checkout *git; /* or NULL */
	const char *config_origin;	/* or NULL */
	bool success;
	time_t now;
	const struct check_report *check;      /* the endpoints were checked, or NULL */
	const struct rotation_list *rotations; /* the rotations judged, or NULL */
};

/* Render the metrics (text exposition format) into out. */
void metrics_render(struct buf *out, const struct metrics_input *in);
/* Render and write atomically to path. -1 with err set. */
int metrics_write(const char *path, const struct metrics_input *in);

#endif
