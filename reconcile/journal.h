/*
 * The change journal: when each store last changed (this boot's id, the
 * monotonic clock, the wall clock, and what changed), one line per store in
 * <root>/var/lib/trustform/changes, rewritten atomically. apply records a
 * change BEFORE it restarts the store's consumers, so that a restart that does
 * not happen stays visible: a consumer whose process started before the
 * change is restart pending (reconcile/consumers.c).
 */
#ifndef TF_JOURNAL_H
#define TF_JOURNAL_H

#include "reconcile/plan.h"

#include <time.h>

struct change {
	char *address;
	char *boot;	/* boot id when it was made */
	long long mono; /* CLOCK_MONOTONIC, microseconds */
	long long when; /* wall clock, seconds */
	char *what;
};

struct journal {
	struct change *c;
	size_t n, alloc;
};

/* Load <root>/var/lib/trustform/changes (none yet: empty); -1 with err set
 * (naming the file and the fix) when it is there but cannot be read. */
int journal_load(struct journal *j, const char *root);
void journal_dispose(struct journal *j);
const struct change *journal_find(const struct journal *j, const char *address);
/* This boot's id (/proc/sys/kernel/random/boot_id), or "?"; caller frees. */
char *journal_boot_id(void);
/* CLOCK_MONOTONIC in microseconds, as systemd's *TimestampMonotonic. */
long long journal_clock(void);
/* Record the change of every store apply changed that has consumers, as made
 * at since (journal_clock) and since_wall, taken before apply began: a store
 * that restarts its own unit (systemd-env) does so during apply, after the
 * change. -1 with err set. */
int journal_record(struct plan *p, const char *root, long long since, time_t since_wall);

#endif
