/*
 * The nss store (SPEC §3): the NSS databases of Chrome, Chromium and Firefox.
 *
 *   nss.c           the store type: options, one instance per database, read and
 *                   the entry operations (add, remove, set-trust: stores/store.h)
 *                   on the parent's side (the parent never loads NSS)
 *   nss_discover.c  which databases a store means on this host, who owns them,
 *                   and the checks that refuse a database before anything runs
 *   nss_child.c     the NSS work itself, in one child process per database,
 *                   running as the database's owner: opening and reading
 *   nss_child_apply.c  changing the database, operation by operation, in that child
 *   nss_profiles.c  Firefox's profiles.ini
 *   nss_job.c       starting those children, a few at a time, and collecting
 *                   what they report
 *   nss_wire.c      the records the child sends back over its pipe: entries, and
 *                   each operation's code
 *   nss_policy.c    Firefox's enterprise policy (Certificates.Install)
 *
 * One process per database because NSS merges the trust of every database it
 * has open in a process: two databases in one process silently lose flags.
 */
#ifndef TF_NSS_H
#define TF_NSS_H

#include "model/model.h"
#include "stores/store.h"
#include "stores/userdb.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

#define NSS_NICK_PREFIX	  "trustform-"
#define NSS_DEFAULT_TRUST "C,,"
#define NSS_DISTRUST	  "p,p,p"

enum nss_db_state {
	NSS_DB_SQL,    /* cert9.db: the format NSS writes */
	NSS_DB_LEGACY, /* cert8.db only: Berkeley DB, read-only history */
	NSS_DB_EMPTY,  /* the directory exists, no database in it */
	NSS_DB_NONE,   /* no directory */
};

/* One database, as discovery found it. */
struct nss_db {
	char *address;		/* "browsers[alice firefox default-release]" */
	char *dir;		/* in-root directory, symlinks resolved */
	char *anchor;		/* in-root directory it must stay under (resolved) */
	struct user_info owner; /* the child runs as this user */
	enum nss_db_state state;
	bool create;   /* create the database if it is missing */
	char *problem; /* refused: read reports it and nothing is done */
};

struct nss_found {
	struct nss_db *dbs;
	size_t n, alloc;
	char **notes; /* what was looked for and not found */
	size_t nnotes, notes_alloc;
};

/* Find the databases of a store on this host (path: or discover:). Returns -1
 * with err set only when the store cannot be expanded at all. */
int nss_discover(struct nss_found *out, const struct conf_store *cs, const struct run_ctx *ctx);
/* The names of the snaps in home's ~/snap (in-root home), sorted, but
 * Chromium's and Firefox's: whose ~/snap/<name>/current/.pki/nssdb an
 * Electron app of a strictly confined snap opens. *out is NULL when the
 * count is 0; the caller frees each name and the array. */
size_t nss_snap_names(const char *root, const char *home, char ***out);
void nss_found_dispose(struct nss_found *f);
void nss_db_dispose(struct nss_db *db);

/* Firefox's profiles.ini: its [Profile…] sections, in order (caller frees). */
struct ff_profile {
	char *name, *path;
	bool relative;
};
void nss_profiles_parse(const char *text, struct ff_profile **out, size_t *n);

/* Checks a trust string of the config ("C,,", "CT,C,C"): NULL if fine, else why. */
const char *nss_trust_syntax(const char *s);
/* Trust state of canonical flags: trusted as a CA for TLS, distrusted, or neither. */
enum trust_state nss_trust_state(const char *flags);
/* What `where` shows for an entry (its nickname, or a stand-in for none). */
const char *nss_where(const char *nick);

/* --- what a child reports ------------------------------------------------- */

struct nss_entry {
	char *nick;
	unsigned char *der;
	size_t der_len;
	char *flags; /* canonical, as certutil -L prints them */
};

/* One operation's end, as the child sent it. */
struct nss_op_result {
	bool reported;
	int code;  /* TF_OK, TF_ERROR, or TF_EMODIFIED (the entry changed since the plan) */
	char *msg; /* why it failed, only to show */
};

struct nss_reply {
	struct nss_entry *items;
	size_t n, alloc;
	char *want; /* the configured trust, canonical */
	/* The database could not be opened or changed: error_code (TF_ERROR,
	 * or TF_EMODIFIED) is the outcome, error the why, only to show; TF_OK
	 * and NULL when the job did not fail as a whole. */
	int error_code;
	char *error;
	char **notes; /* for the plan */
	size_t nnotes;
	struct nss_op_result *ops;
	size_t nops;
	bool complete;	/* the child reached its end */
	bool has_state; /* an apply's items are the database after it */
};

void nss_reply_init(struct nss_reply *r, size_t nops);
void nss_reply_dispose(struct nss_reply *r);

/* Records on the pipe: a type byte, a field count, and each field as a 32-bit
 * length and its bytes. */
enum nss_rec {
	REC_WANT = 'W',	 /* flags */
	REC_ENTRY = 'E', /* nickname, DER, flags */
	REC_OP = 'O',	 /* operation index, code (nss_wire_send_op), message */
	REC_ERROR = 'F', /* code (as in REC_OP), message (nss_wire_send_error) */
	REC_NOTE = 'N',	 /* message for the plan */
	REC_STATE = 'T', /* (apply) the entries that follow are the database after it */
	REC_END = 'Z',
};

/* Append one record to b (what nss_wire_send writes). */
void nss_wire_put(struct buf *b, enum nss_rec type, size_t nfields, const void *const *data,
		  const size_t *len);
int nss_wire_send(int fd, enum nss_rec type, size_t nfields, const void *const *data,
		  const size_t *len);
int nss_wire_write(int fd, const struct buf *b);
int nss_wire_send_str(int fd, enum nss_rec type, const char *a, const char *b, const char *c);
/* One operation's end: its index, its code (TF_OK, TF_ERROR or TF_EMODIFIED,
 * sent as one byte, its negation) and why it failed (NULL when done). The
 * parent ends the operation from the code alone. */
int nss_wire_send_op(int fd, size_t idx, int code, const char *msg);
/* The whole job failed: its code (TF_ERROR or TF_EMODIFIED, as an
 * operation's) decides what the parent does with the operations not done,
 * msg says why. */
int nss_wire_send_error(int fd, int code, const char *msg);
/* Parse what a child sent; -1 with err set on a malformed stream. */
int nss_wire_parse(struct nss_reply *r, const struct buf *in);

/* The child's side: never returns. fd is its end of the pipe; ops NULL reads,
 * else it carries out the operations (stores/store.h) and reports each one's
 * code. */
void nss_child_main(int fd, const struct nss_db *db, const char *root, const char *trust,
		    const struct store_entry_ops *ops) __attribute__((noreturn));

/* Children run as jobs of a pool, a few at a time (one per processor): the
 * databases of a store are read, and changed, in parallel. A job's pointers
 * must stay valid until it has been waited for. */
struct nss_pool;
struct nss_job;
struct nss_pool *nss_pool_new(void);
/* Waits for every job still running (nothing is left half-done), then frees. */
void nss_pool_free(struct nss_pool *p);
struct nss_job *nss_pool_add(struct nss_pool *p, const struct nss_db *db, const char *root,
			     const char *trust, const struct store_entry_ops *ops);
/* Run the pool until j is done and hand over its reply (j is then gone).
 * Returns 0 when the child ran (r->error may still say the database failed),
 * -1 with err set when it could not be run or died. */
int nss_job_wait(struct nss_pool *p, struct nss_job *j, struct nss_reply *r);

/* Firefox's enterprise policy, an instance of its own (nss_policy.c). */
extern const struct store_backend store_backend_nss_policy;
struct store_inst *nss_policy_open(const struct conf_store *cs, const struct run_ctx *ctx);

#endif
