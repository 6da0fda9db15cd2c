/*
 * What a Debian changelog of ca-certificates says about the CAs of Mozilla's
 * set: per entry (newest first, as the file is written) the names it lists as
 * added and removed. Recognised, in the forms the package's changelogs have
 * used: a "The following certificate authorit(y|ies) (was|were) removed (-):"
 * section of "- NAME" lines (quoted or not, with a trailing "(expired)" or
 * "(closes: #N)" dropped), "+ NAME" lines (added), and the names quoted in a
 * "* Blacklist "A" and "B"" item (removed). Bounded: lines are cut at 4 KiB,
 * names at 256 bytes, and at most 100,000 names are kept.
 */
#ifndef TF_DEBCHANGELOG_H
#define TF_DEBCHANGELOG_H

#include <stdbool.h>
#include <stddef.h>

struct debcl_event {
	const char *version; /* the entry's, owned by the changelog */
	char *name;
	bool added; /* else removed */
};

struct debcl {
	char **versions; /* every entry's version, newest first */
	size_t nversions;
	struct debcl_event *events; /* in the file's order: newest first */
	size_t n, alloc;
};

void debcl_parse(struct debcl *out, const char *text, size_t len);
void debcl_dispose(struct debcl *cl);
/* The version whose entry removed the CA named name (compared without regard
 * to ASCII case): the oldest removal since an entry last added it (later
 * entries may name it again, e.g. blacklisted); NULL when the newest mention
 * adds it or none names it. */
const char *debcl_removed_in(const struct debcl *cl, const char *name);

#endif
