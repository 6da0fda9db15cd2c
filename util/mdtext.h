/*
 * Text that trustform did not write (host names, addresses, errors from a
 * fleet's plan files and inventories) put into Markdown for a pull-request
 * comment, so that it can neither leave its place nor hide what follows:
 *
 *   - md_code() is a code span: control characters, invalid UTF-8 and '\'
 *     in the text_disp() form, a fence longer than any run of backquotes in
 *     it, and in a table cell '|' as "\|" (GFM splits cells before spans);
 *   - md_text() is plain text for the middle of a line or a table cell:
 *     control characters as in text_disp(), '\', '`', '*', '_', '[', ']',
 *     '|' and '~' backslash-escaped and '<', '>', '&' as entities, so "<!--",
 *     code spans, links, emphasis and cells stay text.
 *
 * Both return one of 16 rotating buffers owned here (as text_disp does),
 * valid for the arguments of one printf.
 */
#ifndef TF_MDTEXT_H
#define TF_MDTEXT_H

#include <stdbool.h>

const char *md_code(const char *s, bool in_table);
const char *md_text(const char *s);

#endif
