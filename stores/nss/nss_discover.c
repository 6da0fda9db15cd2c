/*
 * Which NSS databases a store means on this host, and whether trustform may
 * touch them. `path:` names one; `discover:` looks, for every listed user, in
 * each place Chrome, Chromium, Electron apps (nss_snaps.c) and Firefox keep
 * one, reading Firefox's profiles.ini files (nss_profiles.c) for the
 * profiles; `system` is /etc/pki/nssdb.
 *
 * Every database has an owner (the child process runs as that user) and an
 * anchor, the directory it must stay under once symlinks are resolved (the
 * user's home): a database that leads elsewhere, is owned by someone else, or
 * is in the legacy format is refused with a reason, and nothing runs for it.
 */
#include "stores/nss/nss_int.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct location {
	const char *kind; /* shown in the address */
	const char *rel;  /* below the home */
};

/* Chrome and Chromium: ~/.pki/nssdb is what they open; NSS's own default for
 * a new user database is the XDG one; the snap keeps its own home. */
static const struct location chrome_dbs[] = {
    {"chrome", "/.pki/nssdb"},
    {"chrome-xdg", "/.local/share/pki/nssdb"},
    {"chromium-snap", "/snap/chromium/current/.pki/nssdb"},
};

/* Directories holding a Firefox profiles.ini. The user's XDG_CONFIG_HOME is
 * in their session, not on disk, so its default is what can be looked at. */
static const struct location firefox_roots[] = {
    {"firefox", "/.mozilla/firefox"},
    {"firefox", "/.config/mozilla/firefox"},
    {"firefox-snap", "/snap/firefox/common/.mozilla/firefox"},
    {"firefox-flatpak", "/.var/app/org.mozilla.firefox/.mozilla/firefox"},
};

#define SYSTEM_DB "/etc/pki/nssdb"

struct disc {
	struct nss_found *out;
	const struct conf_store *cs;
	const char *root;
	bool create;
};

static void note(struct nss_found *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct nss_found *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&f->notes, &f->nnotes, &f->notes_alloc, fmt, ap);
	va_end(ap);
}

void nss_db_dispose(struct nss_db *db)
{
	free(db->address);
	free(db->dir);
	free(db->anchor);
	free(db->problem);
	user_info_dispose(&db->owner);
}

void nss_found_dispose(struct nss_found *f)
{
	for (size_t i = 0; i < f->n; i++)
		nss_db_dispose(&f->dbs[i]);
	free(f->dbs);
	for (size_t i = 0; i < f->nnotes; i++)
		free(f->notes[i]);
	free(f->notes);
	memset(f, 0, sizeof(*f));
}

static bool host_lstat(const char *root, const char *inroot, struct stat *st)
{
	char *p = root_join(root, inroot);
	bool ok = lstat(p, st) == 0;
	free(p);
	return ok;
}

static enum nss_db_state probe(const char *root, const char *dir)
{
	struct stat st;
	char *c9 = xasprintf("%s/cert9.db", dir), *c8 = xasprintf("%s/cert8.db", dir);
	enum nss_db_state s = !host_lstat(root, dir, &st) ? NSS_DB_NONE
			      : host_lstat(root, c9, &st) ? NSS_DB_SQL
			      : host_lstat(root, c8, &st) ? NSS_DB_LEGACY
							  : NSS_DB_EMPTY;
	free(c9);
	free(c8);
	return s;
}

static char *owner_name(const char *root, uid_t uid)
{
	struct user_info u;
	if (userdb_by_uid(&u, root, uid) != 0)
		return xasprintf("uid %u", (unsigned)uid);
	char *s = xasprintf("%s (uid %u)", u.name, (unsigned)uid);
	user_info_dispose(&u);
	return s;
}

/* The database directory and NSS's files in it must be the owner's, as plain
 * files: the child runs as the owner and could not write anything else, and a
 * file someone else owns there means someone else has been writing. */
static char *check_owner(const char *root, const struct nss_db *db)
{
	static const char *const files[] = {"", "/cert9.db", "/key4.db", "/pkcs11.txt"};
	struct stat st;
	char *why = NULL;
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		char *p = xasprintf("%s%s", db->dir, files[i]);
		char *host = root_join(root, p);
		if (!host_lstat(root, p, &st)) {
			free(p);
			free(host);
			continue;
		}
		if (i > 0 && !S_ISREG(st.st_mode)) {
			why = xasprintf("%s is not a regular file (a link?); trustform does not "
					"follow links inside a database: replace it by the file",
					path_shown(host));
		} else if (st.st_uid != db->owner.uid) {
			char *has = owner_name(root, st.st_uid);
			why = xasprintf("%s is owned by %s, not by %s (uid %u), whose database it "
					"is; trustform writes a database only as its owner: "
					"`chown -R %u:%u %s%s`",
					path_shown(host), has,
					db->owner.name ? db->owner.name : "its owner",
					(unsigned)db->owner.uid, (unsigned)db->owner.uid,
					(unsigned)db->owner.gid, root, db->dir);
			free(has);
		}
		free(p);
		free(host);
		if (why)
			break;
	}
	return why;
}

/* Resolve lexdir as a chroot would and refuse it when it leaves the anchor. */
static int settle(struct nss_db *db, const char *root, const char *lexdir, const char *anchor)
{
	struct buf rd = BUF_INIT, ra = BUF_INIT;
	int rc = -1;
	if (root_resolve(root, anchor, &ra) < 0 || root_resolve(root, lexdir, &rd) < 0) {
		db->problem = xstrdup(err_msg());
		db->dir = path_normalize(lexdir);
		goto out;
	}
	db->dir = xstrdup(rd.ptr);
	db->anchor = xstrdup(ra.ptr);
	if (!path_is_under(rd.ptr, ra.ptr)) {
		db->problem = xasprintf("%s leads to %s (through a symbolic link), outside %s; "
					"trustform does not follow links out of the directory a "
					"database belongs in: replace the link by the directory",
					lexdir, rd.ptr, ra.ptr);
		goto out;
	}
	rc = 0;
out:
	buf_dispose(&rd);
	buf_dispose(&ra);
	return rc;
}

/* Add one database; returns it, or NULL when it is a duplicate or skipped. */
static struct nss_db *add_db(struct disc *d, const char *address, const char *lexdir,
			     const char *anchor, const struct user_info *owner, bool may_create,
			     bool required)
{
	struct nss_db db = {0};
	db.address = xstrdup(address);
	user_info_copy(&db.owner, owner);
	if (settle(&db, d->root, lexdir, anchor) == 0) {
		for (size_t i = 0; i < d->out->n; i++) {
			if (!strcmp(d->out->dbs[i].dir, db.dir)) {
				nss_db_dispose(&db);
				return NULL; /* the same database by another way */
			}
		}
		db.state = probe(d->root, db.dir);
		char *host = root_join(d->root, db.dir);
		switch (db.state) {
		case NSS_DB_SQL:
			db.problem = check_owner(d->root, &db);
			break;
		case NSS_DB_LEGACY:
			db.problem = xasprintf("%s holds a database in the legacy format "
					       "(cert8.db, Berkeley DB), which NSS no longer "
					       "writes; start the browser once to upgrade it to "
					       "cert9.db, or remove the old profile",
					       db.dir);
			break;
		case NSS_DB_EMPTY:
		case NSS_DB_NONE:
			if (may_create && d->create) {
				db.create = true;
				db.problem =
				    db.state == NSS_DB_EMPTY ? check_owner(d->root, &db) : NULL;
			} else if (required) {
				db.problem = xasprintf("there is no NSS database in %s; set "
						       "`create: true` on the store to create one",
						       db.dir);
			} else {
				if (db.state == NSS_DB_EMPTY && may_create)
					note(d->out,
					     "%s: %s has no NSS database yet (the "
					     "browser makes one when it first starts); set "
					     "`create: true` to make it now",
					     address, host);
				free(host);
				nss_db_dispose(&db);
				return NULL;
			}
			break;
		}
		free(host);
	}
	ARRAY_GROW(d->out->dbs, d->out->n + 1, d->out->alloc);
	d->out->dbs[d->out->n] = db;
	return &d->out->dbs[d->out->n++];
}

/* A profile name as the plan shows it: printable, no brackets. */
static char *shown_name(const char *s)
{
	char *out = xstrdup(s && *s ? s : "(unnamed)");
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '[' || *p == ']')
			*p = '?';
	return out;
}

static size_t firefox_dbs(struct disc *d, const struct user_info *u, const char *home)
{
	size_t found = 0;
	for (size_t i = 0; i < sizeof(firefox_roots) / sizeof(*firefox_roots); i++) {
		const struct location *loc = &firefox_roots[i];
		char *dir = xasprintf("%s%s", home, loc->rel);
		char *ini = xasprintf("%s/profiles.ini", dir);
		char *host = root_join(d->root, ini);
		struct buf b = BUF_INIT;
		struct stat st;
		/* read only a profiles.ini that is a file of the user's own */
		if (host_lstat(d->root, ini, &st) && S_ISREG(st.st_mode) && st.st_uid == u->uid &&
		    buf_read_file(&b, host) == 0) {
			struct ff_profile *pr;
			size_t n;
			nss_profiles_parse(b.ptr, &pr, &n);
			for (size_t j = 0; j < n; j++) {
				char *pdir = pr[j].relative ? xasprintf("%s/%s", dir, pr[j].path)
							    : xstrdup(pr[j].path);
				char *norm = path_normalize(pdir);
				char *name = shown_name(pr[j].name);
				char *addr = xasprintf("%s[%s %s %s]", d->cs->name, u->name,
						       loc->kind, name);
				bool inside = pdir[0] == '/' && path_is_under(norm, home);
				char *parent = xstrndup(norm, (size_t)(strrchr(norm, '/') - norm));
				if (pdir[0] != '/') {
					note(d->out,
					     "%s lists profile \"%s\" at %s, which is not "
					     "an absolute path; skipped",
					     host, name, pdir);
				} else if (probe(d->root, norm) == NSS_DB_NONE) {
					note(d->out,
					     "%s lists profile \"%s\" in %s, which does "
					     "not exist",
					     host, name, norm);
				} else {
					add_db(d, addr, norm,
					       inside || pr[j].relative ? home
					       : *parent		? parent
									: "/",
					       u, true, false);
					found++;
				}
				free(parent);
				free(addr);
				free(name);
				free(norm);
				free(pdir);
				free(pr[j].name);
				free(pr[j].path);
			}
			free(pr);
		}
		buf_dispose(&b);
		free(host);
		free(ini);
		free(dir);
	}
	return found;
}

static void chrome_dbs_of(struct disc *d, const struct user_info *u, const char *home)
{
	size_t found = 0;
	for (size_t i = 0; i < sizeof(chrome_dbs) / sizeof(*chrome_dbs); i++) {
		char *dir = xasprintf("%s%s", home, chrome_dbs[i].rel);
		char *addr = xasprintf("%s[%s %s]", d->cs->name, u->name, chrome_dbs[i].kind);
		/* only the first location is created when none exists */
		if (add_db(d, addr, dir, home, u, false, false))
			found++;
		free(addr);
		free(dir);
	}
	if (found)
		return;
	char *dir = xasprintf("%s%s", home, chrome_dbs[0].rel);
	char *addr = xasprintf("%s[%s %s]", d->cs->name, u->name, chrome_dbs[0].kind);
	if (!add_db(d, addr, dir, home, u, true, false))
		note(d->out,
		     "%s has no Chrome or Chromium NSS database (looked in ~/.pki/nssdb, "
		     "~/.local/share/pki/nssdb and the Chromium snap); set `create: true` to "
		     "create ~/.pki/nssdb",
		     u->name);
	free(addr);
	free(dir);
}

static void electron_dbs_of(struct disc *d, const struct user_info *u, const char *home)
{
	char *dir = xasprintf("%s%s", home, chrome_dbs[0].rel), **names;
	char *addr = xasprintf("%s[%s electron]", d->cs->name, u->name);
	add_db(d, addr, dir, home, u, true, false);
	free(addr);
	free(dir);
	size_t n = nss_snap_names(d->root, home, &names);
	for (size_t i = 0; i < n; i++) {
		dir = xasprintf("%s/snap/%s/current/.pki/nssdb", home, names[i]);
		addr = xasprintf("%s[%s electron-snap %s]", d->cs->name, u->name, names[i]);
		add_db(d, addr, dir, home, u, false, false); /* only one that exists */
		free(addr);
		free(dir);
		free(names[i]);
	}
	free(names);
}

static bool discovers(const struct conf_store *cs, const char *what)
{
	const struct ynode *l = conf_store_node(cs, "discover");
	for (size_t i = 0; l && l->kind == YNODE_SEQ && i < l->n; i++)
		if (l->items[i]->kind == YNODE_SCALAR && !strcmp(l->items[i]->text, what))
			return true;
	return false;
}

static int user_dbs(struct disc *d, const char *name)
{
	struct user_info u;
	int rc = userdb_by_name(&u, d->root, name);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		char *src = userdb_source(d->root);
		note(d->out, "user %s is not in %s; nothing to do for them", name, src);
		free(src);
		return 0;
	}
	struct buf home = BUF_INIT;
	struct stat st;
	/* as the user would see their home; settle() keeps each database in it */
	uid_t prev = jail_trust_owner(u.uid);
	if (root_resolve(d->root, u.home, &home) < 0 || !host_lstat(d->root, home.ptr, &st) ||
	    !S_ISDIR(st.st_mode)) {
		note(d->out, "the home of %s, %s%s, does not exist; nothing to do for them", name,
		     d->root, u.home);
	} else {
		if (discovers(d->cs, "chrome"))
			chrome_dbs_of(d, &u, u.home);
		if (discovers(d->cs, "electron"))
			electron_dbs_of(d, &u, u.home);
		if (discovers(d->cs, "firefox") && !firefox_dbs(d, &u, u.home))
			note(d->out,
			     "%s has no Firefox profile (no profiles.ini of theirs in "
			     "~/.mozilla/firefox, ~/.config/mozilla/firefox, the snap or the "
			     "flatpak)",
			     name);
	}
	jail_trust_owner(prev);
	buf_dispose(&home);
	user_info_dispose(&u);
	return 0;
}

/* stat the directory, or the nearest one above it that exists (where it would
 * be created), as the chroot sees it. */
static void nearest_stat(const char *root, const char *inroot, struct stat *st)
{
	char *host = root_resolve_host(root, inroot);
	char *p = host ? host : root_join(root, inroot);
	size_t keep = strlen(root);
	memset(st, 0, sizeof(*st));
	while (stat(p, st) < 0) {
		char *slash = strrchr(p, '/');
		if (!slash || (size_t)(slash - p) <= keep) {
			char *r = root_join(root, "/");
			if (stat(r, st) < 0)
				memset(st, 0, sizeof(*st));
			free(r);
			break;
		}
		*slash = '\0';
	}
	free(p);
}

/* A database named by path (path: or the system one): its owner is the user
 * whose home holds it, else whoever owns it (or the directory it will be made in). */
static int path_db(struct disc *d, const char *address, const char *path, bool required)
{
	struct user_info u;
	char *norm = path_normalize(path);
	char *anchor = NULL;
	int rc = userdb_by_home(&u, d->root, norm);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		/* a home counts only if it is its user's: /dev is the "home" of sys */
		struct stat hs;
		char *h = root_resolve_host(d->root, u.home);
		if (!h || stat(h, &hs) < 0 || hs.st_uid != u.uid) {
			user_info_dispose(&u);
			rc = 1;
		}
		free(h);
	}
	if (rc == 0) {
		anchor = xstrdup(u.home);
	} else {
		char *slash = strrchr(norm, '/');
		anchor = slash == norm ? xstrdup("/") : xstrndup(norm, (size_t)(slash - norm));
		struct stat st;
		nearest_stat(d->root, norm, &st);
		if (userdb_by_uid(&u, d->root, st.st_uid) != 0) {
			memset(&u, 0, sizeof(u));
			u.uid = st.st_uid;
			u.gid = st.st_gid;
			u.groups = xcalloc(1, sizeof(gid_t));
			u.groups[0] = st.st_gid;
			u.ngroups = 1;
		}
	}
	uid_t prev = jail_trust_owner(u.uid);
	add_db(d, address, norm, anchor, &u, true, required);
	jail_trust_owner(prev);
	user_info_dispose(&u);
	rc = 0;
out:
	free(anchor);
	free(norm);
	return rc;
}

int nss_discover(struct nss_found *out, const struct conf_store *cs, const struct run_ctx *ctx)
{
	struct disc d = {out, cs, ctx->root, conf_store_bool(cs, "create", false)};
	memset(out, 0, sizeof(*out));
	const char *path = conf_store_str(cs, "path");
	if (path)
		return path_db(&d, cs->name, path, true);
	const struct ynode *users = conf_store_node(cs, "users");
	for (size_t i = 0; users && users->kind == YNODE_SEQ && i < users->n; i++)
		if (user_dbs(&d, users->items[i]->text) < 0)
			return -1;
	if (discovers(cs, "system")) {
		char *addr = xasprintf("%s[system]", cs->name);
		size_t before = out->n;
		if (path_db(&d, addr, SYSTEM_DB, false) < 0) {
			free(addr);
			return -1;
		}
		if (out->n == before)
			note(out, "there is no system NSS database (%s%s)%s", ctx->root, SYSTEM_DB,
			     d.create ? "" : "; set `create: true` to create it");
		free(addr);
	}
	return 0;
}
