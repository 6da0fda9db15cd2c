/*
 * The two kinds of store whose generic work the engine does (see store.h):
 * a file store (struct store_file_kind: reconcile/apply_files.c) and an entry
 * store (struct store_entry_kind, NSS: reconcile/apply_entries.c).
 * Included by stores/store.h; a store of either kind includes that.
 */
#ifndef TF_STOREKIND_H
#define TF_STOREKIND_H

#include "util/buf.h"
#include "util/strmap.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct plan_store;
struct store_inst;

/* One entry a file store owns: a file, whole or in marked parts, or a
 * symbolic link (store_files_add_link). */
struct store_file {
	char *host;	 /* where it is read and written (resolved under --root) */
	char *shown;	 /* its in-root path, for messages */
	bool keep_mode;	 /* rewritten with the owner and mode it has (else `mode`, root's) */
	mode_t mode;	 /* of a new file (0: 0644) */
	bool link;	 /* a symbolic link: have and want are its target text */
	bool derived;	 /* rebuilt whole from the sources (a bundle): the engine keeps
			  * and compares its identity (stat), never its bytes, and
			  * writes it whenever the store sets it */
	bool first;	 /* committed before any other change: a journal of them */
	bool loaded;	 /* the engine loaded it: */
	bool exists;	 /* it exists (a link: it is one) */
	struct buf have; /* its bytes (link: target; derived: none) */
	struct stat st;	 /* its owner and mode, when it exists */
	bool write;	 /* render: write want (store_file_set, store_file_set_link) */
	struct buf want;
	bool remove; /* render: remove the file (store_file_remove) */
	/* A file in a user's home (store_file_for_user), or NULL. */
	struct store_file_user *user;
	/* Why it is left as it is (store_file_refuse), or NULL: a user's file
	 * that cannot be read or rendered is that user's problem alone; the
	 * engine writes every other entry and reports this one. */
	char *refused;
};

/* The user a file in their home belongs to: the engine reads the file
 * without following a link at its end, makes the directories missing between
 * the home and it as the user's (each given through the descriptor of the
 * directory it made, never by name), and writes a new file as the user's
 * (an existing one keeps its owner and mode); the write itself still goes
 * through the root's confined transaction, as root. */
struct store_file_user {
	char *name;	  /* for messages */
	char *home;	  /* the home's host path (resolved under --root): no directory is
			     made outside it */
	char *home_shown; /* its in-root path */
	uid_t uid;
	gid_t gid;
};

/* The entries of one file store, in the order they are written. */
struct store_files {
	struct store_file *f;
	size_t n, alloc;
	struct strmap by_host; /* host -> index into f */
	/* render: call the kind's `changed` after the commit even when no entry
	 * changed (a journal of an interrupted run still to act on) */
	bool run_changed;
};

/* Name a file the store owns (host and shown are copied). One named by files
 * is loaded before render; one named by render or derive, when it returns. */
struct store_file *store_files_add(struct store_files *fs, const char *host, const char *shown);
/* The entry of that host path, added (as store_files_add) when there is none:
 * two steps that touch one file share its entry. */
struct store_file *store_files_get(struct store_files *fs, const char *host, const char *shown);
/* The same for a symbolic link. */
struct store_file *store_files_add_link(struct store_files *fs, const char *host,
					const char *shown);
void store_files_dispose(struct store_files *fs);
/* What the file must hold: written when it differs from what it holds, or
 * does not exist. */
void store_file_set(struct store_file *f, const void *data, size_t len);
/* What the link must lead to (its target text): made when it differs. */
void store_file_set_link(struct store_file *f, const char *target);
/* The entry must not exist (removed when it does). */
void store_file_remove(struct store_file *f);
/* Leave the entry as it is, for the reason in util/err (taken and cleared):
 * the engine writes the other entries and makes the reason the store's apply
 * error (a user's file: one user cannot veto the others' and the bundle). */
void store_file_refuse(struct store_file *f);
/* The file is in user name's home (home: its host path, home_shown in-root):
 * see struct store_file_user. Strings are copied. */
void store_file_for_user(struct store_file *f, const char *name, const char *home,
			 const char *home_shown, uid_t uid, gid_t gid);

/*
 * The file-store kind (as p11-kit's save.c is for all its writers): a store
 * that is a set of files supplies only what is its own, which files it owns
 * and what each must hold given the steps and what each holds now (what is
 * not trustform's in it among that); the engine (reconcile/apply_files.c)
 * does the generic work alike for every such store: it makes the files'
 * directories, loads each entry (a regular file by the bounded reader, or a
 * link), calls render, then derive for what follows from the sources, writes
 * the changed entries through one transaction confined to the root
 * (util/fsutil.h, util/rootjail.h) keeping an existing file's owner and mode
 * where keep_mode says so, compares-and-swaps each written entry against what
 * it loaded just before the commit (changed meanwhile: TF_EMODIFIED, the steps
 * are stale), ends every step from the codes, and calls changed.
 */
struct store_file_kind {
	/* Add the files the store owns (store_files_add), before any is loaded:
	 * those the steps may write or remove (a file named and never set stays
	 * as it is). 0, or -1 with err set: the store failed as a whole (a check
	 * that must pass before anything is written), nothing is written. */
	int (*files)(struct store_inst *s, struct store_files *fs);
	/* Carry out ps->steps on the loaded files: store_file_set each file that
	 * must change (and name more: a new file, one a step removes); a step
	 * that cannot be done ends with its code (plan_step_fail_err:
	 * TF_EMODIFIED when what the plan saw is gone). Steps left pending are
	 * done once the files are committed. Returns 0; -1 when some step failed
	 * (the others still go on); -1 with err set when the store failed as a
	 * whole (nothing is written). */
	int (*render)(struct store_inst *s, struct plan_store *ps, struct store_files *fs);
	/* Optional: after render, the entries that follow from what the sources
	 * will hold (Debian's bundle and hash links): add and set them, in the
	 * order they are to be written; they go in the same transaction. 0, or
	 * -1 with err set (the whole store: nothing is written). */
	int (*derive)(struct store_inst *s, struct plan_store *ps, struct store_files *fs);
	/* Optional: after a commit that changed some entry, or any commit when
	 * render set fs->run_changed (run the distribution's hooks or extract
	 * command, restart a unit that reads the files). 0, or -1 with err set
	 * (the store's apply error); may set ps->apply_note. */
	int (*changed)(struct store_inst *s, struct plan_store *ps);
};

/* --- the entry kind (NSS) ---------------------------------------------------
 *
 * A store of entries changed one at a time through a library (libnss3), not
 * by writing files: each entry a certificate with a label (NSS's nickname)
 * and trust flags. Such a store supplies three operations, add, remove and
 * set-trust; the engine (reconcile/apply_entries.c) maps every plan step onto
 * one of them, hands a store all of its operations at once (begin, so that
 * many stores work in parallel: one NSS child per database) and ends each
 * step from its operation's code. Every operation re-checks what the plan saw
 * (compare-and-swap: the entry with that SHA-256 of its DER, with the label
 * and flags the plan saw) and ends with a code: 0; TF_EMODIFIED when what the
 * plan saw is gone or changed (the step is stale, "run trustplan again");
 * TF_ERROR for any other failure. */
enum store_entry_opcode {
	/* Add cert as label with flags; done already when it is there so. With
	 * seen: in place of that entry, which goes (a replacement). */
	ENTRY_ADD,
	/* Remove the entry seen; done already when no entry has its fingerprint. */
	ENTRY_REMOVE,
	/* Give the entry seen flags, and label when one is given (a rename). */
	ENTRY_SET_TRUST,
};

struct store_entry_op {
	enum store_entry_opcode op;
	const struct trust_entry *seen; /* as the plan saw it (remove, set-trust;
					 * a replacing add), or NULL */
	const struct cert *cert;	/* add */
	char *label;			/* add; set-trust: NULL keeps the entry's */
	const char *flags;		/* add, set-trust: as the store writes them */
	/* the outcome: store_entry_op_end */
	bool ended;
	int code; /* TF_OK, TF_ERROR or TF_EMODIFIED */
	char *why;
};

struct store_entry_ops {
	struct store_entry_op *op;
	size_t n;
};

struct store_entry_kind {
	/* What the engine makes of a CA's name for an entry's label (NSS:
	 * "trustform-"): label_prefix and the name. */
	const char *label_prefix;
	/* The flags of an entry marked distrusted (NSS: "p,p,p"); the trusted
	 * flags are the instance's want_flags. */
	const char *distrust_flags;
	/* Optional: start carrying out ops now (in a child), before run is called
	 * for any store of the apply; ops stays valid until run has returned. */
	void (*begin)(struct store_inst *s, struct store_entry_ops *ops);
	/* Carry out ops in order (or finish what begin started): each ends with
	 * store_entry_op_end. 0; or -1 with err set when the store failed as a
	 * whole: the engine fails the steps of the ops not ended with that error
	 * and its code. */
	int (*run)(struct store_inst *s, struct store_entry_ops *ops);
};

/* An operation's end: its code (0, TF_ERROR, TF_EMODIFIED) and, when it
 * failed, why (fmt may be NULL for none). */
void store_entry_op_end(struct store_entry_op *op, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
