/*
 * Expiry as a lifecycle: each certificate whose end a host depends on (a
 * configured CA, per store; Caddy's root and intermediate) is tracked with
 * the date its renewal window opens. Within the window it is a warning, with
 * the date, in every channel (plan text, JSON, syslog, metrics, report).
 *
 * The windows: a CA (configured, or Caddy's root, which Caddy never renews)
 * opens its window EXPIRY_CA_WINDOW_DAYS before it expires; Caddy's
 * intermediate at Caddy's own renewal point, when four fifths of its lifetime
 * have passed (Caddy renews it then, every 10 minutes while it runs: one
 * still in the window means Caddy is not renewing it).
 */
#ifndef TF_EXPIRY_H
#define TF_EXPIRY_H

#include "util/hex.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define EXPIRY_CA_WINDOW_DAYS 30

enum expiry_kind {
	EXPIRY_CA,		   /* a configured CA, in one store */
	EXPIRY_CADDY_ROOT,	   /* Caddy's root (it never renews it) */
	EXPIRY_CADDY_INTERMEDIATE, /* Caddy's intermediate (it renews it itself) */
};

struct trust_expiry {
	enum expiry_kind kind;
	char *name; /* the CA's name in the configuration, or Caddy's CA id ("local") */
	char fphex[FP_HEX_LEN + 1];
	time_t not_after;
	time_t renew_at; /* when the renewal window opens */
	bool due;	 /* the run's clock is within the window (or past the end) */
	char *message;	 /* what to say when due: the date and the fix */
};

struct expiry_list {
	struct trust_expiry *items;
	size_t n, alloc;
};

/* "ca", "caddy_root", "caddy_intermediate": the JSON and metric label. */
const char *expiry_kind_name(enum expiry_kind k);
/* "CA", "Caddy's root", "Caddy's intermediate": for one-line summaries. */
const char *expiry_kind_title(enum expiry_kind k);
/* The window of a CA that ends at not_after. */
time_t expiry_ca_renew_at(time_t not_after);
/* Caddy's renewal point of its intermediate: four fifths of its lifetime. */
time_t expiry_caddy_renew_at(time_t not_before, time_t not_after);
/* Append a record (due is judged against now); message may be NULL. */
struct trust_expiry *expiry_add(struct expiry_list *l, enum expiry_kind kind, const char *name,
				const char *fphex, time_t not_after, time_t renew_at, time_t now,
				const char *message);
void expiry_copy(struct expiry_list *dst, const struct trust_expiry *src);
/* Days left at now, rounded down; negative once expired. */
long expiry_days_left(const struct trust_expiry *e, time_t now);
void expiry_list_dispose(struct expiry_list *l);

#endif
