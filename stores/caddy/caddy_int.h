/*
 * Caddy (SPEC §3): on hosts whose roles say `caddy: true`, the top-level
 * `caddy:` section becomes two store instances, the config one first (apply
 * sets a new lifetime before a reissue restarts Caddy). The PKI instance
 * (caddy_pki.c) reports Caddy's root for the planner to compare with the CA
 * marked `caddy: <id>`, and finds an intermediate or leaves that no longer
 * chain to that root, or an intermediate issued for another lifetime than
 * intermediate_lifetime (a -/+ reissue: stop Caddy, remove them, start it). The
 * config instance (caddy_config.c) reads `intermediate_lifetime` in the
 * Caddyfile (caddyfile*.c) or JSON config (caddy_json.c), writes it after
 * checking the installed Caddy's version and `caddy validate`, then reloads.
 */
#ifndef TF_CADDY_INT_H
#define TF_CADDY_INT_H

#include "model/cert.h"
#include "stores/store.h"

struct caddy_opts;
struct cert;
#include "util/buf.h"

#include <stdbool.h>

/* The first Caddy that knows `intermediate_lifetime` (Caddyfile and JSON):
 * v2.6.3, commit bfaf2a8 "acme_server: Configurable default lifetime". */
#define CADDY_LIFETIME_MIN_MAJOR 2
#define CADDY_LIFETIME_MIN_MINOR 6
#define CADDY_LIFETIME_MIN_PATCH 3
#define CADDY_LIFETIME_MIN_TEXT	 "2.6.3"

/* Caddy as a client of other stores: caddy.service, the system roots, and the
 * bundles its Caddyfile names (caddy_client.c). */
struct store_client *caddy_client_load(const struct caddy_opts *o);

/* The options as loaded (caddy_opts.c). Host path of Caddy's data directory; -1 with err set when
 * it is missing. */
int caddy_data_dir(const struct caddy_opts *o, char **host);

void caddy_inst_free(struct store_inst *s);
extern const struct store_backend store_backend_caddy_pki;
extern const struct store_backend store_backend_caddy_config;

/* `trustform caddy export-root …` for this run, written to out_file. */
char *caddy_export_command(const struct config *cfg, const char *root, const char *ca_id,
			   bool other_ca);

/* The PKI store (caddy_pki.c) and its reissue step (caddy_reissue.c). */
#define START_WAIT_SECONDS 30 /* for Caddy's new intermediate and leaves after a start */
struct pki_scan;
struct plan_step;
/* Why reissuing now would issue onto a root the clients do not trust (the
 * configured CA is not Caddy's current root), or NULL (caddy_scan.c: the PKI
 * store and its reissue step both ask). */
char *caddy_held_why(const struct store_inst *s, const struct pki_scan *sc);
/* Whether Caddy's config file sets the configured intermediate_lifetime of
 * the CA now: 1 yes, 0 no (err says what it sets), -1 unreadable (err set). */
int caddy_config_lifetime_in_place(const struct caddy_opts *o);
/* Carry out a reissue step; -1 with err set. */
int caddy_reissue(struct store_inst *s, struct plan_step *st);

/* Running Caddy (caddy_exec.c). Run a shell command (sh -c), its output on our stderr. -1 with err
 * set, naming what for ("stop Caddy"), when it cannot run or exits non-zero. */
int caddy_command(const char *what, const char *cmd);
/* Run argv with XDG_DATA_HOME/XDG_CONFIG_HOME in a fresh temp directory, so
 * that Caddy leaves nothing behind; its output in out. Returns the exit code,
 * or -1 with err set when it could not run. */
int caddy_exec_capture(char *const argv[], struct buf *out);

/* `<binary> version`: 0 with v filled, 1 when the output is not a version
 * (text in *raw), -1 when the binary is missing or fails (err set). */
int caddy_version(const char *host_binary, int v[3], char **raw);
bool caddy_version_at_least(const int v[3], int major, int minor, int patch);
/* `caddy validate` of a file: 0 valid; 1 rejected (Caddy's message in msg);
 * -1 when it could not run (err set). */
int caddy_validate(const char *host_binary, const char *file, bool caddyfile, struct buf *msg);
/* caddy_validate of the file Caddy runs with (its bytes src), answered from
 * the effect cache while Caddy's binary and the file with its imports are
 * unchanged (caddy_effect.c). */
struct caddy_opts;
int caddy_validate_cached(const struct caddy_opts *o, const char *bin, const char *host,
			  const struct buf *src, struct buf *msg);

/* Go's time.Duration as Caddy parses it (with "d" for days), in nanoseconds.
 * false when it is not a duration, negative, or too long for Go. */
bool caddy_duration_parse(const char *s, long long *ns);

#endif
