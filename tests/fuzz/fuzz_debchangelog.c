/* ca-certificates' changelog (util/debchangelog.c), as read from
 * changelog.gz (util/gunzip.c), with a PROPERTY: every name kept is 1 to 256
 * bytes without a line break, belongs to an entry, and a removal found for a
 * name is the version of one of the entries; what a gzip member inflates to
 * never passes the cap. */
#include "fuzz.h"
#include "util/debchangelog.h"
#include "util/err.h"
#include "util/gunzip.h"

static void parse(const char *text, size_t len)
{
	struct debcl cl;
	debcl_parse(&cl, text, len);
	for (size_t i = 0; i < cl.n; i++) {
		const char *name = cl.events[i].name;
		size_t n = strlen(name);
		FUZZ_ASSERT(n >= 1 && n <= 256 && !strchr(name, '\n'));
		const char *v = debcl_removed_in(&cl, name);
		bool known = v == NULL;
		for (size_t k = 0; v && k < cl.nversions; k++)
			known |= cl.versions[k] == v;
		FUZZ_ASSERT(known);
	}
	debcl_dispose(&cl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("changelog.gz", data, size);
	struct buf out = BUF_INIT;
	if (gunzip_file(&out, path, (size_t)1 << 20, (size_t)1 << 20) == 0) {
		FUZZ_ASSERT(out.len <= (size_t)1 << 20);
		parse(out.ptr, out.len);
	}
	err_clear();
	buf_dispose(&out);
	parse((const char *)data, size);
	return 0;
}
