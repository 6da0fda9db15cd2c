/*
 * The shared model between stores and the planner. A store reads what it holds
 * into a trust_set (fingerprints, labels, owned or foreign); the planner diffs
 * that against the desired CAs, once, generically. Backends never diff.
 */
#ifndef TF_MODEL_H
#define TF_MODEL_H

#include "model/expiry.h"
#include "util/hex.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct cert;

enum trust_state {
	TS_TRUSTED,    /* the store trusts it as a CA */
	TS_DISTRUSTED, /* the store holds it marked as distrusted */
	TS_INERT,      /* held but neither trusted nor distrusted */
};

struct trust_entry {
	unsigned char fp[FP_LEN];
	char fphex[FP_HEX_LEN + 1];
	char *label; /* owned: the CA name of its marker; foreign: store's own name */
	bool owned;  /* carries trustform's marker */
	enum trust_state state;
	char *flags; /* store trust flags ("C,,"), or NULL where not applicable */
	char *where; /* file, nickname or block, for show and messages */
	char *subject;
	time_t not_after;
	size_t siblings;   /* other certificates in the same file (removal takes them too) */
	bool fixed;	   /* cannot be deleted, only deselected (a distro CA file) */
	bool can_distrust; /* the store can mark this entry distrusted in place */
	struct cert *cert; /* held reference (trust_entry_describe), or NULL: an
			    * entry from the read cache, or damaged */
};

/* A line of a finding, shown in the plan's block: an attribute ('+', '-', '~',
 * ' ') or, with sym '#', a comment such as a step of what apply will do. */
struct finding_line {
	char sym;
	char *key;
	char *value;
};

enum finding_kind {
	FINDING_REISSUE, /* issued files that must be made again: a -/+ step */
	FINDING_SETTING, /* a setting of the store's own configuration: a ~ step */
};

/*
 * Something a store found about itself that is not a trusted certificate
 * (Caddy's intermediate issued by a root that is gone; a Caddyfile option).
 * The store says what it saw; the planner decides whether it is a step.
 */
struct trust_finding {
	enum finding_kind kind;
	char *name;	/* what it is about: "local", "intermediate_lifetime" */
	char *headline; /* "intermediate and 2 leaves must be reissued" */
	char *reason;
	char *seen; /* what apply re-checks before changing anything */
	/* FINDING_SETTING: the value as written (NULL: not set) and as wanted,
	 * each with a canonical form the planner compares ("1h" = "60m"). */
	char *have, *have_canon, *want, *want_canon;
	struct finding_line *lines;
	size_t nlines, lines_alloc;
};

struct trust_set {
	struct trust_entry *items;
	size_t n, alloc;
	char *stale;  /* derived files out of date with their sources: why, or NULL */
	char *after;  /* what apply does after changing this store ("systemctl
		       * try-restart x.service"), shown with its steps, or NULL */
	char **notes; /* things the plan should say about this store */
	size_t nnotes, notes_alloc;
	/* Why the configured trust will not take effect, in a way apply cannot
	 * fix (a later drop-in overrides trustform's variable; the installed
	 * Caddy refuses the Caddyfile): each makes the store an error of the
	 * plan, whatever its steps. */
	char **ineffective;
	size_t nineffective, ineffective_alloc;
	/* A store that is a CA itself (Caddy's local PKI) reports its root; the
	 * planner compares it with the CAs the config marks for it (`caddy: <id>`). */
	bool has_own_root;
	struct trust_entry own_root;
	char *own_root_id;     /* the id CAs are marked with: "local" */
	char *own_root_export; /* the command that exports the root */
	struct trust_finding *findings;
	size_t nfindings, findings_alloc;
	/* The lifetimes of the store's own certificates (Caddy's root and
	 * intermediate), each with its renewal window (expiry.h). */
	struct expiry_list expiries;
};

void trust_set_init(struct trust_set *s);
void trust_set_dispose(struct trust_set *s);
struct trust_entry *trust_set_add(struct trust_set *s, const unsigned char fp[FP_LEN],
				  const char *label, bool owned, enum trust_state state,
				  const char *where);
/* An owned file that is damaged (not a single certificate) has no
 * fingerprint: it is recorded with the all-zero one, so that the planner
 * replaces or removes it by its label. */
struct trust_entry *trust_set_add_damaged(struct trust_set *s, const char *label,
					  const char *where);
bool trust_entry_is_damaged(const struct trust_entry *e);
/* The entries of one certificate file of a store's directory: one per
 * certificate (label when trustform owns the file, else base; siblings set),
 * a damaged entry for an owned file that is not a single certificate, a note
 * for a foreign one trustform cannot read (certs NULL). Every entry made gets
 * state; the index of the first is returned (s->n when none). */
struct cert_list;
size_t trust_set_add_file(struct trust_set *s, const char *label, const char *base,
			  const char *where, const struct cert_list *certs, enum trust_state state);
/* May the file of seen, which now holds held, be removed for it? 0 when it
 * still holds what the plan saw and nothing else; -1 with err set otherwise
 * (TF_EMODIFIED when it changed, or it holds other certificates too). */
int trust_entry_removable(const struct trust_entry *seen, const struct cert_list *held);
/* Fill subject and expiry of an entry from its certificate. */
void trust_entry_describe(struct trust_entry *e, const struct cert *c);
void trust_entry_copy(struct trust_entry *dst, const struct trust_entry *src);
void trust_entry_dispose(struct trust_entry *e);
void trust_set_note(struct trust_set *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The store's trust will not take effect, and apply cannot fix it: say what
 * was seen (file:line), why it defeats the trust, and the fix. */
void trust_set_ineffective(struct trust_set *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Order entries by label, then fingerprint, so output is deterministic. */
void trust_set_sort(struct trust_set *s);
const char *trust_state_name(enum trust_state st);

struct trust_finding *trust_set_finding(struct trust_set *s, enum finding_kind kind,
					const char *name);
void trust_finding_line(struct trust_finding *f, char sym, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
