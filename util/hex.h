/* Hex encoding and SHA-256 fingerprint text forms. */
#ifndef TF_HEX_H
#define TF_HEX_H

#include <stdbool.h>
#include <stddef.h>

#define FP_LEN	   32
#define FP_HEX_LEN 64

void hex_encode(char *out, const unsigned char *in, size_t n); /* out: 2n+1 */
/* Parse a pin: 64 hex digits, colons and spaces ignored, any case. */
bool fp_parse(unsigned char out[FP_LEN], const char *text);
/* The SHA-256 of data, as 64 lower-case hex digits. */
void sha256_hex(char out[FP_HEX_LEN + 1], const void *data, size_t len);

#endif
