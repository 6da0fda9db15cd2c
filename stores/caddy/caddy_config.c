/*
 * Caddy's own configuration, the Caddyfile or the JSON config: the setting
 * intermediate_lifetime of CA <id> (a finding the planner turns into a ~ step
 * when it differs), and lints (tls_insecure_skip_verify, insecure_skip_verify).
 *
 * Before a write is planned, the installed Caddy must know the option (`caddy
 * version` ≥ 2.6.3; Debian 12's 2.6.2 refuses it) and the lifetime must be
 * well below what is left of Caddy's root (Caddy ≥ 2.6.3 refuses to start
 * with an intermediate that outlives it). Apply re-reads the file (it must be
 * what the plan saw), builds the new one beside it, has `caddy validate`
 * check that very file, renames it into place, and reloads Caddy.
 */
#include "model/step.h"
#include "stores/caddy/caddy.h"
#include "stores/caddy/caddy_int.h"
#include "stores/caddy/caddy_json.h"
#include "stores/caddy/caddyfile.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hex.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NS_PER_S 1000000000LL

struct edit {
	char *have;	/* value now, or NULL */
	bool have_ns;	/* JSON integer nanoseconds */
	int have_line;	/* Caddyfile line, or 0 */
	struct buf out; /* the file with the wanted value */
};

static const char *conf_path(const struct caddy_opts *o)
{
	return o->caddyfile ? o->caddyfile : o->json;
}

static char *digest_hex(const struct buf *b)
{
	char hex[FP_HEX_LEN + 1];
	sha256_hex(hex, b->ptr, b->len);
	return xstrdup(hex);
}

static int read_conf(const struct caddy_opts *o, struct buf *b, char **host)
{
	*host = root_resolve_host(o->root, conf_path(o));
	if (!*host)
		return -1;
	if (buf_read_file(b, *host) < 0) {
		err_set_errno(errno,
			      "caddy: %s %s cannot be read; give the file Caddy runs "
			      "with (Debian's package: caddyfile: /etc/caddy/Caddyfile)",
			      o->caddyfile ? "caddyfile" : "json", path_shown(*host));
		return -1;
	}
	return 0;
}

/* The edit for the file's current bytes; lint notes into out when given. */
static int compute(const struct caddy_opts *o, const struct buf *src, struct edit *e,
		   struct trust_set *out)
{
	memset(e, 0, sizeof(*e));
	char **where = NULL;
	size_t n = 0;
	int rc = -1;
	if (o->caddyfile) {
		struct cf_doc d;
		struct cf_lifetime r;
		if (cf_doc_load_buffer(&d, o->root, o->caddyfile, src->ptr, src->len) < 0) {
			cf_doc_dispose(&d);
			return -1;
		}
		for (size_t i = 0; out && i < d.nskipped; i++)
			trust_set_note(out,
				       "%s: built from a placeholder, so trustform did not "
				       "follow it",
				       d.skipped[i]);
		if (out)
			cf_lint_insecure(&d, &where, &n);
		if (o->lifetime && cf_set_lifetime(&r, &d, o->ca, o->lifetime) == 0) {
			e->have = r.have;
			e->have_line = r.have_line;
			e->out = r.out;
			rc = 0;
		} else if (!o->lifetime) {
			rc = 0;
		}
		cf_doc_dispose(&d);
	} else {
		struct cj_lifetime r;
		if (out)
			cj_lint_insecure(src->ptr, src->len, &where, &n);
		if (cj_set_lifetime(&r, o->json, src->ptr, src->len, o->ca,
				    o->lifetime ? o->lifetime : "0s") == 0) {
			if (o->lifetime) {
				e->have = r.have;
				e->have_ns = r.have_is_ns;
				e->out = r.out;
				r.have = NULL;
				r.out = (struct buf)BUF_INIT;
			}
			rc = 0;
		}
		cj_lifetime_dispose(&r);
	}
	/* tls_trust_pool (Caddy 2.8+): 2.11 calls tls_trusted_ca_certs and
	 * root_ca_pem_files deprecated; Debian 12's 2.6.2 knows only those. */
	const char *alt = o->caddyfile
			      ? "tls_trust_pool file <file> in the same transport block "
				"(Caddy 2.8 and later; tls_trusted_ca_certs <file> before, which "
				"Caddy 2.11 calls deprecated)"
			      : "\"tls\": {\"ca\": {\"provider\": \"file\", \"pem_files\": "
				"[\"<file>\"]}} in the same transport (Caddy 2.8 and later; "
				"\"root_ca_pem_files\" before, deprecated since)";
	for (size_t i = 0; i < n; i++) {
		trust_set_note(out,
			       "insecure: %s%s%s turns off certificate checks of the upstream: "
			       "anyone on that path can read and change the traffic. Trust the "
			       "upstream's CA instead with %s; a pem-bundle store can keep that "
			       "file",
			       where[i], o->caddyfile ? ": tls_insecure_skip_verify" : "",
			       o->caddyfile ? "" : " (JSON)", alt);
		free(where[i]);
	}
	free(where);
	return rc;
}

static void edit_dispose(struct edit *e)
{
	free(e->have);
	buf_dispose(&e->out);
}

static char *canon(const char *v, bool ns)
{
	long long x;
	if (ns)
		return xstrdup(v);
	return caddy_duration_parse(v, &x) ? xasprintf("%lld", x) : xasprintf("invalid:%s", v);
}

int caddy_config_lifetime_in_place(const struct caddy_opts *o)
{
	struct buf src = BUF_INIT;
	char *host = NULL;
	struct edit e;
	int rc = -1;
	if (!o->lifetime || !conf_path(o)) {
		err_set("caddy: no intermediate_lifetime is configured for Caddy's config file");
		return 0;
	}
	if (read_conf(o, &src, &host) < 0 || compute(o, &src, &e, NULL) < 0)
		goto out;
	char *hc = e.have ? canon(e.have, e.have_ns) : NULL, *wc = canon(o->lifetime, false);
	rc = hc && !strcmp(hc, wc);
	if (!rc)
		err_set("%s does not set intermediate_lifetime %s for CA \"%s\" (it %s%s)",
			conf_path(o), o->lifetime, o->ca, e.have ? "sets " : "sets none",
			e.have ? e.have : "");
	free(hc);
	free(wc);
	edit_dispose(&e);
out:
	buf_dispose(&src);
	free(host);
	return rc;
}

/* The installed Caddy must know the option; no binary: say so, go on. */
static int check_version(const struct caddy_opts *o, struct trust_set *out, bool change,
			 bool rejected)
{
	char *host = root_join(o->root, o->binary), *raw = NULL;
	int v[3], rc = caddy_version(host, v, &raw);
	int ret = 0;
	if (rc < 0) {
		trust_set_note(out,
			       "no Caddy to ask at %s (%s): the version is not checked and "
			       "the new %s is not validated before it is written; set caddy.binary",
			       o->binary, err_msg(), o->caddyfile ? "Caddyfile" : "JSON config");
	} else if (rc == 1) {
		trust_set_note(out,
			       "`%s version` says \"%s\", not a version; trustform relies on "
			       "`caddy validate` to accept the new file",
			       o->binary, raw);
	} else if (!caddy_version_at_least(v, CADDY_LIFETIME_MIN_MAJOR, CADDY_LIFETIME_MIN_MINOR,
					   CADDY_LIFETIME_MIN_PATCH) &&
		   !change) {
		if (!rejected) /* else Caddy's own message says it */
			trust_set_ineffective(
			    out,
			    "the installed Caddy (%s: %s) refuses the "
			    "intermediate_lifetime that %s already sets (Caddy %s "
			    "is the first to know it): Caddy will not start with "
			    "this file; upgrade Caddy",
			    o->binary, raw, conf_path(o), CADDY_LIFETIME_MIN_TEXT);
	} else if (!caddy_version_at_least(v, CADDY_LIFETIME_MIN_MAJOR, CADDY_LIFETIME_MIN_MINOR,
					   CADDY_LIFETIME_MIN_PATCH)) {
		const char *what = "trustform will not write it";
		err_set("the installed Caddy (%s: %s) does not know intermediate_lifetime in pki "
			"ca blocks; Caddy %s is the first that does, and this one refuses the "
			"option, so %s. Upgrade Caddy to %s or later, or remove "
			"caddy.intermediate_lifetime from the configuration",
			o->binary, raw, CADDY_LIFETIME_MIN_TEXT, what, CADDY_LIFETIME_MIN_TEXT);
		ret = -1;
	}
	free(raw);
	free(host);
	return ret;
}

/* Caddy refuses an intermediate lifetime that is not below its root's
 * remaining life; "well below" is half of it. */
static int check_root_life(const struct caddy_opts *o, long long want_ns, time_t now,
			   struct trust_set *out, bool change)
{
	struct cert *root = NULL;
	char *where = NULL;
	int rc = 0;
	err_clear();
	if (caddy_root_load(o, &root, &where) < 0)
		goto out; /* no root yet: Caddy makes one with ten years */
	long long left = (long long)(root->not_after - now);
	long long want = want_ns / NS_PER_S;
	char date[11];
	cert_date(date, root->not_after);
	if (want >= left && !change) {
		trust_set_note(out,
			       "intermediate_lifetime %s is not below what is left of Caddy's "
			       "root (it expires on %s, in %lld days): Caddy refuses to start with "
			       "it; choose a shorter lifetime",
			       o->lifetime, date, left / 86400);
	} else if (want >= left) {
		err_set("intermediate_lifetime %s is not below what is left of Caddy's root (it "
			"expires on %s, in %lld days): Caddy refuses to start with such an "
			"intermediate. Choose a shorter lifetime",
			o->lifetime, date, left / 86400);
		rc = -1;
	} else if (want > left / 2) {
		trust_set_note(
		    out,
		    "intermediate_lifetime %s is not well below what is left of "
		    "Caddy's root (it expires on %s, in %lld days): intermediates issued "
		    "late in the root's life are cut short, and the root must be replaced "
		    "sooner than the intermediates suggest; keep it under half (%lldh)",
		    o->lifetime, date, left / 86400, left / 2 / 3600);
	}
out:
	cert_free(root);
	free(where);
	return rc;
}

/* `caddy validate` of the file Caddy runs with: 1 when the installed Caddy
 * rejects it (Caddy's message in msg, the path named as configured), 0 when it
 * accepts it or there is no Caddy to ask, -1 when it could not run. */
static int validate_current(const struct caddy_opts *o, const char *host, const struct buf *src,
			    struct buf *msg)
{
	char *bin = root_join(o->root, o->binary);
	int v = path_exists(bin) ? caddy_validate_cached(o, bin, host, src, msg) : 0;
	free(bin);
	return v;
}

/* Caddy names the file it read; say the path as the configuration does. */
static char *name_file(const char *msg, const char *host, const char *shown)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(host);
	for (const char *p = msg; *p;) {
		const char *hit = n ? strstr(p, host) : NULL;
		if (!hit) {
			buf_printf(&b, "%s", p);
			break;
		}
		buf_add(&b, p, (size_t)(hit - p));
		buf_printf(&b, "%s", shown);
		p = hit + n;
	}
	return buf_detach(&b);
}

static int config_read(struct store_inst *s, struct trust_set *out)
{
	const struct caddy_opts *o = s->priv;
	struct buf src = BUF_INIT, vmsg = BUF_INIT;
	char *host = NULL;
	struct edit e;
	int rc = -1;
	if (read_conf(o, &src, &host) < 0)
		goto out;
	if (compute(o, &src, &e, out) < 0)
		goto out;
	int rejected = validate_current(o, host, &src, &vmsg);
	if (rejected > 0) {
		char *bin = root_join(o->root, o->binary);
		char *m = name_file(vmsg.ptr ? vmsg.ptr : "", host, conf_path(o));
		trust_set_ineffective(out,
				      "`%s validate` rejects %s (%s), so Caddy will not start "
				      "or reload with it; fix %s (`caddy validate --config %s%s` "
				      "shows the problem)",
				      bin, conf_path(o), m, conf_path(o), conf_path(o),
				      o->caddyfile ? " --adapter caddyfile" : "");
		free(m);
		free(bin);
	} else if (rejected < 0) {
		trust_set_note(out, "`caddy validate` of %s could not run (%s)", conf_path(o),
			       err_msg());
		err_clear();
	}
	if (!o->lifetime) {
		rc = 0;
		edit_dispose(&e);
		goto out;
	}
	long long want_ns;
	caddy_duration_parse(o->lifetime, &want_ns);
	char *hc = e.have ? canon(e.have, e.have_ns) : NULL, *wc = canon(o->lifetime, false);
	bool change = !hc || strcmp(hc, wc);
	if (check_version(o, out, change, rejected > 0) < 0 ||
	    check_root_life(o, want_ns, s->ctx->now, out, change) < 0) {
		free(hc);
		free(wc);
		edit_dispose(&e);
		goto out;
	}
	if (!change) /* for show: the setting is in place */
		trust_set_note(out,
			       "intermediate_lifetime of CA \"%s\" is %s in %s%s%.0d, as "
			       "configured",
			       o->ca, e.have, conf_path(o), e.have_line ? ":" : "", e.have_line);
	struct trust_finding *f = trust_set_finding(out, FINDING_SETTING, "intermediate_lifetime");
	f->headline = xasprintf("intermediate_lifetime of CA \"%s\" %s", o->ca,
				e.have ? "will change" : "will be set");
	f->have = e.have ? xstrdup(e.have) : NULL;
	f->have_canon = hc;
	f->want = xstrdup(o->lifetime);
	f->want_canon = wc;
	f->seen = digest_hex(&src);
	if (o->caddyfile)
		trust_finding_line(f, '#', "",
				   "in %s%s%.0d: pki { ca %s { intermediate_lifetime "
				   "} } of the global options",
				   o->caddyfile, e.have_line ? ":" : "", e.have_line, o->ca);
	else
		trust_finding_line(f, '#', "", "in %s: apps.pki.certificate_authorities.%s",
				   o->json, o->ca);
	trust_finding_line(f, '#', "",
			   "Caddy uses it for the intermediates it issues; the current one, "
			   "issued for another lifetime, is reissued by the caddy (pki) step "
			   "after this one");
	trust_finding_line(f, '#', "", "on apply, in this order:");
	char *bin = root_join(o->root, o->binary);
	trust_finding_line(f, '#', "",
			   "  1. check the new file with `%s validate` (when it "
			   "is installed)",
			   bin);
	trust_finding_line(f, '#', "", "  2. replace %s atomically", conf_path(o));
	if (o->reload)
		trust_finding_line(f, '#', "", "  3. reload Caddy: %s", o->reload);
	else
		trust_finding_line(f, '#', "",
				   "  3. reload Caddy: not run under --root (set "
				   "caddy.reload to run a command)");
	free(bin);
	edit_dispose(&e);
	rc = 0;
out:
	buf_dispose(&src);
	buf_dispose(&vmsg);
	free(host);
	return rc;
}

static int set_value(struct store_inst *s, struct plan_step *st)
{
	const struct caddy_opts *o = s->priv;
	struct buf src = BUF_INIT, msg = BUF_INIT;
	char *host = NULL, *seen = NULL, *bin = NULL, *tmp_path = NULL;
	struct edit e = {0};
	struct fs_txn txn;
	int rc = -1;
	fs_txn_init(&txn);
	if (read_conf(o, &src, &host) < 0)
		goto out;
	seen = digest_hex(&src);
	if (strcmp(seen, st->finding->seen)) {
		err_modified(conf_path(o));
		goto out;
	}
	if (compute(o, &src, &e, NULL) < 0)
		goto out;
	struct stat sb;
	if (stat(host, &sb) < 0) {
		err_set_errno(errno, "%s", path_shown(host));
		goto out;
	}
	struct file_owner owner = {sb.st_uid, sb.st_gid};
	if (fs_txn_write(&txn, host, e.out.ptr, e.out.len, sb.st_mode & 07777, owner) < 0)
		goto out;
	bin = root_join(o->root, o->binary);
	if (path_exists(bin)) {
		tmp_path = fs_txn_tmp_path(&txn, 0);
		int v = caddy_validate(bin, tmp_path, o->caddyfile != NULL, &msg);
		if (v > 0) {
			struct buf orig = BUF_INIT;
			char *m = name_file(msg.ptr ? msg.ptr : "", tmp_path, conf_path(o));
			if (caddy_validate(bin, host, o->caddyfile != NULL, &orig) > 0) {
				char *om = name_file(orig.ptr ? orig.ptr : "", host, conf_path(o));
				err_set("%s is already invalid: `%s validate` rejects the original "
					"(%s), so trustform did not change it. Fix %s first, then "
					"apply again",
					conf_path(o), bin, om, conf_path(o));
				free(om);
			} else {
				err_set(
				    "`%s validate` rejects %s with intermediate_lifetime %s (%s), "
				    "though it accepts the original; %s was not changed",
				    bin, conf_path(o), o->lifetime, m, conf_path(o));
			}
			free(m);
			buf_dispose(&orig);
			goto out;
		}
		if (v < 0)
			goto out;
	}
	if (fs_txn_commit(&txn) < 0)
		goto out;
	if (o->reload && caddy_command("reload Caddy", o->reload) < 0) {
		err_prefix("%s is written, but Caddy did not reload it; reload it by hand",
			   conf_path(o));
		goto out;
	}
	rc = 0;
out:
	fs_txn_dispose(&txn);
	edit_dispose(&e);
	buf_dispose(&src);
	buf_dispose(&msg);
	free(host);
	free(seen);
	free(bin);
	free(tmp_path);
	return rc;
}

static int config_apply(struct store_inst *s, struct plan_store *ps)
{
	int rc = 0;
	for (size_t i = 0; i < ps->n; i++) {
		struct plan_step *st = &ps->steps[i];
		err_clear();
		if (st->op == OP_SET && set_value(s, st) == 0) {
			st->result = STEP_DONE;
			continue;
		}
		if (st->op != OP_SET)
			plan_step_unexpected(st);
		plan_step_fail_err(st);
		rc = -1;
	}
	return rc;
}

const struct store_backend store_backend_caddy_config = {
    .name = "caddy-config",
    .ops = STORE_OP(OP_SET),
    .read = config_read,
    .apply = config_apply,
    .free = caddy_inst_free,
};
