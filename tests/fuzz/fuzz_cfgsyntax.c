/* pip.conf, npmrc and git-config as the configuration-file stores read and
 * write them (stores/files/cfgsyntax.c). The first byte picks the syntax (and
 * for git the per-URL form), the rest is the file. PROPERTIES: the entries
 * cover the file byte for byte; rendering with trustform's setting gives a
 * file that parses back with the block and exactly the owned setting in it,
 * that renders again to itself, and whose bytes outside the block are the
 * input's outside its old block (a newline or two may be added where the
 * block was appended); removing the block gives the input without it. */
#include "fuzz.h"
#include "stores/files/cfgsyntax.h"

#define STORE  "fz"
#define BUNDLE "/etc/trustform/bundles/fz.pem"

/* The bytes outside the store's block (the whole file when it has none). */
static void outside(struct buf *out, const struct cfg_doc *d)
{
	size_t b, e;
	int has = cfg_block(d, STORE, &b, &e);
	FUZZ_ASSERT(has >= 0);
	if (!has) {
		buf_add(out, d->data, d->len);
		return;
	}
	buf_add(out, d->data, d->e[b].start);
	buf_add(out, d->data + d->e[e].end, d->len - d->e[e].end);
}

static void covers(const struct cfg_doc *d)
{
	size_t at = 0;
	for (size_t i = 0; i < d->n; i++) {
		FUZZ_ASSERT(d->e[i].start == at && d->e[i].end > at);
		at = d->e[i].end;
	}
	FUZZ_ASSERT(at == d->len);
}

/* Exactly one setting in the block, the owned one. */
static void owned(const struct cfg_doc *d, const char *name)
{
	size_t b, e, n = 0;
	FUZZ_ASSERT(cfg_block(d, STORE, &b, &e) == 1);
	for (size_t i = b + 1; i < e; i++)
		if (d->e[i].name) {
			FUZZ_ASSERT(!strcmp(d->e[i].name, name));
			FUZZ_ASSERT(d->e[i].value && !strcmp(d->e[i].value, BUNDLE));
			n++;
		}
	FUZZ_ASSERT(n == 1);
}

/* s1 is s0 with at most two newlines inserted at one place. */
static void same_but_newlines(const struct buf *s0, const struct buf *s1)
{
	size_t k = 0;
	while (k < s0->len && k < s1->len && s0->ptr[k] == s1->ptr[k])
		k++;
	size_t extra = s1->len - s0->len;
	FUZZ_ASSERT(s1->len >= s0->len && extra <= 2);
	for (size_t i = 0; i < extra; i++)
		FUZZ_ASSERT(s1->ptr[k + i] == '\n');
	FUZZ_ASSERT(!memcmp(s1->ptr + k + extra, s0->ptr + k, s0->len - k));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	static const struct cfg_want wants[] = {
	    {STORE, "global", "[global]", "cert = " BUNDLE, PLACE_IN_SECTION},
	    {STORE, "", NULL, "cafile=" BUNDLE, PLACE_TOP},
	    {STORE, "http", "[http]", "\tsslCAInfo = " BUNDLE, PLACE_APPEND},
	    {STORE, "http.https://h.example/", "[http \"https://h.example/\"]",
	     "\tsslCAInfo = " BUNDLE, PLACE_APPEND},
	};
	static const char *const names[] = {"global.cert", "cafile", "http.sslcainfo",
					    "http.https://h.example/.sslcainfo"};
	static const enum cfg_syntax syns[] = {CFG_PIP, CFG_NPMRC, CFG_GIT, CFG_GIT};
	size_t k = data[0] % 4;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	struct cfg_doc d, o, o2;
	struct buf out = BUF_INIT, again = BUF_INIT, s0 = BUF_INIT, s1 = BUF_INIT, gone = BUF_INIT;
	cfg_parse(&d, syns[k], in, len);
	covers(&d);
	size_t b, e;
	if (cfg_block(&d, STORE, &b, &e) < 0) {
		FUZZ_ASSERT(cfg_render(&out, &d, &wants[k], true) < 0);
		goto done;
	}
	FUZZ_ASSERT(cfg_render(&out, &d, &wants[k], true) == 0);
	cfg_parse(&o, syns[k], out.ptr, out.len);
	covers(&o);
	owned(&o, names[k]);
	FUZZ_ASSERT(cfg_render(&again, &o, &wants[k], true) == 0);
	FUZZ_ASSERT(again.len == out.len && !memcmp(again.ptr, out.ptr, out.len));
	outside(&s0, &d);
	outside(&s1, &o);
	same_but_newlines(&s0, &s1);
	FUZZ_ASSERT(cfg_render(&gone, &o, &wants[k], false) == 0);
	cfg_parse(&o2, syns[k], gone.ptr, gone.len);
	FUZZ_ASSERT(cfg_block(&o2, STORE, &b, &e) == 0);
	FUZZ_ASSERT(gone.len == s1.len && !memcmp(gone.ptr, s1.ptr, s1.len));
	cfg_doc_dispose(&o2);
	cfg_doc_dispose(&o);
done:
	cfg_doc_dispose(&d);
	buf_dispose(&out);
	buf_dispose(&again);
	buf_dispose(&s0);
	buf_dispose(&s1);
	buf_dispose(&gone);
	return 0;
}
