/*
 * Reading Caddy's local PKI: the root, the intermediate and every leaf, each
 * checked against the current root (caddy_scan.h).
 */
#include "stores/caddy/caddy_scan.h"
#include "model/chain.h"
#include "stores/caddy/caddy_int.h"
#include "util/dirlist.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void pki_scan_dispose(struct pki_scan *sc)
{
	free(sc->data);
	free(sc->authdir);
	free(sc->root_where);
	cert_free(sc->root);
	cert_free(sc->inter);
	free(sc->inter_why);
	for (size_t i = 0; i < sc->nleaves; i++) {
		free(sc->leaves[i].name);
		free(sc->leaves[i].dir);
		cert_free(sc->leaves[i].cert);
		free(sc->leaves[i].why);
	}
	free(sc->leaves);
	free(sc->digest);
	memset(sc, 0, sizeof(*sc));
}

/* Caddy keeps its PKI as real directories and regular files. A link among
 * them (which whoever owns the data directory can make) is refused: never
 * read through, never removed through. Checks each component of rel beneath
 * data; a missing one ends the check. -1 with err set naming the link. */
int pki_no_link(const char *data, const char *rel)
{
	char *p = xasprintf("%s/%s", data, rel);
	size_t at = strlen(data);
	int rc = 0;
	while (p[at]) {
		size_t next = at + 1 + strcspn(p + at + 1, "/");
		char saved = p[next];
		p[next] = '\0';
		struct stat st;
		if (lstat(p, &st) < 0) {
			p[next] = saved;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(p, target, sizeof(target) - 1);
			target[n < 0 ? 0 : n] = '\0';
			err_set(
			    "%s is a symbolic link (to %s): Caddy keeps its certificates as real "
			    "directories and regular files in its data directory %s, and trustform "
			    "reads and removes only those: replace the link with the real "
			    "directory or file (or, with Caddy stopped, remove it)",
			    path_shown(p), target, path_shown(data));
			rc = -1;
			break;
		}
		p[next] = saved;
		at = next;
	}
	free(p);
	return rc;
}

/* Parse a file Caddy wrote; *list empty and -1 with err set when damaged. */
int pki_read_certs(const char *path, struct cert_list *list)
{
	struct buf b = BUF_INIT;
	memset(list, 0, sizeof(*list));
	if (buf_read_file_nofollow(&b, path) < 0) {
		err_set_errno(errno, "%s: cannot read", path_shown(path));
		return -1;
	}
	int rc = cert_list_parse(list, b.ptr, b.len);
	if (rc == 0 && list->n == 0) {
		err_set("no certificate in it");
		rc = -1;
	}
	if (rc < 0)
		cert_list_dispose(list);
	buf_dispose(&b);
	return rc;
}

static bool visible(const char *host, const char *name, void *arg)
{
	(void)host, (void)arg;
	return name[0] != '.';
}

/* The leaves Caddy issued under ca, each judged against the current root and
 * intermediate. -1 with err set when the directory exists but cannot be
 * listed: no leaves seen must never read as "no stale leaves". */
static int scan_leaves(struct pki_scan *sc, const char *ca)
{
	char *dir = xasprintf("%s/certificates/%s", sc->data, ca);
	char **names = NULL;
	size_t n = 0;
	if (dirlist(dir, visible, NULL, &names, &n) < 0) {
		free(dir);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = names[i];
		/* the leaf's directory, then each file the reissue may remove */
		static const char *const exts[] = {NULL, ".crt", ".key", ".json"};
		int linked = 0;
		for (size_t e = 0; e < sizeof(exts) / sizeof(*exts) && !linked; e++) {
			char *rel =
			    exts[e] ? xasprintf("certificates/%s/%s/%s%s", ca, name, name, exts[e])
				    : xasprintf("certificates/%s/%s", ca, name);
			linked = pki_no_link(sc->data, rel);
			free(rel);
		}
		if (linked < 0) {
			dirlist_free(names, n);
			free(dir);
			return -1;
		}
		char *ldir = xasprintf("%s/%s", dir, name);
		char *crt = xasprintf("%s/%s.crt", ldir, name);
		if (name[0] != '.' && is_dir(ldir) && path_exists(crt)) {
			ARRAY_GROW(sc->leaves, sc->nleaves + 1, sc->alloc);
			struct pki_leaf *l = &sc->leaves[sc->nleaves++];
			memset(l, 0, sizeof(*l));
			l->name = xstrdup(name);
			l->dir = ldir;
			ldir = NULL;
			struct cert_list chain;
			if (pki_read_certs(crt, &chain) < 0) {
				l->stale = true;
				l->why = xasprintf("%s.crt is damaged (%s)", name, err_msg());
			} else {
				l->cert = chain.items[0];
				l->cert->refs++;
				if (!sc->root) {
					l->stale = true;
					l->why =
					    xasprintf("it was issued under a root that is gone (no "
						      "root.crt), issued by \"%s\"",
						      l->cert->issuer);
				} else if (sc->inter_why) {
					l->stale = true;
					l->why = xstrdup(
					    sc->inter_relife
						? "Caddy serves it with the intermediate it was "
						  "issued under (until the leaf renews), which goes"
						: "issued under the intermediate that goes");
				} else if (!cert_chains_to_root(&chain, sc->inter, sc->root)) {
					l->stale = true;
					l->why = xasprintf(
					    "it does not chain to the current root (issued "
					    "by \"%s\")",
					    l->cert->issuer);
				}
				cert_list_dispose(&chain);
			}
			sc->stale_leaves += l->stale;
		}
		free(ldir);
		free(crt);
	}
	dirlist_free(names, n);
	free(dir);
	return 0;
}

static void scan_digest(struct pki_scan *sc)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "root=%s;inter=%s;", sc->root ? sc->root->fphex : "-",
		   sc->inter	       ? sc->inter->fphex
		   : sc->inter_present ? "damaged"
				       : "-");
	for (size_t i = 0; i < sc->nleaves; i++)
		if (sc->leaves[i].stale)
			buf_printf(&b, "%s=%s;", sc->leaves[i].name,
				   sc->leaves[i].cert ? sc->leaves[i].cert->fphex : "damaged");
	sc->digest = buf_detach(&b);
}

/* "168h", or "90s": a lifetime as Caddy writes durations. */
static char *duration_text(long long s)
{
	return s % 3600 == 0 ? xasprintf("%lldh", s / 3600) : xasprintf("%llds", s);
}

/* Caddy uses intermediate_lifetime only when it issues an intermediate (on
 * its first start, or when it renews one in the last fifth of its life): a
 * new lifetime in its config leaves the current intermediate as it is, maybe
 * for years. Caddy issues it for exactly the lifetime (NotAfter = NotBefore +
 * lifetime, to the second), so any other span is an intermediate issued under
 * another setting: reissue it, and its leaves with it: Caddy sends each leaf
 * with the intermediate stored beside it when it was issued, so a kept leaf
 * would serve the old intermediate until it renews (as seen on Caddy 2.11). */
static void check_lifetime(struct pki_scan *sc, const struct caddy_opts *o)
{
	long long want_ns;
	if (!o->lifetime || !caddy_duration_parse(o->lifetime, &want_ns))
		return;
	long long want = want_ns / 1000000000LL;
	long long have = (long long)(sc->inter->not_after - sc->inter->not_before);
	if (have >= want - 1 && have <= want + 1)
		return;
	char *h = duration_text(have);
	sc->inter_why = xasprintf("the intermediate was issued for %s, not for "
				  "intermediate_lifetime %s: Caddy uses a new lifetime only when "
				  "it issues the next intermediate",
				  h, o->lifetime);
	sc->inter_relife = true;
	free(h);
}

/* Read and check everything; -1 with err set only for what makes the store
 * unreadable (data_dir missing, root.crt not a CA certificate, a leaves
 * directory that cannot be listed). */
int pki_scan(struct pki_scan *sc, const struct caddy_opts *o, time_t now)
{
	memset(sc, 0, sizeof(*sc));
	if (caddy_data_dir(o, &sc->data) < 0)
		return -1;
	sc->authdir = xasprintf("%s/pki/authorities/%s", sc->data, o->ca);
	char *certs = xasprintf("certificates/%s", o->ca);
	char *auth = xasprintf("pki/authorities/%s/intermediate.crt", o->ca);
	int linked = pki_no_link(sc->data, certs) < 0 || pki_no_link(sc->data, auth) < 0;
	free(certs);
	free(auth);
	if (linked)
		return -1;
	if (!is_dir(sc->authdir)) {
		/* A partial reset: leaves of a root that is gone may remain. */
		if (scan_leaves(sc, o->ca) < 0)
			return -1;
		scan_digest(sc);
		return 0;
	}
	if (caddy_root_load(o, &sc->root, &sc->root_where) < 0 && sc->root_where)
		return -1; /* a root.crt that is not a root */
	char *ipath = xasprintf("%s/intermediate.crt", sc->authdir);
	struct cert_list il;
	sc->inter_present = path_exists(ipath);
	if (!sc->inter_present) {
		/* Caddy issues one when it starts */
	} else if (pki_read_certs(ipath, &il) < 0) {
		sc->inter_why = xasprintf("intermediate.crt is damaged (%s), so Caddy cannot "
					  "start",
					  err_msg());
	} else {
		sc->inter = il.items[0];
		sc->inter->refs++;
		cert_list_dispose(&il);
		char date[11];
		cert_date(date, sc->inter->not_after);
		if (!sc->root)
			sc->inter_why =
			    xstrdup("root.crt is missing: on its next start Caddy makes "
				    "a new root and would keep serving this "
				    "intermediate of the old one");
		else if (!cert_issued_by(sc->inter, sc->root))
			sc->inter_why = xasprintf("the intermediate was not issued by the current "
						  "root (issuer and signature checked): its issuer "
						  "\"%s\" is a root that is gone, so every client "
						  "that trusts the current root fails",
						  sc->inter->issuer);
		else if (sc->inter->not_after <= now)
			sc->inter_why = xasprintf("the intermediate expired on %s", date);
		else
			check_lifetime(sc, o);
	}
	free(ipath);
	if (scan_leaves(sc, o->ca) < 0)
		return -1;
	scan_digest(sc);
	return 0;
}

/* --- the root, for export-root ---------------------------------------------- */

int caddy_root_load(const struct caddy_opts *o, struct cert **out, char **where)
{
	char *data = NULL;
	struct cert_list l = {0};
	*out = NULL;
	*where = NULL;
	if (caddy_data_dir(o, &data) < 0)
		return -1;
	char *path = xasprintf("%s/pki/authorities/%s/root.crt", data, o->ca);
	int rc = -1;
	char *rel = xasprintf("pki/authorities/%s/root.crt", o->ca);
	int linked = pki_no_link(data, rel);
	free(rel);
	if (linked < 0) {
		*where = xstrdup(path_shown(path));
		goto out;
	}
	if (!path_exists(path)) {
		err_set("%s does not exist: Caddy has no root for CA \"%s\" yet (it makes one "
			"when it first starts with a `tls internal` site)",
			path_shown(path), o->ca);
		goto out;
	}
	*where = xstrdup(path_shown(path));
	const char *fix = "Caddy wrote this file itself: restore it from a backup, or, with "
			  "Caddy stopped, remove root.crt and root.key so that it makes a new "
			  "root (every client must then trust the new one)";
	if (pki_read_certs(path, &l) < 0) {
		char *why = xstrdup(err_msg()); /* err_set would overwrite it */
		err_set("%s is not a certificate (%s). %s", path_shown(path), why, fix);
		free(why);
		goto out;
	}
	if (l.n != 1 || !l.items[0]->is_ca || !l.items[0]->self_issued ||
	    !cert_issued_by(l.items[0], l.items[0])) {
		err_set("%s is not one self-signed CA certificate (%zu certificate(s), first "
			"\"%s\" issued by \"%s\"). %s",
			path_shown(path), l.n, l.items[0]->subject, l.items[0]->issuer, fix);
		goto out;
	}
	*out = l.items[0];
	(*out)->refs++;
	rc = 0;
out:
	cert_list_dispose(&l);
	free(path);
	free(data);
	return rc;
}

/* NULL when Caddy's current root is a CA the configuration marks `caddy:
 * <id>` and wants present (or nothing is marked, so nothing says which root
 * clients trust); else why a reissue must wait. Reissuing then would move
 * the sites onto certificates that chain to a root no client trusts yet,
 * while the ones they serve still chain to the trusted one. */
char *caddy_held_why(const struct store_inst *s, const struct pki_scan *sc)
{
	const struct config *cfg = s->ctx->cfg;
	const struct caddy_opts *o = s->priv;
	const struct conf_ca *marked = NULL;
	for (size_t i = 0; cfg && i < cfg->ncas; i++) {
		const struct conf_ca *ca = &cfg->cas[i];
		if (!ca->caddy || strcmp(ca->caddy, o->ca) || !ca->cert ||
		    ca->ensure != ENSURE_PRESENT)
			continue;
		if (sc->root && !memcmp(ca->cert->fp, sc->root->fp, FP_LEN))
			return NULL;
		if (!marked)
			marked = ca;
	}
	if (!marked)
		return NULL;
	char *cmd = caddy_export_command(cfg, s->ctx->root, o->ca, o->other_ca), *pin = NULL;
	if (marked->pin)
		pin = xasprintf(" and update its sha256: pin (%s:%d:%d) to the new fingerprint",
				cfg->path, marked->pin_pos.line, marked->pin_pos.col);
	char *why;
	if (sc->root)
		why = xasprintf("held: Caddy's root (sha256 %.12s…) is not \"%s\", the root the "
				"configuration trusts, so reissuing now would give the sites "
				"certificates no client trusts yet. First export the new root with "
				"`%s`, commit it%s, and apply again: then the clients get it and "
				"the reissue runs",
				sc->root->fphex, marked->name, cmd, pin ? pin : "");
	else
		why =
		    xasprintf("held: Caddy has no root of CA \"%s\" (no root.crt): on its next "
			      "start it makes a new one that no client trusts, and reissuing "
			      "would move the sites onto it. Restore root.crt and root.key from a "
			      "backup; or start Caddy, export its new root with `%s`, commit it%s, "
			      "and apply again",
			      o->ca, cmd, pin ? pin : "");
	free(cmd);
	free(pin);
	return why;
}
