/*
 * `trustform report PLAN.json…`: the JSON plans a fleet engine collected from
 * its hosts (the output of `trustplan --json` on each, e.g. Ansible's check
 * mode) as one summary: per host the counts and the changes, errored hosts
 * listed with why. A file that is not such a plan is listed as errored too.
 */
#ifndef TF_REPORT_H
#define TF_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

struct report_change {
	char *address;
	const char *symbol; /* + - ~ -/+ */
	char *actions;	    /* "create", "delete,create" */
	char *op;
	char *sha256; /* after's, else before's, or NULL */
	/* the connects_to endpoints this removal or distrust would break (the
	 * plan's breaks): "https://a (accepted), https://b", or NULL */
	char *breaks;
	size_t nbreaks, nrefused; /* refused: not accepted, apply refuses the step */
};

/* A certificate within its renewal window (format 1.2: expiring). */
struct report_expiring {
	char *kind; /* ca, caddy_root, caddy_intermediate */
	char *name;
	char *not_after; /* RFC 3339, as the plan says */
	long long days_left;
	char *stores; /* "system, app" */
};

/* A rotation's phase on the host (format 1.3: rotations). */
struct report_rotation {
	char *old, *new, *phase, *summary;
	char *blocks;	/* or NULL */
	char *accepted; /* the breaks accept_breaking accepts (accepted_breaks), or NULL */
};

struct report_host {
	char *host;
	char *file;
	bool errored;
	char **errors;
	size_t nerrors;
	long long add, change, remove;
	/* drift besides the stores' changes (format 1.1: drift_summary) */
	long long restart_pending, endpoints_failing;
	long long breaking; /* steps that would break an endpoint */
	struct report_change *changes;
	size_t nchanges;
	struct report_expiring *expiring; /* warnings, not drift */
	size_t nexpiring;
	struct report_rotation *rotations;
	size_t nrotations;
};

struct report {
	struct report_host *hosts; /* sorted by host, then file */
	size_t nhosts;
	size_t changed, unchanged, errored;
	size_t drifted;	 /* no store change, but a restart pending or an endpoint refused */
	size_t expiring; /* hosts with a certificate within its renewal window */
	long long add, change, remove;
	long long breaking; /* steps that would break an endpoint, fleet-wide */
};

/* inv: also add each plan's stores' certificates (format 1.4) to it, for
 * --format cyclonedx (a plan without them, or with an item that is not one, is
 * an error of its host); NULL: not needed. */
struct cbom;
void report_build(struct report *r, char *const *files, size_t nfiles, struct cbom *inv);
void report_dispose(struct report *r);

void report_render_text(FILE *out, const struct report *r);
/* The hosts' rotations (report_rotation.c): read from a plan document, each
 * host's lines in text, a table in markdown, the host's array in JSON. */
void report_read_rotations(struct report_host *h, const json_t *plan_doc);
void report_rotations_text(FILE *out, const struct report_host *h);
void report_rotations_markdown(FILE *out, const struct report *r);
json_t *report_rotations_json(const struct report_host *h);
void report_rotations_dispose(struct report_host *h);
void report_render_markdown(FILE *out, const struct report *r);
void report_render_json(FILE *out, const struct report *r, time_t now);

#endif
