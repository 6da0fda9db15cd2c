/* Hex encoding and fingerprint parsing; see hex.h. */
#include "util/hex.h"

#include <openssl/evp.h>

#include <ctype.h>
#include <stdlib.h>

void hex_encode(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool fp_parse(unsigned char out[FP_LEN], const char *text)
{
	size_t nibbles = 0;
	for (const char *p = text; *p; p++) {
		if (*p == ':' || *p == ' ')
			continue;
		int v = hexval((unsigned char)*p);
		if (v < 0 || nibbles >= 2 * FP_LEN)
			return false;
		if (nibbles % 2 == 0)
			out[nibbles / 2] = (unsigned char)(v << 4);
		else
			out[nibbles / 2] |= (unsigned char)v;
		nibbles++;
	}
	return nibbles == 2 * FP_LEN;
}

void sha256_hex(char out[FP_HEX_LEN + 1], const void *data, size_t len)
{
	unsigned char md[FP_LEN];
	unsigned int n;
	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1)
		abort(); /* OpenSSL without SHA-256: nothing else would work either */
	hex_encode(out, md, FP_LEN);
}
