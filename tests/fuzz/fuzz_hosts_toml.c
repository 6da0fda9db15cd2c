/* containerd's hosts.toml as trustform writes it (stores/container/
 * certsd_toml.c), with a PROPERTY: whatever the *.crt and client names in
 * the directory (the input, split at NUL bytes; a name's first byte says
 * whether its file parses), the output is UTF-8 and its ca = [...] and
 * client = [...] lines are TOML arrays of basic strings with only the
 * escapes TOML defines, listing exactly the names toml_skip_reason keeps.
 * The registry host is checked by the store type before it gets here. */
#include "fuzz.h"
#include "stores/container/certsd_int.h"
#include "util/text.h"

#define MAXN 16

/* One TOML basic string at *p; its decoded bytes into out. */
static bool toml_string(const char **p, struct buf *out)
{
	const char *s = *p;
	if (*s++ != '"')
		return false;
	for (; *s != '"'; s++) {
		unsigned char c = (unsigned char)*s;
		if (!c || c == '\n' || (c < 0x20 && c != '\t') || c == 0x7f)
			return false;
		if (c != '\\') {
			buf_putc(out, (char)c);
			continue;
		}
		s++;
		if (*s == '"' || *s == '\\')
			buf_putc(out, *s);
		else if (*s == 'u' && strspn(s + 1, "0123456789abcdef") >= 4) {
			unsigned v =
			    (unsigned)strtoul((char[]){s[1], s[2], s[3], s[4], 0}, NULL, 16);
			if (v >= 0x80)
				return false; /* we only escape control characters */
			buf_putc(out, (char)v);
			s += 4;
		} else
			return false;
	}
	*p = s + 1;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	char *names[MAXN];
	size_t n = 0;
	struct crt f[MAXN];
	struct dstate st;
	memset(&st, 0, sizeof(st));
	memset(f, 0, sizeof(f));
	for (size_t at = 0; at < size && n < MAXN; at += strlen(text + at) + 1) {
		if (!text[at])
			continue;
		f[n].parsed = text[at] & 1;
		f[n].base = text + at + 1;
		names[n] = text + at + 1;
		n++;
	}
	st.f = f;
	st.n = n;
	char *clients[2] = {n ? names[0] : "c", "client"};
	st.clients = clients;
	st.nclients = 2;
	struct certsd p = {.host = "registry.corp:5000"};
	struct buf out = BUF_INIT;
	toml_render(&out, &p, names, n, &st);
	FUZZ_ASSERT(text_is_utf8(out.ptr));
	const char *ca = strstr(out.ptr, "\n  ca = [");
	FUZZ_ASSERT(ca);
	const char *q = ca + strlen("\n  ca = [");
	size_t listed = 0;
	for (size_t i = 0; i < n; i++) {
		if (toml_skip_reason(names[i], &st))
			continue;
		if (listed++)
			FUZZ_ASSERT(!strncmp(q, ", ", 2) && (q += 2));
		struct buf got = BUF_INIT;
		FUZZ_ASSERT(toml_string(&q, &got));
		FUZZ_ASSERT(!strcmp(got.ptr ? got.ptr : "", names[i]));
		buf_dispose(&got);
	}
	FUZZ_ASSERT(!strncmp(q, "]\n", 2));
	buf_dispose(&out);
	free(text);
	return 0;
}
