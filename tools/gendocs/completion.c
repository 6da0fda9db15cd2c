/* bash completion: the top-level sections that configure a store (the store
 * registry), and the commands and their options (the CLI's tables). */
#include "cli/cli.h"
#include "tools/gendocs/gendocs.h"

#include <stdio.h>
#include <string.h>

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

/* Each option's name as completion offers it: "-c --config" or "--host". */
static void put_names(struct buf *b, const struct cli_opt *o, struct buf *seen)
{
	char key[80];
	snprintf(key, sizeof(key), " --%s ", o->name);
	if (seen) {
		if (seen->len && strstr(seen->ptr, key))
			return;
		buf_puts(seen, key);
	}
	if (o->short_name)
		buf_printf(b, " -%c", o->short_name);
	buf_printf(b, " --%s", o->name);
}

/* The options each command takes (its table, cli/cmd_*.c), the union of all
 * for a word before any command, and what each option's value is. */
void gen_completion_options(struct buf *b)
{
	buf_puts(b, "_trustform_cmds=\"");
	for (size_t i = 0; cli_commands[i]; i++)
		buf_printf(b, "%s%s", i ? " " : "", cli_commands[i]->name);
	buf_puts(b, "\"\n"
		    "# The options COMMAND takes (every option when COMMAND is empty).\n"
		    "_trustform_opts() { # COMMAND\n"
		    "  case $1 in\n");
	struct buf all = BUF_INIT, seen = BUF_INIT;
	for (size_t i = 0; cli_commands[i]; i++) {
		const struct cli_command *c = cli_commands[i];
		buf_printf(b, "    %s) echo \"", c->name);
		struct buf line = BUF_INIT;
		CLI_EACH_OPT(o, c, k)
		{
			put_names(&line, o, NULL);
			put_names(&all, o, &seen);
		}
		buf_printf(b, "%s --help\" ;;\n", line.ptr + 1);
		buf_dispose(&line);
	}
	buf_printf(b, "    *) echo \"%s --help\" ;;\n  esac\n}\n", all.ptr + 1);
	buf_dispose(&all);
	buf_dispose(&seen);
	buf_puts(b, "# What OPTION's value is: file, dir, stores, hosts, words:W..., none\n"
		    "# (nothing to offer); empty for a flag.\n"
		    "_trustform_optarg() { # OPTION\n"
		    "  case $1 in\n");
	static const char *const kinds[] = {"file", "dir", "stores", "hosts", "", NULL};
	for (size_t k = 0; kinds[k]; k++) {
		struct buf pat = BUF_INIT, dup = BUF_INIT;
		for (size_t i = 0; cli_commands[i]; i++)
			CLI_EACH_OPT(o, cli_commands[i], j)
			{
				if (o->arg && o->complete && !strcmp(o->complete, kinds[k])) {
					struct buf one = BUF_INIT;
					put_names(&one, o, &dup);
					if (one.len)
						buf_printf(&pat, "%s%s", pat.len ? "|" : "",
							   one.ptr + 1);
					buf_dispose(&one);
				}
			}
		for (char *s = pat.ptr; s && *s; s++)
			if (*s == ' ')
				*s = '|';
		if (pat.len)
			buf_printf(b, "    %s) echo %s ;;\n", pat.ptr,
				   *kinds[k] ? kinds[k] : "none");
		buf_dispose(&pat);
		buf_dispose(&dup);
	}
	struct buf dup = BUF_INIT;
	for (size_t i = 0; cli_commands[i]; i++)
		CLI_EACH_OPT(o, cli_commands[i], j)
		{
			if (o->arg && o->complete && strchr(o->complete, ' ')) {
				struct buf one = BUF_INIT;
				put_names(&one, o, &dup);
				if (one.len)
					buf_printf(b, "    %s) echo \"words:%s\" ;;\n", one.ptr + 1,
						   o->complete);
				buf_dispose(&one);
			}
		}
	buf_dispose(&dup);
	buf_puts(b, "  esac\n}\n");
}
