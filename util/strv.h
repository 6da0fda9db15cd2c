/* Growable arrays of strings (notes, warnings): append a formatted one. */
#ifndef TF_STRV_H
#define TF_STRV_H

#include <stdarg.h>
#include <stddef.h>

void strv_vpushf(char ***v, size_t *n, size_t *alloc, const char *fmt, va_list ap);

#endif
