/*
 * Changing one NSS database in its child (see nss_child.c): the entry
 * operations of stores/store.h (add, remove, set-trust), each re-checked
 * against what the plan saw, carried out with libnss3 and its code reported
 * as it goes, then the state the changes leave.
 */
#include "model/cert.h"
#include "stores/nss/nss_child_int.h"
#include "stores/nss/nss_int.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <cert.h>
#include <certdb.h>
#include <keyhi.h>
#include <pk11pub.h>
#include <secerr.h>
#include <stdlib.h>
#include <string.h>

static int set_trust(struct nssdb *db, CERTCertificate *c, const char *flags, char **why)
{
	CERTCertTrust t;
	if (CERT_DecodeTrustString(&t, flags) != SECSuccess ||
	    CERT_ChangeCertTrust(db->handle, c, &t) != SECSuccess) {
		char *e = child_nss_error();
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
	char *canon = child_canonical_trust(flags);
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
	it->new_flags = child_canonical_trust(flags);
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
	a->flags = child_canonical_trust(flags);
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
		char *e = child_nss_error();
		*why = xasprintf("NSS cannot decode the certificate (%s)", e);
		free(e);
		return -1;
	}
	if (PK11_ImportCert(db->slot, c, CK_INVALID_HANDLE, nick, PR_FALSE) != SECSuccess) {
		char *e = child_nss_error();
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
		char *e = child_nss_error();
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

/* Compare-and-swap: the entry must be as the plan saw it (the certificate by
 * the SHA-256 of its DER, with the nickname and flags seen); NULL (*why set)
 * when it is not: the operation's code is then TF_EMODIFIED. */
static struct held *seen_entry(struct holdings *h, const struct trust_entry *seen, char **why)
{
	struct held *it = holdings_find(h, seen->fphex);
	if (!it) {
		char *gone = xasprintf("\"%s\" is no longer in it", seen->where);
		*why = err_modified_text("the database", gone);
		free(gone);
		return NULL;
	}
	const char *had = seen->flags ? seen->flags : "";
	if (strcmp(nss_where(it->nick), seen->where) || strcmp(it->flags, had)) {
		char *now = xasprintf("\"%s\" %s, planned for \"%s\" %s", nss_where(it->nick),
				      it->flags, seen->where, had);
		*why = err_modified_text("the entry", now);
		free(now);
		return NULL;
	}
	return it;
}

/* Add cert as nick; idempotent when it is there already so. These functions
 * return 0, or with *why set TF_ERROR (-1), or TF_EMODIFIED when what the
 * plan saw is not there any more. */
static int add_entry(struct nssdb *db, struct holdings *h, const struct cert *cert,
		     const char *nick, const char *flags, char **why)
{
	struct held *it = holdings_find(h, cert->fphex);
	if (it && !strcmp(it->nick, nick) && !strcmp(it->flags, flags))
		return 0;
	if (it) {
		char *now = xasprintf("it now holds this certificate as \"%s\" %s",
				      nss_where(it->nick), it->flags);
		*why = err_modified_text("the database", now);
		free(now);
		return TF_EMODIFIED;
	}
	return import(db, h, cert->der, cert->der_len, nick, flags, why);
}

/* An add in place of the entry seen. The new certificate first, so the CA is
 * not missing in between. NSS refuses one nickname for two subjects; then the
 * old entry has to go first, and comes back if the new one cannot be added. */
static int replace(struct nssdb *db, struct holdings *h, const struct store_entry_op *op,
		   const char *flags, char **why)
{
	struct held *old = seen_entry(h, op->seen, why);
	if (!old)
		return TF_EMODIFIED;
	const struct cert *c = op->cert;
	if (holdings_find(h, c->fphex)) {
		int rc = add_entry(db, h, c, op->label, flags, why);
		return rc < 0 ? rc : delete (old, why);
	}
	char *first = NULL;
	int rc = import(db, h, c->der, c->der_len, op->label, flags, &first);
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
		if (rc == 0 &&
		    (rc = import(db, h, c->der, c->der_len, op->label, flags, why)) < 0) {
			/* put the old entry back; if even that fails, say the database
			 * now holds neither */
			char *lost = NULL;
			if (import(db, NULL, der.data, der.len, old->nick, old->flags, &lost) < 0) {
				char *both = xasprintf("%s; and the old entry \"%s\" could not be "
						       "put back (%s): the database holds neither "
						       "now, run trustapply again",
						       *why ? *why : "the new one was refused",
						       old->nick, lost ? lost : "?");
				free(*why);
				*why = both;
			}
			free(lost);
		}
		SECITEM_FreeItem(&der, PR_FALSE);
	}
out:
	free(first);
	return rc;
}

struct rename {
	size_t op;
	struct held *it;
	char *nick;
};

/* Give the entry seen flags, and op's label: the rename is done last (NSS
 * renames only in the database, not in this process's memory: pk11pub.h).
 * 0, 1 (a rename to do), or a code as above. */
static int set_trust_op(struct nssdb *db, struct holdings *h, const struct store_entry_op *op,
			const char *flags, size_t idx, struct rename *ren, size_t *nren, char **why)
{
	struct held *it = seen_entry(h, op->seen, why);
	if (!it)
		return TF_EMODIFIED;
	if (strcmp(it->flags, flags) && retrust(db, h, it, flags, why) < 0)
		return -1;
	if (!op->label || !strcmp(it->nick, op->label))
		return 0;
	ren[*nren].op = idx;
	ren[*nren].it = it;
	ren[(*nren)++].nick = xstrdup(op->label);
	return 1;
}

/* 0, 1 (a rename done last), or a code as above */
static int do_op(struct nssdb *db, struct holdings *h, const struct store_entry_op *op, size_t idx,
		 struct rename *ren, size_t *nren, char **why)
{
	char *flags = NULL;
	if (op->op != ENTRY_REMOVE &&
	    !(flags = child_canonical_trust(op->flags ? op->flags : ""))) {
		*why = xasprintf("trust \"%s\" is not an NSS trust string",
				 op->flags ? op->flags : "");
		return -1;
	}
	int rc = -1;
	switch (op->op) {
	case ENTRY_ADD:
		rc = op->seen ? replace(db, h, op, flags, why)
			      : add_entry(db, h, op->cert, op->label, flags, why);
		break;
	case ENTRY_REMOVE: {
		struct held *it;
		if (!holdings_find(h, op->seen->fphex))
			rc = 0; /* already gone */
		else
			rc = (it = seen_entry(h, op->seen, why)) ? delete (it, why) : TF_EMODIFIED;
		break;
	}
	case ENTRY_SET_TRUST:
		rc = set_trust_op(db, h, op, flags, idx, ren, nren, why);
		break;
	default:
		*why = xasprintf("operation %d is none of add, remove, set-trust", (int)op->op);
		break;
	}
	free(flags);
	return rc;
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

/* rc: 0, or the operation's code (TF_ERROR, TF_EMODIFIED), sent as a code */
static void report(size_t idx, int rc, const char *why)
{
	nss_wire_send_op(REPLY_FD, idx,
			 rc == 0	      ? TF_OK
			 : rc == TF_EMODIFIED ? TF_EMODIFIED
					      : TF_ERROR,
			 why);
}

void child_apply(struct nssdb *db, const struct store_entry_ops *ops)
{
	struct holdings h;
	struct rename *ren = xcalloc(ops->n ? ops->n : 1, sizeof(*ren));
	size_t nren = 0;
	if (child_db_locked(db)) {
		child_error("%s; nothing was changed", LOCKED_MSG);
		free(ren);
		return;
	}
	bool all_ok = true;
	if (holdings_load(&h, db) < 0)
		goto out;
	for (size_t i = 0; i < ops->n; i++) {
		char *why = NULL;
		int rc = do_op(db, &h, &ops->op[i], i, ren, &nren, &why);
		if (rc <= 0)
			report(i, rc, why);
		all_ok = all_ok && rc >= 0;
		free(why);
	}
	for (size_t i = 0; i < nren; i++) {
		int rc = 0;
		char *why = NULL;
		if (__PK11_SetCertificateNickname(ren[i].it->cert, ren[i].nick) != SECSuccess) {
			char *e = child_nss_error();
			why = xasprintf("cannot rename the entry to \"%s\" (%s)", ren[i].nick, e);
			free(e);
			rc = -1;
		} else {
			free(ren[i].it->new_nick);
			ren[i].it->new_nick = xstrdup(ren[i].nick);
		}
		report(ren[i].op, rc, why);
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
