/*
 * The NSS work, one child process per database (see nss.h for why). The child
 * drops to the database's owner (groups, gid, uid, each checked) before it
 * opens anything, so every file NSS writes stays the user's and no link a user
 * planted can turn a write of root's into a write somewhere else. It opens
 * exactly one database with libnss3, reads it or carries out the plan's steps
 * (re-checking each entry against what the planner saw), and reports back over
 * a pipe as it goes (nss_wire.c). The parent never loads NSS; nss_job.c runs
 * the children.
 */
#include "model/cert.h"
#include "reconcile/plan.h"
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
#include <keyhi.h>
#include <nss.h>
#include <pk11pub.h>
#include <prerror.h>
#include <secerr.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REPLY_FD 3

/* "SEC_ERROR_BAD_DATABASE: Problem using certificate or key database", as certutil says it. */
static char *nss_errstr(void)
{
	PRErrorCode e = PORT_GetError();
	const char *name = PR_ErrorToName(e);
	const char *text = PR_ErrorToString(e, PR_LANGUAGE_I_DEFAULT);
	if (!name)
		return xasprintf("NSS error %d", (int)e);
	return xasprintf("%s%s%s", name, text && *text ? ": " : "", text ? text : "");
}

static void send_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void send_error(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	nss_wire_send_str(REPLY_FD, REC_ERROR, b.ptr, NULL, NULL);
	buf_dispose(&b);
}

/* --- becoming the owner -------------------------------------------------------- */

static int drop_privileges(const struct user_info *u, const char *root)
{
	if (geteuid() == u->uid && getuid() == u->uid)
		return 0; /* already the owner (root's own database, or a user's own run) */
	if (geteuid() != 0) {
		send_error("trustform runs as uid %u, but the database belongs to %s (uid %u); run "
			   "it as root",
			   (unsigned)geteuid(), u->name ? u->name : "another user",
			   (unsigned)u->uid);
		return -1;
	}
	/* On the real root the C library knows every group (LDAP too); under --root
	 * the image's /etc/group said which, and those ids need not exist here. */
	if (!*root && u->name) {
		if (initgroups(u->name, u->gid) < 0) {
			send_error("initgroups(%s, %u) failed: %s", u->name, (unsigned)u->gid,
				   strerror(errno));
			return -1;
		}
	} else if (setgroups(u->ngroups, u->groups) < 0) {
		send_error("setgroups for uid %u failed: %s", (unsigned)u->uid, strerror(errno));
		return -1;
	}
	if (setgid(u->gid) < 0) {
		send_error("setgid(%u) failed: %s", (unsigned)u->gid, strerror(errno));
		return -1;
	}
	if (setuid(u->uid) < 0) {
		send_error("setuid(%u) failed: %s", (unsigned)u->uid, strerror(errno));
		return -1;
	}
	if (getuid() != u->uid || geteuid() != u->uid || getgid() != u->gid ||
	    getegid() != u->gid || (u->uid != 0 && setuid(0) == 0)) {
		send_error("could not become uid %u gid %u; nothing was opened", (unsigned)u->uid,
			   (unsigned)u->gid);
		return -1;
	}
	return 0;
}

/* --- opening ------------------------------------------------------------------- */

struct nssdb {
	PK11SlotInfo *slot;
	CERTCertDBHandle *handle;
	char *want; /* canonical configured trust */
};

/* One field of trust flags in the letters and order certutil -L prints them
 * (NSS does not export its encoder): the cross-checks compare the two. */
static void encode_field(struct buf *b, unsigned f)
{
	if ((f & CERTDB_VALID_CA) && !(f & (CERTDB_TRUSTED_CA | CERTDB_TRUSTED_CLIENT_CA)))
		buf_putc(b, 'c');
	if ((f & CERTDB_TERMINAL_RECORD) && !(f & CERTDB_TRUSTED))
		buf_putc(b, 'p');
	if (f & CERTDB_TRUSTED_CA)
		buf_putc(b, 'C');
	if (f & CERTDB_TRUSTED_CLIENT_CA)
		buf_putc(b, 'T');
	if (f & CERTDB_TRUSTED)
		buf_putc(b, 'P');
	if (f & CERTDB_USER)
		buf_putc(b, 'u');
	if (f & CERTDB_SEND_WARN)
		buf_putc(b, 'w');
	if (f & CERTDB_INVISIBLE_CA)
		buf_putc(b, 'I');
	if (f & CERTDB_GOVT_APPROVED_CA)
		buf_putc(b, 'G');
}

static char *encode_trust(const CERTCertTrust *t)
{
	struct buf b = BUF_INIT;
	encode_field(&b, t->sslFlags);
	buf_putc(&b, ',');
	encode_field(&b, t->emailFlags);
	buf_putc(&b, ',');
	encode_field(&b, t->objectSigningFlags);
	return buf_detach(&b);
}

static char *canonical_trust(const char *s)
{
	CERTCertTrust t;
	if (CERT_DecodeTrustString(&t, s) != SECSuccess)
		return NULL;
	return encode_trust(&t);
}

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
		char *e = nss_errstr();
		send_error("%s: NSS cannot open the database (%s); if cert9.db is damaged, move "
			   "the directory away (the browser makes a new one) or restore it from "
			   "a backup",
			   dir, e);
		free(e);
		return -1;
	}
	db->slot = PK11_GetInternalKeySlot();
	db->handle = CERT_GetDefaultCertDB();
	if (!db->slot || !db->handle) {
		send_error("%s: NSS opened no certificate database", dir);
		return -1;
	}
	if (create && PK11_NeedUserInit(db->slot) &&
	    PK11_InitPin(db->slot, NULL, "") != SECSuccess) {
		char *e = nss_errstr();
		send_error("%s: cannot initialise the new database (%s)", dir, e);
		free(e);
		return -1;
	}
	db->want = canonical_trust(trust);
	if (!db->want) {
		send_error("trust \"%s\" is not an NSS trust string", trust);
		return -1;
	}
	nss_wire_send_str(REPLY_FD, REC_WANT, db->want, NULL, NULL);
	return 0;
}

static char *cert_flags(CERTCertificate *c)
{
	CERTCertTrust t;
	if (CERT_GetCertTrust(c, &t) != SECSuccess)
		return xstrdup(",,");
	return encode_trust(&t);
}

/* --- what the database holds ---------------------------------------------------- */

struct held {
	CERTCertificate *cert;
	const char *nick; /* "" for none */
	char *flags;
	char fphex[FP_HEX_LEN + 1];
	/* what the apply made of it */
	bool gone;
	char *new_nick, *new_flags; /* NULL: unchanged */
};

/* A certificate the apply added. */
struct added {
	const unsigned char *der;
	size_t len;
	char *nick, *flags;
	SECItem subject;
};

struct holdings {
	CERTCertList *list;
	struct held *items;
	size_t n;
	struct strmap by_fp;
	struct added *added;
	size_t nadded, alloc;
	/* the state after the apply might not be what the changes predict (see
	 * send_state): the parent then reads the database again */
	bool unsure;
};

static int holdings_load(struct holdings *h, struct nssdb *db)
{
	memset(h, 0, sizeof(*h));
	strmap_init(&h->by_fp);
	h->list = PK11_ListCertsInSlot(db->slot);
	if (!h->list) {
		char *e = nss_errstr();
		send_error("cannot list the certificates of the database (%s)", e);
		free(e);
		return -1;
	}
	size_t n = 0;
	for (CERTCertListNode *nd = CERT_LIST_HEAD(h->list); !CERT_LIST_END(nd, h->list);
	     nd = CERT_LIST_NEXT(nd))
		n++;
	h->items = xcalloc(n ? n : 1, sizeof(*h->items));
	for (CERTCertListNode *nd = CERT_LIST_HEAD(h->list); !CERT_LIST_END(nd, h->list);
	     nd = CERT_LIST_NEXT(nd)) {
		struct held *it = &h->items[h->n];
		unsigned char fp[FP_LEN];
		it->cert = nd->cert;
		it->nick = nd->appData ? nd->appData : nd->cert->nickname ? nd->cert->nickname : "";
		it->flags = cert_flags(nd->cert);
		if (PK11_HashBuf(SEC_OID_SHA256, fp, nd->cert->derCert.data,
				 (PRInt32)nd->cert->derCert.len) != SECSuccess) {
			free(it->flags);
			continue;
		}
		hex_encode(it->fphex, fp, FP_LEN);
		strmap_put(&h->by_fp, it->fphex, h->n);
		h->n++;
	}
	return 0;
}

static void holdings_dispose(struct holdings *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->items[i].flags);
		free(h->items[i].new_nick);
		free(h->items[i].new_flags);
	}
	free(h->items);
	for (size_t i = 0; i < h->nadded; i++) {
		free(h->added[i].nick);
		free(h->added[i].flags);
		SECITEM_FreeItem(&h->added[i].subject, PR_FALSE);
	}
	free(h->added);
	strmap_dispose(&h->by_fp);
	if (h->list)
		CERT_DestroyCertList(h->list);
}

static struct held *holdings_find(struct holdings *h, const char *fphex)
{
	size_t i = strmap_get(&h->by_fp, fphex);
	return i == STRMAP_NONE ? NULL : &h->items[i];
}

/* A primary password guards writes, and trustform has none: say so before
 * anything is changed rather than leave a certificate without its trust. */
static bool locked(struct nssdb *db)
{
	return PK11_NeedLogin(db->slot) && !PK11_IsLoggedIn(db->slot, NULL);
}

#define LOCKED_MSG                                                                                 \
	"the database is protected by a primary password, which trustform "                        \
	"does not have, so it cannot change it; remove the password (Firefox: "                    \
	"Settings, Privacy & Security, Use a primary password) or manage this "                    \
	"database by hand"

static void do_read(struct nssdb *db)
{
	struct holdings h;
	if (locked(db))
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

/* --- changing it ------------------------------------------------------------------ */

static int set_trust(struct nssdb *db, CERTCertificate *c, const char *flags, char **why)
{
	CERTCertTrust t;
	if (CERT_DecodeTrustString(&t, flags) != SECSuccess ||
	    CERT_ChangeCertTrust(db->handle, c, &t) != SECSuccess) {
		char *e = nss_errstr();
		if (PORT_GetError() == SEC_ERROR_TOKEN_NOT_LOGGED_IN)
			*why = xasprintf("cannot set trust \"%s\": the database is protected by a "
					 "primary password, which trustform does not have (%s)",
					 flags, e);
		else
			*why = xasprintf("cannot set trust \"%s\" (%s)", flags, e);
		free(e);
		return -1;
	}
	return 0;
}

/* Trust that reads back from the database as it was written: per field one of
 * "", C, c, p, P (NSS keeps one trust level per usage, and maps other letters,
 * or combinations, back differently; see send_state). */
static bool round_trips(const char *flags)
{
	char *canon = canonical_trust(flags);
	bool ok = canon != NULL;
	for (const char *f = canon; ok && *f; f += *f == ',') {
		size_t n = strcspn(f, ",");
		ok = n == 0 || (n == 1 && strchr("CcpP", *f));
		f += n;
	}
	free(canon);
	return ok;
}

static void note_trust(struct holdings *h, struct held *it, const char *flags)
{
	free(it->new_flags);
	it->new_flags = canonical_trust(flags);
	if (!it->new_flags || !round_trips(flags))
		h->unsure = true;
}

/* A certificate with the subject of another keeps that one's nickname in NSS. */
static void note_added(struct holdings *h, const unsigned char *der, size_t len, const char *nick,
		       const char *flags, const SECItem *subject)
{
	for (size_t i = 0; i < h->n && !h->unsure; i++)
		if (!h->items[i].gone &&
		    SECITEM_ItemsAreEqual(&h->items[i].cert->derSubject, subject))
			h->unsure = true;
	for (size_t i = 0; i < h->nadded && !h->unsure; i++)
		if (SECITEM_ItemsAreEqual(&h->added[i].subject, subject))
			h->unsure = true;
	ARRAY_GROW(h->added, h->nadded + 1, h->alloc);
	struct added *a = &h->added[h->nadded++];
	a->der = der;
	a->len = len;
	a->nick = xstrdup(nick);
	a->flags = canonical_trust(flags);
	if (!a->flags || !round_trips(flags) ||
	    SECITEM_CopyItem(NULL, &a->subject, subject) != SECSuccess) {
		memset(&a->subject, 0, sizeof(a->subject));
		h->unsure = true;
	}
}

/* h NULL: not to be recorded (putting an old entry back) */
static int import(struct nssdb *db, struct holdings *h, const unsigned char *der, size_t len,
		  const char *nick, const char *flags, char **why)
{
	SECItem item = {siBuffer, (unsigned char *)der, (unsigned int)len};
	CERTCertificate *c = CERT_NewTempCertificate(db->handle, &item, NULL, PR_FALSE, PR_TRUE);
	int rc = -1;
	if (!c) {
		char *e = nss_errstr();
		*why = xasprintf("NSS cannot decode the certificate (%s)", e);
		free(e);
		return -1;
	}
	if (PK11_ImportCert(db->slot, c, CK_INVALID_HANDLE, nick, PR_FALSE) != SECSuccess) {
		char *e = nss_errstr();
		*why = xasprintf("cannot add \"%s\" (%s)%s", nick, e,
				 PORT_GetError() == SEC_ERROR_TOKEN_NOT_LOGGED_IN
				     ? "; the database is protected by a primary password"
				     : "");
		free(e);
		goto out;
	}
	rc = set_trust(db, c, flags, why);
	if (h)
		note_added(h, der, len, nick, flags, &c->derSubject);
out:
	CERT_DestroyCertificate(c);
	return rc;
}

static int delete (struct held *it, char **why)
{
	if (SEC_DeletePermCertificate(it->cert) != SECSuccess) {
		char *e = nss_errstr();
		*why = xasprintf("cannot delete \"%s\" (%s)", it->nick, e);
		free(e);
		return -1;
	}
	it->gone = true;
	return 0;
}

static int retrust(struct nssdb *db, struct holdings *h, struct held *it, const char *flags,
		   char **why)
{
	if (set_trust(db, it->cert, flags, why) < 0)
		return -1;
	note_trust(h, it, flags);
	return 0;
}

/* Compare-and-swap: the entry must be as the planner saw it. */
static struct held *seen_entry(struct holdings *h, const struct plan_step *st, char **why)
{
	struct held *it = holdings_find(h, st->seen.fphex);
	if (!it) {
		char *gone = xasprintf("\"%s\" is no longer in it", st->seen.where);
		*why = err_modified_text("the database", gone);
		free(gone);
		return NULL;
	}
	const char *had = st->seen.flags ? st->seen.flags : "";
	if (strcmp(nss_where(it->nick), st->seen.where) || strcmp(it->flags, had)) {
		char *now = xasprintf("\"%s\" %s, planned for \"%s\" %s", nss_where(it->nick),
				      it->flags, st->seen.where, had);
		*why = err_modified_text("the entry", now);
		free(now);
		return NULL;
	}
	return it;
}

static char *our_nick(const char *name)
{
	return xasprintf(NSS_NICK_PREFIX "%s", name);
}

/* Add ca under our nickname; idempotent when it is there already as ours. */
static int add_ca(struct nssdb *db, struct holdings *h, const struct conf_ca *ca, const char *flags,
		  char **why)
{
	char *nick = our_nick(ca->name);
	struct held *it = holdings_find(h, ca->cert->fphex);
	int rc;
	if (it && !strcmp(it->nick, nick) && !strcmp(it->flags, flags)) {
		rc = 0;
	} else if (it) {
		char *now = xasprintf("it now holds this certificate as \"%s\" %s",
				      nss_where(it->nick), it->flags);
		*why = err_modified_text("the database", now);
		free(now);
		rc = -1;
	} else {
		rc = import(db, h, ca->cert->der, ca->cert->der_len, nick, flags, why);
	}
	free(nick);
	return rc;
}

/* The new certificate first, so the CA is not missing in between. NSS refuses
 * one nickname for two subjects; then the old entry has to go first, and comes
 * back if the new one cannot be added. */
static int replace_ca(struct nssdb *db, struct holdings *h, const struct plan_step *st, char **why)
{
	struct held *old = seen_entry(h, st, why);
	if (!old)
		return -1;
	if (holdings_find(h, st->ca->cert->fphex))
		return add_ca(db, h, st->ca, db->want, why) < 0 ? -1 : delete (old, why);
	char *nick = our_nick(st->ca->name), *first = NULL;
	const struct cert *c = st->ca->cert;
	int rc = import(db, h, c->der, c->der_len, nick, db->want, &first);
	if (rc == 0) {
		rc = delete (old, why);
	} else if (PORT_GetError() != SEC_ERROR_ADDING_CERT) {
		*why = first, first = NULL;
	} else {
		SECItem der;
		if (SECITEM_CopyItem(NULL, &der, &old->cert->derCert) != SECSuccess) {
			*why = xstrdup("out of memory");
			goto out;
		}
		rc = delete (old, why);
		if (rc == 0 && (rc = import(db, h, c->der, c->der_len, nick, db->want, why)) < 0) {
			char *ignored = NULL;
			import(db, NULL, der.data, der.len, old->nick, old->flags, &ignored);
			free(ignored);
		}
		SECITEM_FreeItem(&der, PR_FALSE);
	}
out:
	free(first);
	free(nick);
	return rc;
}

struct rename {
	size_t step;
	struct held *it;
	char *nick;
};

static int do_step(struct nssdb *db, struct holdings *h, const struct plan_step *st, size_t idx,
		   struct rename *ren, size_t *nren, char **why)
{
	struct held *it;
	switch (st->op) {
	case OP_ADD:
		return add_ca(db, h, st->ca, db->want, why);
	case OP_ADD_DISTRUSTED:
		return add_ca(db, h, st->ca, NSS_DISTRUST, why);
	case OP_REMOVE:
		if (!holdings_find(h, st->seen.fphex))
			return 0; /* already gone */
		it = seen_entry(h, st, why);
		return it ? delete (it, why) : -1;
	case OP_REPLACE:
		return replace_ca(db, h, st, why);
	case OP_UPDATE: {
		if (!(it = seen_entry(h, st, why)))
			return -1;
		if (strcmp(it->flags, db->want) && retrust(db, h, it, db->want, why) < 0)
			return -1;
		char *nick = our_nick(st->ca->name);
		if (strcmp(it->nick, nick)) {
			/* NSS renames only in the database, not in this process's
			 * memory (pk11pub.h): do it after everything else. */
			ren[*nren].step = idx;
			ren[*nren].it = it;
			ren[(*nren)++].nick = nick;
			return 1;
		}
		free(nick);
		return 0;
	}
	case OP_RETRUST:
		if (!(it = seen_entry(h, st, why)))
			return -1;
		return retrust(db, h, it, db->want, why);
	case OP_DISTRUST:
		if (!(it = seen_entry(h, st, why)))
			return -1;
		return retrust(db, h, it, NSS_DISTRUST, why);
	case OP_REFRESH:
		return 0;
	case OP_ROOT_DRIFT:
	case OP_REISSUE:
	case OP_SET:
		break;
	}
	*why = xasprintf("the nss store cannot %s an entry", plan_op_name(st->op));
	return -1;
}

/* The database after a successful apply, as a read would list it, so that the
 * parent need not start another child to read it again (nss_job.c): what was
 * there, less what was deleted, plus what was added, with the nicknames and
 * trust written. Said only when that is certain: no private keys (a read
 * would add 'u' to their certificates), trust that reads back as written, no
 * new certificate sharing a subject (NSS would give it the other's nickname). */
static void send_state(struct nssdb *db, struct holdings *h)
{
	if (h->unsure)
		return;
	SECKEYPrivateKeyList *keys = PK11_ListPrivateKeysInSlot(db->slot);
	bool none = keys && PRIVKEY_LIST_END(PRIVKEY_LIST_HEAD(keys), keys);
	if (keys)
		SECKEY_DestroyPrivateKeyList(keys);
	if (!none)
		return;
	struct buf b = BUF_INIT;
	nss_wire_put(&b, REC_STATE, 0, NULL, NULL);
	for (size_t i = 0; i < h->n; i++) {
		const struct held *it = &h->items[i];
		if (it->gone)
			continue;
		const char *nick = it->new_nick ? it->new_nick : it->nick;
		const char *flags = it->new_flags ? it->new_flags : it->flags;
		const void *f[3] = {nick, it->cert->derCert.data, flags};
		size_t len[3] = {strlen(nick), it->cert->derCert.len, strlen(flags)};
		nss_wire_put(&b, REC_ENTRY, 3, f, len);
	}
	for (size_t i = 0; i < h->nadded; i++) {
		const struct added *a = &h->added[i];
		const void *f[3] = {a->nick, a->der, a->flags};
		size_t len[3] = {strlen(a->nick), a->len, strlen(a->flags)};
		nss_wire_put(&b, REC_ENTRY, 3, f, len);
	}
	nss_wire_write(REPLY_FD, &b);
	buf_dispose(&b);
}

static void report(size_t idx, int rc, const char *why)
{
	char num[32];
	snprintf(num, sizeof(num), "%zu", idx);
	nss_wire_send_str(REPLY_FD, REC_STEP, num, rc == 0 ? "ok" : "fail", why ? why : "");
}

static void do_apply(struct nssdb *db, const struct plan_store *ps)
{
	struct holdings h;
	struct rename *ren = xcalloc(ps->n ? ps->n : 1, sizeof(*ren));
	size_t nren = 0;
	if (locked(db)) {
		send_error("%s; nothing was changed", LOCKED_MSG);
		free(ren);
		return;
	}
	bool all_ok = true;
	if (holdings_load(&h, db) < 0)
		goto out;
	for (size_t i = 0; i < ps->n; i++) {
		char *why = NULL;
		int rc = do_step(db, &h, &ps->steps[i], i, ren, &nren, &why);
		if (rc <= 0)
			report(i, rc, why);
		all_ok = all_ok && rc >= 0;
		free(why);
	}
	for (size_t i = 0; i < nren; i++) {
		int rc = 0;
		char *why = NULL;
		if (__PK11_SetCertificateNickname(ren[i].it->cert, ren[i].nick) != SECSuccess) {
			char *e = nss_errstr();
			why = xasprintf("cannot rename the entry to \"%s\" (%s)", ren[i].nick, e);
			free(e);
			rc = -1;
		} else {
			free(ren[i].it->new_nick);
			ren[i].it->new_nick = xstrdup(ren[i].nick);
		}
		report(ren[i].step, rc, why);
		all_ok = all_ok && rc == 0;
		free(why);
	}
	if (all_ok)
		send_state(db, &h);
out:
	for (size_t i = 0; i < nren; i++)
		free(ren[i].nick);
	free(ren);
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
		    const struct plan_store *ps)
{
	char *dir = root_join(root, db->dir);
	bool write = ps != NULL, create = false;
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
		send_error("%s", err_msg());
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (drop_privileges(&db->owner, root) < 0)
		goto out;
	umask(077);
	if (!has_file(dir, "cert9.db")) {
		if (!write || !db->create) {
			send_error("%s: there is no cert9.db here%s", dir,
				   write ? "; set `create: true` on the store to create it" : "");
			goto out;
		}
		/* as the owner: whatever is made here is theirs */
		if (mkdir_p(dir, 0700) < 0) {
			send_error("%s", err_msg());
			goto out;
		}
		create = true;
	}
	if (db_open(&n, dir, write, create, trust) < 0)
		goto out;
	if (write)
		do_apply(&n, ps);
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
