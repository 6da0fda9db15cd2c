/* The YAML tree: positions, duplicate keys, aliases, documents, errors. */
#include "harness.h"
#include "schema/yamltree.h"
#include "util/err.h"

static const struct {
	const char *yaml;
	const char *err;	/* substring of the error, or NULL for success */
} cases[] = {
	{ "a: 1\nb: [x, y]\n", NULL },
	{ "a: 1\na: 2\n", "t.yaml:2:1: duplicate key \"a\" (first at line 1)" },
	{ "m:\n  k: 1\n  k: 2\n", "t.yaml:3:3: duplicate key \"k\"" },
	{ "a: [1, 2\n", "malformed YAML" },
	{ "a: 1\n---\nb: 2\n", "more than one YAML document" },
	{ "", "the file is empty" },
	{ "# only a comment\n", "the file is empty" },
	{ "a: *nope\n", "alias *nope refers to no anchor" },
	{ "base: &b {x: 1}\nother: *b\n", NULL },
	{ "? [a, b]\n: 1\n", "a mapping key must be a plain name" },
	{ "a:\n\t- x\n", "malformed YAML" },
	{ "a: \"x\\0y\"\n", "NUL character" },
	/* an alias bomb is refused instead of expanding forever */
	{ "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	  "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
	  "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n", "aliases expand to too many nodes" },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		err_clear();
		struct ynode *n = ytree_load_buffer("t.yaml", cases[i].yaml, strlen(cases[i].yaml));
		if (cases[i].err) {
			CHECK_MSG(n == NULL, "case %zu should fail", i);
			CHECK_MSG(strstr(err_msg(), cases[i].err) != NULL, "case %zu: got \"%s\"", i,
				  err_msg());
		} else {
			CHECK_MSG(n != NULL, "case %zu: %s", i, err_msg());
		}
		ytree_free(n);
	}

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
