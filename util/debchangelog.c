/* ca-certificates' changelog; see debchangelog.h. */
#include "util/debchangelog.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_BYTES 4096
#define NAME_MAX_BYTES 256
#define EVENTS_MAX     100000
#define VERSIONS_MAX   10000

enum section { SEC_NONE, SEC_ADDED, SEC_REMOVED, SEC_BLACKLIST };

static void add_event(struct debcl *cl, const char *name, size_t len, bool added)
{
	while (len && isspace((unsigned char)*name))
		name++, len--;
	while (len && isspace((unsigned char)name[len - 1]))
		len--;
	if (!len || len > NAME_MAX_BYTES || !cl->nversions || cl->n >= EVENTS_MAX ||
	    memchr(name, 0, len))
		return;
	ARRAY_GROW(cl->events, cl->n + 1, cl->alloc);
	cl->events[cl->n++] = (struct debcl_event){
	    .version = cl->versions[cl->nversions - 1],
	    .name = xstrndup(name, len),
	    .added = added,
	};
}

/* "- "NAME" (expired)", "- NAME (closes: #1)", "+  NAME": the name */
static void list_item(struct debcl *cl, const char *s, size_t len, bool added)
{
	if (len && *s == '"') {
		const char *end = memchr(s + 1, '"', len - 1);
		if (end)
			add_event(cl, s + 1, (size_t)(end - s - 1), added);
		return;
	}
	/* a trailing parenthesis is a remark, not part of the name */
	if (len && s[len - 1] == ')') {
		for (size_t i = len; i-- > 1;)
			if (s[i] == '(' && s[i - 1] == ' ') {
				len = i - 1;
				break;
			}
	}
	add_event(cl, s, len, added);
}

/* every "quoted" name of a Blacklist item's line */
static void quoted_names(struct debcl *cl, const char *s, size_t len)
{
	const char *end = s + len;
	while (s < end) {
		const char *a = memchr(s, '"', (size_t)(end - s));
		const char *b = a ? memchr(a + 1, '"', (size_t)(end - a - 1)) : NULL;
		if (!b)
			return;
		add_event(cl, a + 1, (size_t)(b - a - 1), false);
		s = b + 1;
	}
}

static bool starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && !memcmp(s, prefix, n);
}

static bool contains(const char *s, size_t len, const char *what)
{
	size_t n = strlen(what);
	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(s + i, what, n))
			return true;
	return false;
}

/* "ca-certificates (20260601) unstable; urgency=medium": a new entry */
static bool entry_header(struct debcl *cl, const char *s, size_t len)
{
	if (!len || isspace((unsigned char)*s))
		return false;
	const char *open = memchr(s, '(', len);
	const char *close = open ? memchr(open, ')', len - (size_t)(open - s)) : NULL;
	if (!close || close - open < 2 || close - open > 100 || cl->nversions >= VERSIONS_MAX ||
	    open - s < 2 || open[-1] != ' ')
		return false;
	for (const char *p = s; p < open - 1; p++) /* a package name */
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    !strchr("+-.", *p))
			return false;
	cl->versions = xrealloc(cl->versions, (cl->nversions + 1) * sizeof(*cl->versions));
	cl->versions[cl->nversions++] = xstrndup(open + 1, (size_t)(close - open - 1));
	return true;
}

static enum section line(struct debcl *cl, enum section sec, const char *s, size_t len)
{
	if (entry_header(cl, s, len))
		return SEC_NONE;
	size_t ind = 0;
	while (ind < len && (s[ind] == ' ' || s[ind] == '\t'))
		ind++;
	s += ind, len -= ind;
	if (!len || starts(s, len, "-- ") || starts(s, len, "["))
		return SEC_NONE;
	if (contains(s, len, "removed (-)"))
		return SEC_REMOVED;
	if (contains(s, len, "added (+)"))
		return SEC_ADDED;
	if (contains(s, len, "renamed (~)"))
		return SEC_NONE;
	if (starts(s, len, "* ")) {
		if (starts(s, len, "* Blacklist ")) {
			quoted_names(cl, s, len);
			return SEC_BLACKLIST;
		}
		return SEC_NONE;
	}
	if (starts(s, len, "+ "))
		list_item(cl, s + 2, len - 2, true);
	else if (sec == SEC_REMOVED && starts(s, len, "- "))
		list_item(cl, s + 2, len - 2, false);
	else if (sec == SEC_BLACKLIST)
		quoted_names(cl, s, len);
	return sec;
}

void debcl_parse(struct debcl *out, const char *text, size_t len)
{
	memset(out, 0, sizeof(*out));
	enum section sec = SEC_NONE;
	const char *end = text + len;
	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		size_t n = nl ? (size_t)(nl - text) : (size_t)(end - text);
		sec = line(out, sec, text, n > LINE_MAX_BYTES ? LINE_MAX_BYTES : n);
		text += n + (nl != NULL);
	}
}

void debcl_dispose(struct debcl *cl)
{
	for (size_t i = 0; i < cl->n; i++)
		free(cl->events[i].name);
	for (size_t i = 0; i < cl->nversions; i++)
		free(cl->versions[i]);
	free(cl->events);
	free(cl->versions);
	memset(cl, 0, sizeof(*cl));
}

const char *debcl_removed_in(const struct debcl *cl, const char *name)
{
	/* newest first: removals back to the entry that (last) added it; the
	 * oldest of them is the release that dropped it */
	const char *found = NULL;
	for (size_t i = 0; i < cl->n; i++) {
		if (strcasecmp(cl->events[i].name, name))
			continue;
		if (cl->events[i].added)
			break;
		found = cl->events[i].version;
	}
	return found;
}
