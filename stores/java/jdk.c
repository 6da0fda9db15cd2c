/*
 * The `jdk` store: the JDKs a host has outside the distribution's reach, each
 * one's own lib/security/cacerts converged as a java store (aliases
 * trustform-<name>, the JDK's password, changeit by default).
 *
 *   discover: jvm     /usr/lib/jvm/<jdk>
 *             opt     /opt/<jdk> (a directory with bin/java)
 *             sdkman  <home>/.sdkman/candidates/java/<version> of each of users
 *   paths:    JDK homes given
 *
 * A JDK whose cacerts the distribution generates from the system store
 * (Debian's /etc/ssl/certs/java/cacerts, which every JDK of Debian's packages
 * links to; anything under /etc/ssl/certs or RHEL's
 * /etc/pki/ca-trust/extracted) is left to the system store; the plan says so. A directory without
 * lib/security/cacerts is not a JDK: discovery passes it by, a path given is
 * an error. The same cacerts reached twice (a link to a JDK) is one instance.
 * Writes into a JDK that a user owns (SDKMAN's, one unpacked in /opt) keep
 * its owner and mode and follow the privilege boundary of every write: no
 * link is followed in a directory that user could change.
 */
#include "stores/java/java.h"
#include "stores/java/java_int.h"
#include "stores/storeopt.h"
#include "stores/userdb.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CACERTS "/lib/security/cacerts"

static const char *const discover_choices[] = {"jvm", "opt", "sdkman", NULL};

static const struct store_option jdk_keys[] = {
    {.name = "discover",
     .kind = OPT_LIST,
     .choices = discover_choices,
     .flags = OPTF_NONEMPTY,
     .help = "where to find JDKs: jvm (`/usr/lib/jvm/*`), opt (`/opt/*` with `bin/java`), "
	     "sdkman (`<home>/.sdkman/candidates/java/*` of each of `users`)"},
    {.name = "users",
     .kind = OPT_LIST,
     .pattern = "^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$",
     .help = "whose SDKMAN JDKs `discover: [sdkman]` finds, from `<root>/etc/passwd`"},
    {.name = "paths",
     .kind = OPT_LIST,
     .help = "JDK homes (the directory of `bin/java` and `lib/security/cacerts`)"},
    {.name = "password",
     .kind = OPT_STRING,
     .help = "the password of the JDKs' cacerts",
     .def = "changeit"},
    {.name = "password_file",
     .kind = OPT_PATH,
     .help = "a file whose first line is the password (instead of `password`)"},
    {0},
};

static const struct store_files_doc jdk_files[] = {
    {NULL, "Entries `trustform-<name>` in `<jdk>/lib/security/cacerts` of each JDK found "
	   "(PKCS#12 or JKS, as the JDK ships it), rewritten whole"},
    {0},
};

static bool listed(const struct conf_store *cs, const char *key, const char *item)
{
	const struct ynode *n = conf_store_node(cs, key);
	for (size_t i = 0; n && n->kind == YNODE_SEQ && i < n->n; i++)
		if (n->items[i]->kind == YNODE_SCALAR && !strcmp(n->items[i]->text, item))
			return true;
	return false;
}

static void jdk_validate(const struct conf_store *cs, struct diag *d)
{
	const struct ynode *disc = conf_store_node(cs, "discover"),
			   *paths = conf_store_node(cs, "paths"),
			   *users = conf_store_node(cs, "users");
	if (!disc && !paths)
		store_conf_error(d, cs, NULL,
				 "a jdk store needs discover: [jvm, opt, sdkman] or paths: [<jdk "
				 "home>, …]");
	if (conf_store_node(cs, "password") && conf_store_node(cs, "password_file"))
		store_conf_error(d, cs, conf_store_node(cs, "password_file"),
				 "password and password_file are two passwords; keep one");
	bool sdkman = listed(cs, "discover", "sdkman");
	if (sdkman && !users)
		store_conf_error(d, cs, disc,
				 "discover: [sdkman] looks in users' homes; list them with users: "
				 "[alice, …]");
	if (users && !sdkman)
		store_conf_error(d, cs, users, "users: is only used with discover: [sdkman]");
	for (size_t i = 0; users && users->kind == YNODE_SEQ && i < users->n; i++) {
		const struct ynode *u = users->items[i];
		if (u->kind == YNODE_SCALAR && !userdb_name_ok(u->text))
			store_conf_error(d, cs, u, "\"%s\" is not a user name", u->text);
	}
	for (size_t i = 0; disc && disc->kind == YNODE_SEQ && i < disc->n; i++) {
		const struct ynode *x = disc->items[i];
		if (x->kind == YNODE_SCALAR && strcmp(x->text, "jvm") && strcmp(x->text, "opt") &&
		    strcmp(x->text, "sdkman"))
			store_conf_error(
			    d, cs, x, "discover: \"%s\" is not one of jvm, opt, sdkman", x->text);
	}
	for (size_t i = 0; paths && paths->kind == YNODE_SEQ && i < paths->n; i++) {
		const struct ynode *x = paths->items[i];
		if (x->kind == YNODE_SCALAR && x->text[0] != '/')
			store_conf_error(d, cs, x, "paths: \"%s\" is not an absolute path",
					 x->text);
	}
}

/* What writes a cacerts that the distribution generates from the system
 * store (its next run would undo trustform's entries), or NULL. */
static const char *generated_by(const char *inroot_real)
{
	if (path_is_under(inroot_real, "/etc/ssl/certs"))
		return "a hook of update-ca-certificates (Debian's ca-certificates-java)";
	if (path_is_under(inroot_real, "/etc/pki/ca-trust/extracted"))
		return "update-ca-trust";
	return NULL;
}

struct found {
	struct store_open *out;
	const struct conf_store *cs;
	const struct run_ctx *ctx;
	char **seen; /* resolved in-root cacerts of the instances so far */
	size_t nseen;
};

/* Add the JDK at home (in-root); given: named in paths:, so that a home
 * that is no JDK is an error rather than passed by. */
static int add_jdk(struct found *f, const char *home, bool given)
{
	char *cacerts = xasprintf("%s" CACERTS, home);
	struct buf real = BUF_INIT;
	int rc = 0;
	if (root_resolve(f->ctx->root, cacerts, &real) < 0) {
		store_open_note(f->out, "%s: %s; it is left alone", home, err_msg());
		err_clear();
		goto out;
	}
	char *host = root_join(f->ctx->root, real.ptr);
	struct stat st;
	bool regular = stat(host, &st) == 0 && S_ISREG(st.st_mode);
	free(host);
	if (!regular) {
		if (given) {
			char *pos = store_opt_pos(f->cs, "paths");
			err_set("%s: %s has no lib/security/cacerts (is it a JDK home? the "
				"directory of bin/java)",
				pos, home);
			free(pos);
			rc = -1;
		}
		goto out;
	}
	const char *maker = generated_by(real.ptr);
	if (maker) {
		store_open_note(f->out,
				"%s: its cacerts is %s, which %s makes from the system store: "
				"list the CAs in a system store for it",
				home, real.ptr, maker);
		goto out;
	}
	for (size_t i = 0; i < f->nseen; i++)
		if (!strcmp(f->seen[i], real.ptr))
			goto out; /* the same JDK by another name */
	char *address = xasprintf("%s[%s]", f->cs->name, home);
	char *title = xasprintf("%s (jdk %s)", f->cs->name, home);
	struct store_inst *s = java_inst_new(f->cs, f->ctx, cacerts, address, title);
	free(address);
	free(title);
	if (!s) {
		rc = -1;
		goto out;
	}
	f->seen = xrealloc(f->seen, (f->nseen + 1) * sizeof(*f->seen));
	f->seen[f->nseen++] = xstrdup(real.ptr);
	store_open_add(f->out, s);
out:
	buf_dispose(&real);
	free(cacerts);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each directory entry of dir (in-root) that is a JDK, in name order;
 * need_java: only those with bin/java (in /opt, where other software lives). */
static int scan(struct found *f, const char *dir, bool need_java)
{
	char *host = root_resolve_host(f->ctx->root, dir);
	if (!host) {
		store_open_note(f->out, "%s: %s", dir, err_msg());
		err_clear();
		return 0;
	}
	DIR *d = opendir(host);
	free(host);
	if (!d)
		return 0; /* no such directory: no JDKs there */
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "current"))
			continue; /* SDKMAN's "current" links to one of the others */
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *home = xasprintf("%s/%s", dir, names[i]);
		char *java = xasprintf("%s/bin/java", home);
		char *jh = root_resolve_host(f->ctx->root, java);
		struct stat st;
		bool has_java = jh && stat(jh, &st) == 0;
		err_clear();
		if ((!need_java || has_java) && add_jdk(f, home, false) < 0)
			rc = -1;
		free(jh);
		free(java);
		free(home);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int sdkman(struct found *f)
{
	const struct ynode *users = conf_store_node(f->cs, "users");
	int rc = 0;
	for (size_t i = 0; users && users->kind == YNODE_SEQ && i < users->n; i++) {
		struct user_info u;
		int r = userdb_by_name(&u, f->ctx->root, users->items[i]->text);
		if (r < 0)
			return -1;
		if (r > 0) {
			char *src = userdb_source(f->ctx->root);
			store_open_note(f->out, "user %s is not in %s", users->items[i]->text, src);
			free(src);
			continue;
		}
		char *dir = xasprintf("%s/.sdkman/candidates/java", u.home);
		if (scan(f, dir, false) < 0)
			rc = -1;
		free(dir);
		user_info_dispose(&u);
	}
	return rc;
}

static int jdk_open(const struct conf_store *cs, const struct run_ctx *ctx, struct store_open *out)
{
	struct found f = {.out = out, .cs = cs, .ctx = ctx};
	int rc = 0;
	if (listed(cs, "discover", "jvm") && scan(&f, "/usr/lib/jvm", false) < 0)
		rc = -1;
	if (rc == 0 && listed(cs, "discover", "opt") && scan(&f, "/opt", true) < 0)
		rc = -1;
	if (rc == 0 && listed(cs, "discover", "sdkman") && sdkman(&f) < 0)
		rc = -1;
	const struct ynode *paths = conf_store_node(cs, "paths");
	for (size_t i = 0; rc == 0 && paths && paths->kind == YNODE_SEQ && i < paths->n; i++) {
		char *home = path_normalize(paths->items[i]->text);
		rc = add_jdk(&f, home, true);
		free(home);
	}
	if (rc == 0 && !out->n)
		store_open_note(out, "no JDK with its own cacerts found");
	for (size_t i = 0; i < f.nseen; i++)
		free(f.seen[i]);
	free(f.seen);
	return rc;
}

const struct store_type store_type_jdk = {
    .name = "jdk",
    .summary = "The JDKs of a host outside the distribution (`/usr/lib/jvm`, `/opt`, "
	       "SDKMAN's, or given): `trustform-<name>` entries in each one's "
	       "`lib/security/cacerts`",
    .files = jdk_files,
    .schema_rules = "\"anyOf\": [{ \"required\": [\"discover\"] }, "
		    "{ \"required\": [\"paths\"] }]",
    .options = jdk_keys,
    .validate = jdk_validate,
    .open = jdk_open,
};
