/*
 * Inside the NSS child (one process per database, as its owner): the open
 * database and what it holds, shared by opening and reading (nss_child.c)
 * and changing it (nss_child_apply.c). Only these two files load libnss3.
 */
#ifndef TF_NSS_CHILD_INT_H
#define TF_NSS_CHILD_INT_H

#include "model/cert.h"
#include "stores/store.h"
#include "util/strmap.h"

#include <cert.h>
#include <pk11pub.h>
#include <stdbool.h>
#include <stddef.h>

/* The child's end of the pipe to the parent. */
#define REPLY_FD 3

struct nssdb {
	PK11SlotInfo *slot;
	CERTCertDBHandle *handle;
	char *want; /* canonical configured trust */
};

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

#define LOCKED_MSG                                                                                 \
	"the database is protected by a primary password, which trustform "                        \
	"does not have, so it cannot change it; remove the password (Firefox: "                    \
	"Settings, Privacy & Security, Use a primary password) or manage this "                    \
	"database by hand"

/* The pending NSS error, as certutil says it: "SEC_ERROR_BAD_DATABASE: ...". */
char *child_nss_error(void);
/* Report a failure of the whole job to the parent. */
void child_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Trust flags as certutil -L prints them, or NULL when s is not valid. */
char *child_canonical_trust(const char *s);
/* A primary password guards writes, and trustform has none. */
bool child_db_locked(struct nssdb *db);
/* Every certificate of the database, by SHA-256 of its DER. 0, or -1 after
 * child_error. */
int holdings_load(struct holdings *h, struct nssdb *db);
void holdings_dispose(struct holdings *h);
struct held *holdings_find(struct holdings *h, const char *fphex);
/* Carry out the operations, reporting each one's code, then the state. */
void child_apply(struct nssdb *db, const struct store_entry_ops *ops);

#endif
