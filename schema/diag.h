/*
 * Diagnostics from loading and validating a configuration: every finding
 * carries file:line:col and says what to do. Validation goes on after an error
 * so the operator sees all problems of a file in one run.
 */
#ifndef TF_DIAG_H
#define TF_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_item {
	enum diag_level level;
	char *file;
	int line, col; /* 0 when not tied to a position */
	char *msg;
};

struct diag {
	struct diag_item *items;
	size_t n, alloc;
	size_t errors, warnings;
};

void diag_init(struct diag *d);
void diag_dispose(struct diag *d);
void diag_add(struct diag *d, enum diag_level level, const char *file, int line, int col,
	      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The same from a va_list, with prefix (may be NULL) before the message:
 * what wrappers that add a position or a "store \"x\": " call. */
void diag_vadd(struct diag *d, enum diag_level level, const char *file, int line, int col,
	       const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 7, 0)));
/* Print "file:line:col: error: msg" lines, in the order found. */
void diag_print(const struct diag *d, FILE *out, bool color);

#endif
