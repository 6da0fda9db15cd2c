/* The human plan of SPEC §4: Terraform's shape, deterministic order. */
#ifndef TF_RENDER_H
#define TF_RENDER_H

#include "reconcile/plan.h"
#include <stdbool.h>
#include <stdio.h>

struct render_opts {
	bool color;
	const char *verb; /* "plan" or "apply" */
	const char *host;
	const char *roles;  /* "edge, runner" */
	const char *origin; /* "trust.yaml" or "git URL @ commit" */
	bool under_root;    /* --root: services are not restarted */
	/* --root, named once in the header (messages give in-root paths,
	 * util/rootjail.h path_shown); NULL or "" for / */
	const char *root;
};

void render_header(FILE *out, const struct render_opts *o);
void render_plan(FILE *out, const struct plan *p, const struct render_opts *o);
/* The certificates within their renewal window (lifecycle.h): a Warning line
 * each, with its date and stores; render_plan ends with them. */
void render_expiring(FILE *out, const struct plan *p, const struct render_opts *o);
/* "trustform: error: <store>: <why>" for stores that could not be read */
void render_store_errors(FILE *out, const struct plan *p);
struct verdict;
/* The last line: "No changes." only when no client would fail (verdict.h). */
void render_summary(FILE *out, const struct plan *p, const struct verdict *v,
		    const struct render_opts *o);
struct apply_result;
/* The last lines of apply: complete, or which stores failed and which changed
 * since the plan. */
void apply_render_summary(FILE *out, const struct plan *p, const struct apply_result *res,
			  const struct render_opts *o);
/* "3b8f0a1c9d2e…": the 12-digit prefix used in file names too */
void render_short_fp(char out[20], const char *fphex);

#endif
