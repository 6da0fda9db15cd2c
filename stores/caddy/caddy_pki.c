/*
 * Caddy's local PKI (`tls internal`): <data_dir>/pki/authorities/<ca>/ holds
 * root.crt/.key (ten years) and intermediate.crt/.key (seven days by default);
 * <data_dir>/certificates/<ca>/<name>/<name>.crt/.key/.json are the leaves,
 * each .crt with the chain Caddy serves.
 *
 * The trap this store exists for: when root.crt and root.key go (a partial
 * reset, a restore), Caddy makes a new root on start but keeps the old
 * intermediate and leaves, so it serves a chain to a root nobody trusts. Read
 * reports the root (the planner compares it with the configured CA) and a
 * reissue finding for an intermediate not issued by the current root (issuer
 * and signature checked with OpenSSL), expired or damaged, and for leaves
 * that do not chain to the current root. Apply stops Caddy, removes exactly
 * those files (never the root or its key), and starts Caddy, which issues a
 * new intermediate from its root (caddy_reissue.c).
 */
#include "model/chain.h"
#include "model/step.h"
#include "stores/caddy/caddy.h"
#include "stores/caddy/caddy_int.h"
#include "stores/caddy/caddy_scan.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LISTED_LEAVES 20

/* --- the hold: never reissue onto a root that clients do not trust ---------- */

/* --- read ----------------------------------------------------------------------- */

/* The in-root path of a host path beneath the root (util/rootjail.h). */
static char *inroot_of(const char *host)
{
	return xstrdup(path_shown(host));
}

static void describe_cmd(struct trust_finding *f, int step, const char *what, const char *cmd,
			 const char *key)
{
	if (cmd)
		trust_finding_line(f, '#', "", "  %d. %s: %s", step, what, cmd);
	else
		trust_finding_line(f, '#', "",
				   "  %d. %s: not run under --root (set caddy.%s to "
				   "run a command)",
				   step, what, key);
}

static void add_reissue(struct store_inst *s, const struct pki_scan *sc, struct trust_set *out)
{
	const struct caddy_opts *o = s->priv;
	bool inter = sc->inter_why != NULL;
	char *held = caddy_held_why(s, sc);
	struct trust_finding *f = trust_set_finding(out, FINDING_REISSUE, o->ca);
	const char *hold = held ? " (held until Caddy's root is trusted)" : "";
	if (inter)
		f->headline = xasprintf("intermediate%s of CA \"%s\" must be reissued%s",
					sc->stale_leaves ? " and its leaves" : "", o->ca, hold);
	else
		f->headline = xasprintf("%zu leaf certificate(s) of CA \"%s\" must be reissued%s",
					sc->stale_leaves, o->ca, hold);
	const char *why = sc->inter_why;
	for (size_t i = 0; !why && i < sc->nleaves; i++)
		if (sc->leaves[i].stale)
			why = sc->leaves[i].why;
	f->reason = xasprintf("because %s", why);
	f->seen = xstrdup(sc->digest);
	char fp[20], date[11];
	if (inter && sc->inter) {
		snprintf(fp, sizeof(fp), "%.12s…", sc->inter->fphex);
		cert_date(date, sc->inter->not_after);
		trust_finding_line(f, '-', "intermediate", "%s", sc->inter->subject);
		trust_finding_line(f, '#', "", "  sha256 %s, expires %s, issued by %s", fp, date,
				   sc->inter->issuer);
	} else if (inter) {
		trust_finding_line(f, '-', "intermediate", "intermediate.crt (damaged)");
	}
	size_t listed = 0;
	for (size_t i = 0; i < sc->nleaves; i++) {
		const struct pki_leaf *l = &sc->leaves[i];
		if (!l->stale || listed++ >= MAX_LISTED_LEAVES)
			continue;
		if (l->cert) {
			snprintf(fp, sizeof(fp), "%.12s…", l->cert->fphex);
			trust_finding_line(f, '-', "leaf", "%s (sha256 %s)", l->name, fp);
		} else {
			trust_finding_line(f, '-', "leaf", "%s (damaged)", l->name);
		}
	}
	if (listed > MAX_LISTED_LEAVES)
		trust_finding_line(f, '#', "", "and %zu more leaves", listed - MAX_LISTED_LEAVES);
	if (sc->root) {
		snprintf(fp, sizeof(fp), "%.12s…", sc->root->fphex);
		trust_finding_line(f, '+', inter ? "intermediate" : "leaves",
				   "issued by Caddy when it starts, from its root (sha256 %s)%s%s",
				   fp, sc->inter_relife ? ", for intermediate_lifetime " : "",
				   sc->inter_relife ? o->lifetime : "");
		if (sc->inter_relife && sc->stale_leaves)
			trust_finding_line(
			    f, '#', "",
			    "and the leaves, which Caddy sends with the intermediate "
			    "they were issued under: kept, they would serve the old "
			    "one until they renew");
	} else {
		trust_finding_line(f, '+', "intermediate",
				   "issued by Caddy when it starts, with "
				   "the new root it makes");
	}
	trust_finding_line(f, '#', "",
			   "root.crt and root.key are kept: trustform never removes "
			   "a root or its key");
	trust_finding_line(f, '#', "", "on apply, in this order:");
	describe_cmd(f, 1, "stop Caddy", o->stop, "stop");
	char *pki = inroot_of(sc->authdir), *certs = inroot_of(sc->data);
	if (inter)
		trust_finding_line(f, '#', "",
				   "  2. remove %s/intermediate.crt and "
				   "intermediate.key%s",
				   pki,
				   sc->stale_leaves ? ", and the leaves' "
						      ".crt, .key and .json"
						    : "");
	else
		trust_finding_line(f, '#', "",
				   "  2. remove the leaves' .crt, .key and .json under "
				   "%s/certificates/%s",
				   certs, o->ca);
	describe_cmd(f, 3, "start Caddy", o->start, "start");
	if (o->start)
		trust_finding_line(f, '#', "",
				   "  4. wait for Caddy's new %s (up to %d seconds) "
				   "and check %s to its root",
				   inter ? "intermediate and leaves" : "leaves", START_WAIT_SECONDS,
				   "that they chain");
	if (held) {
		trust_finding_line(f, '#', "", "%s", held);
	}
	free(held);
	free(pki);
	free(certs);
}

/* Caddy's leaves have an empty subject: their names are in subjectAltName. */
static char *alt_names(const struct cert *c)
{
	X509 *x = cert_x509_full(c);
	GENERAL_NAMES *gens = x ? X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL) : NULL;
	struct buf b = BUF_INIT;
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const char *sep = b.len ? ", " : "";
		if (g->type == GEN_DNS) {
			buf_printf(&b, "%sDNS:%.*s", sep, ASN1_STRING_length(g->d.dNSName),
				   (const char *)ASN1_STRING_get0_data(g->d.dNSName));
		} else if (g->type == GEN_IPADD) {
			const unsigned char *ip = ASN1_STRING_get0_data(g->d.iPAddress);
			int n = ASN1_STRING_length(g->d.iPAddress);
			if (n == 4)
				buf_printf(&b, "%sIP:%u.%u.%u.%u", sep, ip[0], ip[1], ip[2], ip[3]);
			else
				buf_printf(&b, "%sIP:(%d bytes)", sep, n);
		}
	}
	GENERAL_NAMES_free(gens);
	X509_free(x);
	ERR_clear_error();
	return b.len ? buf_detach(&b) : NULL;
}

static void add_entry(struct trust_set *out, const struct caddy_opts *o, const struct cert *c,
		      const char *label, const char *host_path, enum trust_state st)
{
	char *where = inroot_of(host_path);
	struct trust_entry *e = trust_set_add(out, c->fp, label, false, st, where);
	trust_entry_describe(e, c);
	if (!e->subject || !*e->subject) {
		char *names = alt_names(c);
		free(e->subject);
		e->subject = xasprintf("(empty subject) %s", names ? names : "(no names)");
		free(names);
	}
	e->fixed = true; /* Caddy's own files: never a target of the generic diff */
	free(where);
}

/* The lifetimes of Caddy's root and intermediate, with their renewal windows
 * (model/expiry.h): a root within 30 days of its end (Caddy never renews
 * roots), an intermediate past Caddy's own renewal point (it renews in the
 * last fifth of the lifetime, every 10 minutes, while it runs). */
static void pki_expiries(struct trust_set *out, const struct pki_scan *sc,
			 const struct caddy_opts *o, time_t now)
{
	char date[11];
	char *msg = NULL;
	if (sc->root) {
		const struct cert *c = sc->root;
		cert_date(date, c->not_after);
		if (c->not_after <= now)
			msg =
			    xasprintf("Caddy's root of CA \"%s\" expired on %s; Caddy does not "
				      "renew roots: plan a new root (remove root.crt and root.key "
				      "while Caddy is stopped), export it and roll it out",
				      o->ca, date);
		else
			msg = xasprintf("Caddy's root of CA \"%s\" expires on %s, in %ld days; "
					"Caddy does not renew roots: plan the new root now",
					o->ca, date, (long)((c->not_after - now) / 86400));
		expiry_add(&out->expiries, EXPIRY_CADDY_ROOT, o->ca, c->fphex, c->not_after,
			   expiry_ca_renew_at(c->not_after), now, msg);
		free(msg);
	}
	if (sc->inter) {
		const struct cert *c = sc->inter;
		cert_date(date, c->not_after);
		if (c->not_after <= now)
			msg = xasprintf("the intermediate of CA \"%s\" expired on %s%s", o->ca,
					date, sc->inter_why ? "; this plan reissues it" : "");
		else if (sc->inter_why)
			msg = xasprintf("the intermediate of CA \"%s\" expires on %s; this plan "
					"reissues it (%s)",
					o->ca, date, sc->inter_why);
		else
			msg = xasprintf("the intermediate of CA \"%s\" expires on %s and Caddy "
					"has not renewed it (it does in the last fifth of its "
					"lifetime while it runs): is Caddy running?",
					o->ca, date);
		expiry_add(&out->expiries, EXPIRY_CADDY_INTERMEDIATE, o->ca, c->fphex, c->not_after,
			   expiry_caddy_renew_at(c->not_before, c->not_after), now, msg);
		free(msg);
	}
}

static int pki_read(struct store_inst *s, struct trust_set *out)
{
	const struct caddy_opts *o = s->priv;
	struct pki_scan sc;
	if (pki_scan(&sc, o, s->ctx->now) < 0) {
		pki_scan_dispose(&sc);
		return -1;
	}
	if (!is_dir(sc.authdir) && !sc.nleaves) {
		trust_set_note(out,
			       "Caddy has not made CA \"%s\" yet (no pki/authorities/%s in "
			       "%s): it does when it first starts with a `tls internal` site",
			       o->ca, o->ca, o->data_dir);
		pki_scan_dispose(&sc);
		return 0;
	}
	if (!is_dir(sc.authdir))
		trust_set_note(out,
			       "Caddy's CA \"%s\" is gone (no pki/authorities/%s in %s), but "
			       "its leaves remain: on its next start Caddy makes a new root and "
			       "keeps serving them until it renews them under that root",
			       o->ca, o->ca, o->data_dir);
	if (sc.root) {
		out->has_own_root = true;
		char *where = inroot_of(sc.root_where);
		trust_set_add(out, sc.root->fp, "root", false, TS_TRUSTED, where);
		trust_entry_copy(&out->own_root, &out->items[out->n - 1]);
		trust_entry_describe(&out->own_root, sc.root);
		trust_entry_describe(&out->items[out->n - 1], sc.root);
		out->items[out->n - 1].fixed = true;
		out->own_root_id = xstrdup(o->ca);
		out->own_root_export =
		    caddy_export_command(s->ctx->cfg, s->ctx->root, o->ca, o->other_ca);
		free(where);
	}
	if (sc.inter) {
		char *p = xasprintf("%s/intermediate.crt", sc.authdir);
		add_entry(out, o, sc.inter, "intermediate", p, TS_INERT);
		free(p);
	}
	for (size_t i = 0; i < sc.nleaves; i++)
		if (sc.leaves[i].cert) {
			char *p = xasprintf("%s/%s.crt", sc.leaves[i].dir, sc.leaves[i].name);
			char *label = xasprintf("leaf %s", sc.leaves[i].name);
			add_entry(out, o, sc.leaves[i].cert, label, p, TS_INERT);
			free(label);
			free(p);
		}
	if (sc.inter_why || sc.stale_leaves)
		add_reissue(s, &sc, out);
	else if (sc.root && !sc.inter_present)
		trust_set_note(out,
			       "CA \"%s\" has no intermediate yet; Caddy issues one from its "
			       "root when it starts",
			       o->ca);
	pki_expiries(out, &sc, o, s->ctx->now);
	pki_scan_dispose(&sc);
	return 0;
}

static int pki_apply(struct store_inst *s, struct plan_store *ps)
{
	int rc = 0;
	for (size_t i = 0; i < ps->n; i++) {
		struct plan_step *st = &ps->steps[i];
		err_clear();
		switch (st->op) {
		case OP_REISSUE:
			if (caddy_reissue(s, st) < 0) {
				plan_step_fail_err(st);
				rc = -1;
			} else {
				st->result = STEP_DONE;
			}
			break;
		case OP_ROOT_DRIFT:
			plan_step_fail(
			    st,
			    "Caddy's root (sha256 %s) is not %s, and trustform cannot "
			    "give Caddy a root back (its key is Caddy's own). Export the "
			    "new root with `%s`, commit it, and run trustapply again",
			    st->seen.fphex, st->name, ps->actual.own_root_export);
			rc = -1;
			break;
		default:
			plan_step_unexpected(st);
			plan_step_fail_err(st);
			rc = -1;
			break;
		}
	}
	return rc;
}

const struct store_backend store_backend_caddy_pki = {
    .name = "caddy",
    .ops = STORE_OP(OP_REISSUE) | STORE_OP(OP_ROOT_DRIFT),
    .read = pki_read,
    .apply = pki_apply,
    .free = caddy_inst_free,
};
