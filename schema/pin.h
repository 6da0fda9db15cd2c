/*
 * A CA's `sha256:` pin in the config: the one syntax the loader accepts, and
 * the text every message uses to tell users what to write.
 */
#ifndef TF_PIN_H
#define TF_PIN_H

#include "util/hex.h"

#include <stdbool.h>

/* What a pin is, for messages. */
#define PIN_SYNTAX "64 hex digits (colons, spaces and case ignored, no \"sha256:\" prefix)"
/* What to write in a CA's mapping for a fingerprint (printf, one %s: the hex). */
#define PIN_YAML_FMT "sha256: \"%s\""

/* Parse a pin as written into fp. NULL when it is one; else why not, as a
 * clause for "sha256 <why>; ..." (a static string). */
const char *pin_parse(unsigned char fp[FP_LEN], const char *text);

#endif
