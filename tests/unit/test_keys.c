/* Key tables: suggestions for misspelt keys, and the config name rule. */
#include "harness.h"
#include "schema/config.h"
#include "schema/keys.h"

static const struct key_spec spec[] = {
    {"file", true},
    {"sha256", false},
    {"ensure", false},
    {NULL, false},
};

int main(void)
{
	CHECK(edit_distance("file", "file") == 0);
	CHECK(edit_distance("fiel", "file") == 2);
	CHECK(edit_distance("fil", "file") == 1);
	CHECK_STR(key_spec_suggest(spec, "fiel"), "file");
	CHECK_STR(key_spec_suggest(spec, "sha265"), "sha256");
	CHECK_STR(key_spec_suggest(spec, "ensur"), "ensure");
	CHECK(key_spec_suggest(spec, "colour") == NULL);

	static const struct {
		const char *name;
		int ok;
	} names[] = {
	    {"corp-root", 1},
	    {"a", 1},
	    {"ca.2024_x", 1},
	    {"9lives", 1},
	    {"", 0},
	    {".hidden", 0},
	    {"-dash", 0},
	    {"../../etc/x", 0},
	    {"a/b", 0},
	    {"a b", 0},
	    {"é", 0},
	    {"..", 0},
	    {"a234567890123456789012345678901234567890123456789012345678901234", 1},
	    {"a2345678901234567890123456789012345678901234567890123456789012345", 0},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		CHECK_MSG(config_name_ok(names[i].name) == (names[i].ok != 0), "%s", names[i].name);
	return test_report();
}
