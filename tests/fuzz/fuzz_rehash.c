/* The rehash emulation (stores/system/rehash.c): the input is a certificate
 * for rehash_info_from_bytes, and also a directory listing, one entry a line:
 * "name" a file (hash and digest from the name), "name>target" a link. */
#include "fuzz.h"
#include "stores/system/rehash.h"

static void info(void *ctx, const char *name, struct rh_info *out)
{
	memset(out, 0, sizeof(*out));
	size_t n = strlen(name);
	if (!n || name[0] == 's')
		return;
	out->kind = name[0] == 'r' ? RH_CRL : RH_CERT;
	out->hash = (unsigned long)(n % 3) * 0x11111111u;
	snprintf((char *)out->sha1, sizeof(out->sha1), "%s", name + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rh_info i;
	rehash_info_from_bytes(data, size, &i);
	char *text = fuzz_cstr(data, size);
	struct rh_entry *ents = calloc(size + 1, sizeof(*ents));
	size_t n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *gt = strchr(line, '>');
		if (gt)
			*gt = '\0';
		ents[n++] = (struct rh_entry){line, gt != NULL, gt ? gt + 1 : NULL};
	}
	struct rh_link *links;
	size_t nlinks;
	rehash_compute(ents, n, info, NULL, &links, &nlinks);
	rehash_links_free(links, nlinks);
	free(ents);
	free(text);
	return 0;
}
