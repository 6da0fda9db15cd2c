/*
 * Durations as Caddy reads them (caddy.ParseDuration): Go's
 * time.ParseDuration ("43800h", "1h30m", "1.5h", "+5h", "-2m", "0"), plus a
 * "d" unit for days that Caddy rewrites to hours before Go parses. One parser
 * for validation and for the Caddy store, so the two cannot disagree.
 */
#ifndef TF_GODURATION_H
#define TF_GODURATION_H

#include <stdbool.h>

/* Parse s into nanoseconds. false when Caddy would refuse it, with *why (a
 * static string: "missing unit", "unknown unit", "overflows", ...) set. */
bool go_duration_parse(const char *s, long long *ns, const char **why);

#endif
