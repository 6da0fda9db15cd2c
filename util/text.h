/*
 * Names from the disk as text: file names are bytes, not UTF-8, and may hold
 * control characters. Two forms, both documented in the README:
 *
 *   - on a terminal (plan, show, apply messages, errors), text_disp() escapes
 *     every byte that is a control character (C0, DEL, C1) or not part of
 *     valid UTF-8 as "\xNN", and a backslash as "\\", so that a name can
 *     neither move the cursor nor pass for another;
 *   - in JSON (the --json output, saved plans), jtext_set() stores a valid
 *     UTF-8 string as it is; a string that is not valid UTF-8 is stored in
 *     the text_disp() form plus "<key>_bytes", the exact bytes in base64,
 *     which jtext_get() prefers when reading back.
 */
#ifndef TF_TEXT_H
#define TF_TEXT_H

#include "util/buf.h"

#include <jansson.h>
#include <stdbool.h>

bool text_is_utf8(const char *s);
/* Append s escaped for a terminal. */
void text_escape(struct buf *b, const char *s);
/* s escaped for a terminal, in one of 16 rotating buffers owned here: valid
 * until 16 more calls, for the arguments of one printf. NULL gives "(null)". */
const char *text_disp(const char *s);

/* A JSON string for s (the escaped form when s is not UTF-8), or null. */
json_t *jtext_new(const char *s);
/* o[key] = jtext_new(s), and o[key "_bytes"] = base64(s) when s is not UTF-8. */
void jtext_set(json_t *o, const char *key, const char *s);
/* The exact text of o[key]: from key "_bytes" when present (NULL if that is not
 * valid base64 or holds a NUL byte), else the string. Caller frees; NULL when
 * absent. */
char *jtext_get(json_t *o, const char *key);

#endif
