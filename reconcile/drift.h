/*
 * The reports of a drift check run from cron or a systemd timer (SPEC §5):
 * `--prometheus FILE` metrics and a `--syslog` one-line summary. Both are made
 * for every outcome, failures included, so that an alert fires when the check
 * itself breaks, not only when the stores drift.
 */
#ifndef TF_DRIFT_H
#define TF_DRIFT_H

#include "reconcile/run.h"

/* Write the reports the options ask for; failed: the run failed (the caller's
 * verdict). 0, or -1 (said on stderr) when a report could not be written: the
 * caller fails then, for the alerting would silently stop otherwise. */
int drift_report(const struct run *r, bool failed);

#endif
