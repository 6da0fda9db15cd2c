/* Names from the disk on terminals and in JSON; see text.h. */
#include "util/text.h"
#include "util/xalloc.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at s (1-4), or 0 (jansson's rules:
 * no overlong forms, no surrogates, nothing past U+10FFFF). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool text_is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_len(p);
		if (!n)
			return false;
		p += n;
	}
	return true;
}

void text_escape(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_len(p);
		bool c1 = n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
		if (n == 1 && *p == '\\') {
			buf_puts(b, "\\\\");
		} else if (n == 1 && *p >= 0x20 && *p != 0x7f) {
			buf_putc(b, (char)*p);
		} else if (n > 1 && !c1) {
			buf_add(b, p, n);
		} else {
			if (!n)
				n = 1;
			for (size_t i = 0; i < n; i++)
				buf_printf(b, "\\x%02x", p[i]);
		}
		p += n;
	}
}

const char *text_disp(const char *s)
{
	static struct buf ring[16];
	static unsigned next;
	struct buf *b = &ring[next++ % 16];
	if (!b->ptr)
		buf_init(b);
	buf_reset(b);
	text_escape(b, s ? s : "(null)");
	return b->ptr;
}

json_t *jtext_new(const char *s)
{
	if (!s)
		return json_null();
	if (text_is_utf8(s))
		return json_string(s);
	struct buf b = BUF_INIT;
	text_escape(&b, s);
	json_t *j = json_string(b.ptr);
	buf_dispose(&b);
	return j;
}

void jtext_set(json_t *o, const char *key, const char *s)
{
	json_object_set_new(o, key, jtext_new(s));
	if (!s || text_is_utf8(s))
		return;
	size_t len = strlen(s);
	char *b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)s, (int)len);
	struct buf k = BUF_INIT;
	buf_printf(&k, "%s_bytes", key);
	json_object_set_new(o, k.ptr, json_string(b64));
	buf_dispose(&k);
	free(b64);
}

char *jtext_get(json_t *o, const char *key)
{
	struct buf k = BUF_INIT;
	buf_printf(&k, "%s_bytes", key);
	json_t *bytes = json_object_get(o, k.ptr);
	buf_dispose(&k);
	if (!bytes) {
		const char *s = json_string_value(json_object_get(o, key));
		return s ? xstrdup(s) : NULL;
	}
	const char *b64 = json_string_value(bytes);
	size_t len = b64 ? strlen(b64) : 0;
	if (!b64 || !len || len % 4 || len > (1u << 20))
		return NULL;
	unsigned char *out = xmalloc(len / 4 * 3 + 1);
	int n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
	if (n < 0) {
		free(out);
		return NULL;
	}
	n -= (b64[len - 1] == '=') + (b64[len - 2] == '='); /* the padding decodes as 0s */
	out[n] = '\0';
	if (memchr(out, '\0', (size_t)n)) {
		free(out);
		return NULL;
	}
	return (char *)out;
}
