/* bash completion: the top-level sections that configure a store. */
#include "tools/gendocs/gendocs.h"

static void section_key(const struct store_type *t, void *arg)
{
	struct buf *keys = arg;
	if (t->section)
		buf_printf(keys, "%s%s", keys->len ? "|" : "", t->section);
}

void gen_completion_sections(struct buf *b)
{
	struct buf keys = BUF_INIT;
	each_type(section_key, &keys);
	buf_puts(b, "# The top-level sections of CONFIG that configure a store each, which\n"
		    "# --target names by their key.\n"
		    "_trustform_sections() { # CONFIG\n");
	if (keys.len)
		buf_printf(b, "  [ -r \"$1\" ] && grep -oE '^(%s):' \"$1\" 2>/dev/null | tr -d :\n",
			   keys.ptr);
	buf_puts(b, "  return 0\n}\n");
	buf_dispose(&keys);
}
