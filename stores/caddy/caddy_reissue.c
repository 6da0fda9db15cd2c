/*
 * Reissuing Caddy's intermediate and stale leaves (the reissue step of the
 * PKI store, caddy_pki.c): stop Caddy, remove exactly the files the plan saw
 * as stale (never the root or its key), start Caddy, and wait until it has
 * issued a new intermediate from the current root and leaves chaining to it.
 */
#include "model/chain.h"
#include "model/step.h"
#include "stores/caddy/caddy.h"
#include "stores/caddy/caddy_int.h"
#include "stores/caddy/caddy_scan.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void unlink_in(struct fs_txn *txn, const char *dir, const char *name, const char *ext)
{
	char *p = xasprintf("%s/%s%s", dir, name, ext);
	if (path_exists(p))
		fs_txn_unlink(txn, p);
	free(p);
}

/* What is still missing after Caddy started: its intermediate issued by its
 * root, and each removed leaf issued again and chaining to it; NULL when
 * nothing is. */
static char *reissue_missing(const struct caddy_opts *o, const struct pki_scan *before, time_t now)
{
	struct pki_scan after;
	char *miss = NULL;
	if (pki_scan(&after, o, now) < 0)
		miss = xasprintf("its data cannot be read (%s)", err_msg());
	else if (!after.root)
		miss = xasprintf("there is no %s/root.crt", after.authdir);
	else if (!after.inter_present)
		miss =
		    xasprintf("there is no new intermediate (%s/intermediate.crt)", after.authdir);
	else if (after.inter_why)
		miss = xstrdup(after.inter_why);
	for (size_t i = 0; !miss && i < before->nleaves; i++) {
		const struct pki_leaf *b = &before->leaves[i];
		const struct pki_leaf *a = NULL;
		for (size_t j = 0; b->stale && j < after.nleaves && !a; j++)
			if (!strcmp(after.leaves[j].name, b->name))
				a = &after.leaves[j];
		if (!b->stale)
			continue;
		if (!a)
			miss =
			    xasprintf("Caddy has not issued a new certificate for %s (%s/%s.crt)",
				      b->name, b->dir, b->name);
		else if (a->stale)
			miss = xasprintf("the new certificate for %s is not good: %s", b->name,
					 a->why);
	}
	pki_scan_dispose(&after);
	return miss;
}

/* Caddy may report started before it has issued anything (a start command
 * that returns at once): wait for its work, bounded, and check it. */
static int wait_reissued(const struct caddy_opts *o, const struct pki_scan *before, time_t now)
{
	char *miss = NULL;
	for (int i = 0; i <= START_WAIT_SECONDS * 4; i++) {
		free(miss);
		miss = reissue_missing(o, before, now);
		if (!miss)
			return 0;
		struct timespec ts = {0, 250000000};
		nanosleep(&ts, NULL);
	}
	err_set("Caddy started, but after %d seconds %s; see Caddy's log", START_WAIT_SECONDS,
		miss);
	free(miss);
	return -1;
}

int caddy_reissue(struct store_inst *s, struct plan_step *st)
{
	const struct caddy_opts *o = s->priv;
	struct pki_scan sc;
	int rc = -1;
	if (pki_scan(&sc, o, s->ctx->now) < 0)
		goto out;
	if (!sc.digest || strcmp(sc.digest, st->finding->seen)) {
		err_modified(sc.authdir);
		goto out;
	}
	char *held = caddy_held_why(s, &sc);
	if (held) {
		err_set("nothing was reissued: %s", held);
		free(held);
		goto out;
	}
	/* Reissued for its lifetime: Caddy issues the new intermediate for what
	 * its config says when it starts, so that must be the lifetime by now
	 * (the config store, applied before this one, writes it). */
	if (sc.inter_relife) {
		int in_place = caddy_config_lifetime_in_place(o);
		if (in_place <= 0) {
			char *why = xstrdup(err_msg());
			err_set("nothing was reissued: %s, so Caddy would issue the intermediate "
				"for the old lifetime again; apply the intermediate_lifetime "
				"setting first (its step), then apply again",
				why);
			free(why);
			goto out;
		}
	}
	if (o->stop && caddy_command("stop Caddy", o->stop) < 0) {
		err_prefix("nothing was removed");
		goto out;
	}
	/* Only the intermediate and the stale leaves: root.crt and root.key are
	 * never named here. */
	struct fs_txn txn;
	fs_txn_init(&txn);
	if (sc.inter_why) {
		unlink_in(&txn, sc.authdir, "intermediate", ".crt");
		unlink_in(&txn, sc.authdir, "intermediate", ".key");
	}
	for (size_t i = 0; i < sc.nleaves; i++) {
		if (!sc.leaves[i].stale)
			continue;
		unlink_in(&txn, sc.leaves[i].dir, sc.leaves[i].name, ".crt");
		unlink_in(&txn, sc.leaves[i].dir, sc.leaves[i].name, ".key");
		unlink_in(&txn, sc.leaves[i].dir, sc.leaves[i].name, ".json");
	}
	int committed = fs_txn_commit(&txn);
	fs_txn_dispose(&txn);
	for (size_t i = 0; committed == 0 && i < sc.nleaves; i++)
		if (sc.leaves[i].stale)
			rmdir(sc.leaves[i].dir); /* only when Caddy left nothing else */
	if (committed < 0) {
		/* Caddy was stopped for the removal: it runs again on what is
		 * there (the root, and whatever could not be removed) */
		char *why = xstrdup(err_msg());
		if (o->start && caddy_command("start Caddy", o->start) < 0) {
			char *start_why = xstrdup(err_msg());
			err_set("removing the stale files failed (%s), and Caddy, stopped for it, "
				"did not start again (%s); free the cause, start it with `%s`, "
				"then plan again",
				why, start_why, o->start);
			free(start_why);
		} else
			err_set("removing the stale files failed (%s)%s; free the cause and plan "
				"again",
				why, o->start ? "; Caddy runs again on the files as they are" : "");
		free(why);
		goto out;
	}
	if (o->start && caddy_command("start Caddy", o->start) < 0) {
		err_prefix("the stale intermediate and leaves are removed, but Caddy did not "
			   "start; start it by hand");
		goto out;
	}
	if (o->start && wait_reissued(o, &sc, s->ctx->now) < 0)
		goto out;
	rc = 0;
out:
	pki_scan_dispose(&sc);
	return rc;
}
