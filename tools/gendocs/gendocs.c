/*
 * gendocs SRCDIR OUTDIR: writes OUTDIR/<file> for each file below, as
 * SRCDIR/<file> with its generated regions made again from the registry
 * (OUTDIR may be SRCDIR: scripts/gen-docs.sh). tests/e2e/schema_gendocs.sh
 * diffs a run into a temporary directory with the committed files.
 */
#include "tools/gendocs/gendocs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct region {
	const char *file, *name;
	void (*gen)(struct buf *b);
};

static const struct region regions[] = {
    {"schema/trustform.schema.json", "store-types", gen_schema_types},
    {"man/trust.yaml.5", "store-types", gen_man_types},
    {"man/trust.yaml.5", "store-keys", gen_man_keys},
    {"man/trust.yaml.5", "store-files", gen_man_files},
    {"man/trustform.1", "synopsis", gen_man_synopsis},
    {"man/trustform.1", "options", gen_man_options},
    {"man/trustform.1", "command-options", gen_man_command_options},
    {"README.md", "store-table", gen_readme_table},
    {"README.md", "env-variables", gen_readme_envvars},
    {"README.md", "system-families", gen_readme_families},
    {"completion/trustform.bash", "completion-sections", gen_completion_sections},
    {"completion/trustform.bash", "completion-options", gen_completion_options},
    {NULL, NULL, NULL},
};

/* The offset just past the line holding marker, from at; -1 if none. */
static long line_after(const struct buf *b, size_t at, const char *marker, size_t *start)
{
	const char *m = strstr(b->ptr + at, marker);
	if (!m)
		return -1;
	const char *ls = m;
	while (ls > b->ptr && ls[-1] != '\n')
		ls--;
	*start = (size_t)(ls - b->ptr);
	const char *nl = strchr(m, '\n');
	return nl ? nl + 1 - b->ptr : (long)b->len;
}

/* Replace the lines between the region's markers in text. 0, or -1 said. */
static int regenerate(struct buf *text, const struct region *r)
{
	char *begin = xasprintf("BEGIN generated: %s ", r->name);
	char *end = xasprintf("END generated: %s ", r->name);
	size_t bstart, estart;
	long from = line_after(text, 0, begin, &bstart);
	long past = from < 0 ? -1 : line_after(text, (size_t)from, end, &estart);
	int rc = -1;
	if (from < 0 || past < 0) {
		fprintf(stderr,
			"gendocs: %s: no line with \"%s\"%s; put the two marker lines "
			"around the generated part (see the other regions)\n",
			r->file, from < 0 ? begin : end, from < 0 ? "" : " after its BEGIN");
		goto out;
	}
	struct buf out = BUF_INIT;
	buf_add(&out, text->ptr, (size_t)from);
	r->gen(&out);
	buf_add(&out, text->ptr + estart, text->len - estart);
	buf_dispose(text);
	*text = out;
	rc = 0;
out:
	free(begin);
	free(end);
	return rc;
}

/* Write path whole (its directories made), through a temporary file. */
static int write_file(const char *path, const struct buf *text)
{
	char *tmp = xasprintf("%s.gendocs-tmp", path);
	for (char *s = tmp + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		int rc = mkdir(tmp, 0755);
		*s = '/';
		if (rc < 0 && errno != EEXIST)
			break;
	}
	FILE *f = fopen(tmp, "w");
	int rc = f && fwrite(text->ptr, 1, text->len, f) == text->len ? 0 : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1;
	if (rc < 0) {
		fprintf(stderr, "gendocs: %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

static int one_file(const char *src, const char *dst, const char *file)
{
	char *in = xasprintf("%s/%s", src, file), *to = xasprintf("%s/%s", dst, file);
	struct buf text = BUF_INIT;
	int rc = -1;
	if (buf_read_file(&text, in) < 0) {
		fprintf(stderr, "gendocs: %s: %s\n", in, buf_strerror(errno));
		goto out;
	}
	for (const struct region *r = regions; r->file; r++)
		if (!strcmp(r->file, file) && regenerate(&text, r) < 0)
			goto out;
	rc = write_file(to, &text);
out:
	buf_dispose(&text);
	free(in);
	free(to);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gendocs SRCDIR OUTDIR (OUTDIR may be SRCDIR)\n");
		return 2;
	}
	int rc = 0;
	for (const struct region *r = regions; r->file; r++)
		if (r == regions || strcmp(r->file, r[-1].file))
			rc |= one_file(argv[1], argv[2], r->file) < 0;
	return rc;
}
