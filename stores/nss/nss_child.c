/*
 * The NSS work, one child process per database (see nss.h for why). The child
 * drops to the database's owner (groups, gid, uid, each checked) before it
 * opens anything, so every file NSS writes stays the user's and no link a user
 * planted can turn a write of root's into a write somewhere else. It opens
 * exactly one database with libnss3, reads it or carries out the entry operations
 * (re-checking each entry against what the planner saw), and reports back over
 * a pipe as it goes (nss_wire.c). The parent never loads NSS; nss_job.c runs
 * the children. This file opens and reads; nss_child_apply.c changes.
 */
#include "model/cert.h"
#include "stores/nss/nss_child_int.h"
#include "stores/nss/nss_int.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <cert.h>
#include <certdb.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <nss.h>
#include <pk11pub.h>
#include <prerror.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- becoming the owner -------------------------------------------------------- */

static int drop_privileges(const struct user_info *u, const char *root)
{
	if (geteuid() == u->uid && getuid() == u->uid)
		return 0; /* already the owner (root's own database, or a user's own run) */
	if (geteuid() != 0) {
		child_error(
		    "trustform runs as uid %u, but the database belongs to %s (uid %u); run "
		    "it as root",
		    (unsigned)geteuid(), u->name ? u->name : "another user", (unsigned)u->uid);
		return -1;
	}
	/* On the real root the C library knows every group (LDAP too); under --root
	 * the image's /etc/group said which, and those ids need not exist here. */
	if (!*root && u->name) {
		if (initgroups(u->name, u->gid) < 0) {
			child_error("initgroups(%s, %u) failed: %s", u->name, (unsigned)u->gid,
				    strerror(errno));
			return -1;
		}
	} else if (setgroups(u->ngroups, u->groups) < 0) {
		child_error("setgroups for uid %u failed: %s", (unsigned)u->uid, strerror(errno));
		return -1;
	}
	if (setgid(u->gid) < 0) {
		child_error("setgid(%u) failed: %s", (unsigned)u->gid, strerror(errno));
		return -1;
	}
	if (setuid(u->uid) < 0) {
		child_error("setuid(%u) failed: %s", (unsigned)u->uid, strerror(errno));
		return -1;
	}
	if (getuid() != u->uid || geteuid() != u->uid || getgid() != u->gid ||
	    getegid() != u->gid || (u->uid != 0 && setuid(0) == 0)) {
		child_error("could not become uid %u gid %u; nothing was opened", (unsigned)u->uid,
			    (unsigned)u->gid);
		return -1;
	}
	return 0;
}

/* --- opening ------------------------------------------------------------------- */

/* flags for NSS_Initialize: no built-in roots module (only the database's own
 * certificates), and no modules from pkcs11.txt (a user's smart-card driver
 * has no business in root's run) unless the database is being created, when
 * NSS writes pkcs11.txt as certutil -N does. */
static int db_open(struct nssdb *db, const char *dir, bool write, bool create, const char *trust)
{
	char *spec = xasprintf("sql:%s", dir);
	PRUint32 flags = NSS_INIT_NOROOTINIT | NSS_INIT_OPTIMIZESPACE;
	if (!write)
		flags |= NSS_INIT_READONLY;
	if (!create)
		flags |= NSS_INIT_NOMODDB;
	SECStatus rv = NSS_Initialize(spec, "", "", SECMOD_DB, flags);
	free(spec);
	if (rv != SECSuccess) {
		char *e = child_nss_error();
		child_error("%s: NSS cannot open the database (%s); if cert9.db is damaged, move "
			    "the directory away (the browser makes a new one) or restore it from "
			    "a backup",
			    path_shown(dir), e);
		free(e);
		return -1;
	}
	db->slot = PK11_GetInternalKeySlot();
	db->handle = CERT_GetDefaultCertDB();
	if (!db->slot || !db->handle) {
		child_error("%s: NSS opened no certificate database", dir);
		return -1;
	}
	if (create && PK11_NeedUserInit(db->slot) &&
	    PK11_InitPin(db->slot, NULL, "") != SECSuccess) {
		char *e = child_nss_error();
		child_error("%s: cannot initialise the new database (%s)", dir, e);
		free(e);
		return -1;
	}
	db->want = child_canonical_trust(trust);
	if (!db->want) {
		child_error("trust \"%s\" is not an NSS trust string", trust);
		return -1;
	}
	nss_wire_send_str(REPLY_FD, REC_WANT, db->want, NULL, NULL);
	return 0;
}

static void do_read(struct nssdb *db)
{
	struct holdings h;
	if (child_db_locked(db))
		nss_wire_send_str(REPLY_FD, REC_NOTE, LOCKED_MSG, NULL, NULL);
	if (holdings_load(&h, db) == 0) {
		for (size_t i = 0; i < h.n; i++) {
			const struct held *it = &h.items[i];
			const void *f[3] = {it->nick, it->cert->derCert.data, it->flags};
			size_t len[3] = {strlen(it->nick), it->cert->derCert.len,
					 strlen(it->flags)};
			nss_wire_send(REPLY_FD, REC_ENTRY, 3, f, len);
		}
	}
	holdings_dispose(&h);
}

/* --- the child --------------------------------------------------------------------- */

static bool has_file(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	bool ok = path_exists(p);
	free(p);
	return ok;
}

void nss_child_main(int fd, const struct nss_db *db, const char *root, const char *trust,
		    const struct store_entry_ops *ops)
{
	char *dir = root_join(root, db->dir);
	bool write = ops != NULL, create = false;
	struct nssdb n = {0};
	/* Nothing of the parent's stays open in the child but its end of the pipe. */
	int nul = open("/dev/null", O_RDONLY);
	if (nul >= 0 && nul != STDIN_FILENO)
		dup2(nul, STDIN_FILENO);
	if (fd != REPLY_FD && dup2(fd, REPLY_FD) < 0)
		_exit(127);
	close_range(REPLY_FD + 1, ~0U, 0);
	jail_forget(); /* its descriptor went with the others: open it again */
	if (jail_set_root(root) < 0) {
		child_error("--root %s: cannot open it as a directory: %s", root, strerror(errno));
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (drop_privileges(&db->owner, root) < 0)
		goto out;
	umask(077);
	if (!has_file(dir, "cert9.db")) {
		if (!write || !db->create) {
			child_error("%s: there is no cert9.db here%s", dir,
				    write ? "; set `create: true` on the store to create it" : "");
			goto out;
		}
		/* as the owner: whatever is made here is theirs */
		if (mkdir_p(dir, 0700) < 0) {
			child_error("%s", err_msg());
			goto out;
		}
		create = true;
	}
	if (db_open(&n, dir, write, create, trust) < 0)
		goto out;
	if (write)
		child_apply(&n, ops);
	else
		do_read(&n);
	nss_wire_send(REPLY_FD, REC_END, 0, NULL, NULL);
out:
	free(n.want);
	if (n.slot)
		PK11_FreeSlot(n.slot);
	if (NSS_IsInitialized())
		NSS_Shutdown();
	free(dir);
	_exit(0);
}
