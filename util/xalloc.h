/*
 * Allocation helpers that abort on exhaustion. A trust tool that runs out of
 * memory cannot do anything useful, and checking every small allocation would
 * bury the logic that matters (git's xmalloc makes the same trade).
 */
#ifndef TF_XALLOC_H
#define TF_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *items so that it has room for need elements; *alloc tracks capacity. */
#define ARRAY_GROW(items, need, alloc)                                                             \
	do {                                                                                       \
		if ((size_t)(need) > (alloc)) {                                                    \
			size_t ag_new_ = (alloc) ? (alloc)*2 : 8;                                  \
			while (ag_new_ < (size_t)(need))                                           \
				ag_new_ *= 2;                                                      \
			(items) = xrealloc((items), ag_new_ * sizeof(*(items)));                   \
			(alloc) = ag_new_;                                                         \
		}                                                                                  \
	} while (0)

#endif
