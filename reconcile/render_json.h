/*
 * Machine-readable output of plan, apply and show (`--json`), shaped like
 * `terraform show -json`: format_version, resource_changes[] with address,
 * change.actions, change.before/after and action_reason, and a change_summary.
 * Built with jansson; schema/output.schema.json describes every document and
 * a test validates each output against it. format_version follows Terraform's
 * rule: a minor bump only adds, a major bump may change meaning.
 */
#ifndef TF_RENDER_JSON_H
#define TF_RENDER_JSON_H

#include "reconcile/plan.h"
#include "schema/resolve.h"

#include <jansson.h>
#include <stdio.h>
#include <time.h>

#define JSON_FORMAT_VERSION "1.5"

struct git_checkout;
struct apply_result;
struct check_report;
struct rotation_list;

struct json_doc {
	const char *operation; /* "plan", "apply" or "show" */
	const char *host;
	const struct resolved *res; /* roles of the host, or NULL */
	const struct config *cfg;
	const struct git_checkout *git; /* the config came from git, or NULL */
	const char *saved_plan;		/* apply of a saved plan: its file, or NULL */
	const struct diag *diag;	/* the config's warnings and errors, or NULL */
	time_t now;
	const struct check_report *check;      /* plan: the endpoints, or NULL */
	const struct rotation_list *rotations; /* plan: the rotations (format 1.3), or NULL */
};

/* Print the document for a plan (res NULL) or an apply (res: what was done). */
void render_json_plan(FILE *out, const struct json_doc *doc, const struct plan *p,
		      const struct apply_result *res);
/* Print what each store holds (show). */
void render_json_show(FILE *out, const struct json_doc *doc, const struct plan *p);
/* The endpoints of `trustform check`, each with its verdict per store. */
void render_json_check(FILE *out, const struct json_doc *doc, const struct plan *p,
		       const struct check_report *rep);
/* The rotations of `trustform rotation status` (rotation.h). */
void render_json_rotation(FILE *out, const struct json_doc *doc, const struct plan *p,
			  const struct rotation_list *l);
/* An error before any store was read (bad config, unknown host): a document
 * that still validates, with errored = true. */
/* The fields every JSON document starts with: format_version,
 * trustform_version, operation, timestamp (for documents that are not about
 * one host's run: diff, report). */
json_t *render_json_head(const char *operation, time_t now);
void render_json_error(FILE *out, const struct json_doc *doc, const char *message);

#endif
