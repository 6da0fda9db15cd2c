/*
 * Inside the NSS child: what both reading (nss_child.c) and changing
 * (nss_child_apply.c) a database use: its errors as the parent hears them, trust
 * flags as certutil prints them, and what the database holds. Below both.
 */
#include "model/cert.h"
#include "stores/nss/nss_child_int.h"
#include "stores/nss/nss_int.h"
#include "util/buf.h"
#include "util/hex.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <cert.h>
#include <certdb.h>
#include <pk11pub.h>
#include <prerror.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* "SEC_ERROR_BAD_DATABASE: Problem using certificate or key database", as certutil says it. */
char *child_nss_error(void)
{
	PRErrorCode e = PORT_GetError();
	const char *name = PR_ErrorToName(e);
	const char *text = PR_ErrorToString(e, PR_LANGUAGE_I_DEFAULT);
	if (!name)
		return xasprintf("NSS error %d", (int)e);
	return xasprintf("%s%s%s", name, text && *text ? ": " : "", text ? text : "");
}

void child_error(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	nss_wire_send_error(REPLY_FD, TF_ERROR, b.ptr);
	buf_dispose(&b);
}

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

char *child_canonical_trust(const char *s)
{
	CERTCertTrust t;
	if (CERT_DecodeTrustString(&t, s) != SECSuccess)
		return NULL;
	return encode_trust(&t);
}

static char *cert_flags(CERTCertificate *c)
{
	CERTCertTrust t;
	if (CERT_GetCertTrust(c, &t) != SECSuccess)
		return xstrdup(",,");
	return encode_trust(&t);
}

/* --- what the database holds ---------------------------------------------------- */

int holdings_load(struct holdings *h, struct nssdb *db)
{
	memset(h, 0, sizeof(*h));
	strmap_init(&h->by_fp);
	h->list = PK11_ListCertsInSlot(db->slot);
	if (!h->list) {
		char *e = child_nss_error();
		child_error("cannot list the certificates of the database (%s)", e);
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

void holdings_dispose(struct holdings *h)
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

struct held *holdings_find(struct holdings *h, const char *fphex)
{
	size_t i = strmap_get(&h->by_fp, fphex);
	return i == STRMAP_NONE ? NULL : &h->items[i];
}

/* A primary password guards writes, and trustform has none: say so before
 * anything is changed rather than leave a certificate without its trust. */
bool child_db_locked(struct nssdb *db)
{
	return PK11_NeedLogin(db->slot) && !PK11_IsLoggedIn(db->slot, NULL);
}
