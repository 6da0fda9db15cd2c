/* The YAML tree: positions, duplicate keys, aliases, documents, errors. */
#include "harness.h"
#include "schema/yamltree.h"
#include "util/buf.h"
#include "util/err.h"

static const struct {
	const char *yaml;
	const char *err; /* substring of the error, or NULL for success */
} cases[] = {
    {"a: 1\nb: [x, y]\n", NULL},
    {"a: 1\na: 2\n", "t.yaml:2:1: duplicate key \"a\" (first at line 1)"},
    {"m:\n  k: 1\n  k: 2\n", "t.yaml:3:3: duplicate key \"k\""},
    {"a: [1, 2\n", "malformed YAML"},
    {"a: 1\n---\nb: 2\n", "more than one YAML document"},
    {"", "the file is empty"},
    {"# only a comment\n", "the file is empty"},
    {"a: *nope\n", "alias *nope refers to no anchor"},
    {"base: &b {x: 1}\nother: *b\n", NULL},
    {"? [a, b]\n: 1\n", "a mapping key must be a plain name"},
    {"a:\n\t- x\n", "malformed YAML"},
    {"a: \"x\\0y\"\n", "NUL character"},
    /* an alias bomb is refused instead of expanding forever */
    {"a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
     "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
     "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
     "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
     "aliases expand to too many nodes"},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		err_clear();
		struct ynode *n = ytree_load_buffer("t.yaml", cases[i].yaml, strlen(cases[i].yaml));
		if (cases[i].err) {
			CHECK_MSG(n == NULL, "case %zu should fail", i);
			CHECK_MSG(strstr(err_msg(), cases[i].err) != NULL, "case %zu: got \"%s\"",
				  i, err_msg());
		} else {
			CHECK_MSG(n != NULL, "case %zu: %s", i, err_msg());
		}
		ytree_free(n);
	}

	/* issue 14: aliases of a 64 KiB string five levels deep (a 66 KB file) used to
	 * take 7 GB: the budget counts bytes, not only nodes */
	struct buf big = BUF_INIT;
	buf_puts(&big, "s: &s \"");
	for (int i = 0; i < 65536; i++)
		buf_putc(&big, 'x');
	buf_puts(&big, "\"\n");
	const char *prev = "s";
	static const char *lv[] = {"a", "b", "c", "d", "e"};
	for (int k = 0; k < 5; k++) {
		buf_printf(&big, "%s: &%s [", lv[k], lv[k]);
		for (int i = 0; i < 10; i++)
			buf_printf(&big, "%s*%s", i ? "," : "", prev);
		buf_puts(&big, "]\n");
		prev = lv[k];
	}
	err_clear();
	struct ynode *bomb = ytree_load_buffer("t.yaml", big.ptr, big.len);
	CHECK(bomb == NULL);
	CHECK_MSG(strstr(err_msg(), "t.yaml:") && strstr(err_msg(), "aliases expand"), "%s",
		  err_msg());
	buf_dispose(&big);

	/* nesting deeper than the stack holds is an error with a position */
	for (int i = 0; i < 100000; i++)
		buf_putc(&big, '[');
	err_clear();
	bomb = ytree_load_buffer("t.yaml", big.ptr, big.len);
	CHECK(bomb == NULL);
	CHECK_MSG(strstr(err_msg(), "t.yaml:1:257: lists and mappings nest more than 256"), "%s",
		  err_msg());
	buf_dispose(&big);
	buf_puts(&big, "a:\n");
	for (int i = 0; i < 300; i++)
		buf_printf(&big, "%*s- \n", i * 2 + 2, "");
	err_clear();
	bomb = ytree_load_buffer("t.yaml", big.ptr, big.len);
	CHECK_MSG(bomb == NULL && strstr(err_msg(), "nest more than 256"), "%s", err_msg());
	ytree_free(bomb);
	buf_dispose(&big);

	/* reader errors point at the byte, not 1:1 */
	static const char nul[] = "a: 1\nb: x\0y\n";
	err_clear();
	CHECK(ytree_load_buffer("t.yaml", nul, sizeof(nul) - 1) == NULL);
	CHECK_MSG(strstr(err_msg(), "t.yaml:2:5: control characters are not allowed"), "%s",
		  err_msg());
	static const char utf[] = "a: 1\nb: \xc3\xa9\xff\n";
	err_clear();
	CHECK(ytree_load_buffer("t.yaml", utf, sizeof(utf) - 1) == NULL);
	CHECK_MSG(strstr(err_msg(), "t.yaml:2:5: invalid leading UTF-8 octet"), "%s", err_msg());

	/* positions are 1-based line:column of each node */
	const char *doc = "version: 1\ncas:\n  corp: { file: x.pem }\n";
	struct ynode *n = ytree_load_buffer("t", doc, strlen(doc));
	CHECK(n && n->kind == YNODE_MAP);
	const struct ynode *cas = ymap_get(n, "cas");
	CHECK(cas && cas->kind == YNODE_MAP && cas->n == 1);
	CHECK(cas->keys[0]->line == 3 && cas->keys[0]->col == 3);
	const struct ynode *file = ymap_get(cas->items[0], "file");
	CHECK(file && file->line == 3 && file->col == 17 && !strcmp(file->text, "x.pem"));
	CHECK(ymap_get(n, "version")->plain);
	ytree_free(n);

	/* quoted "true" is a string, plain true is a boolean-looking plain scalar */
	doc = "a: true\nb: \"true\"\n";
	n = ytree_load_buffer("t", doc, strlen(doc));
	CHECK(ymap_get(n, "a")->plain && !ymap_get(n, "b")->plain);
	ytree_free(n);
	return test_report();
}
