/* trustform(1): the SYNOPSIS, from each command's usage lines; OPTIONS,
 * each option's paragraph; and which options each command takes, from the
 * tables (cli/options.c, cli/cmd_*.c). */
#include "cli/cli.h"
#include "tools/gendocs/gendocs.h"

#include <stdbool.h>
#include <string.h>

static void put_word(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-')
			buf_puts(b, "\\-");
		else
			buf_putc(b, s[i]);
	}
}

/* One word of a synopsis after the program's: options and literal words
 * bold, placeholders italic, brackets and "..." roman ("[--lock-timeout"
 * "SECS]" "URL..."). */
static void put_synopsis_word(struct buf *b, const char *w, size_t n)
{
	size_t lead = 0, end = n;
	while (lead < n && (w[lead] == '[' || w[lead] == '{'))
		lead++;
	while (end > lead && strchr("]}.", w[end - 1]))
		end--;
	buf_add(b, w, lead);
	/* a placeholder: upper case, or "options"; literal words and options
	 * bold; "|" as it is */
	bool literal = w[lead] == '-' || (w[lead] >= 'a' && w[lead] <= 'z' &&
					  strncmp(w + lead, "options", end - lead));
	if (end - lead == 1 && w[lead] == '|') {
		buf_putc(b, '|');
	} else if (end > lead) {
		buf_puts(b, literal ? "\\fB" : "\\fI");
		put_word(b, w + lead, end - lead);
		buf_puts(b, "\\fR");
	}
	buf_add(b, w + end, n - end);
}

/* "trustform diff [options] OLD NEW": ".B trustform diff" and the rest. */
static void put_synopsis_line(struct buf *b, const struct cli_command *c, const char *s, size_t n)
{
	const char *progs[] = {"trustform", "trustplan", "trustapply", c->name, c->sub, NULL};
	bool in_prog = true, first = true;
	buf_puts(b, ".B");
	for (size_t i = 0; i < n;) {
		size_t len = strcspn(s + i, " ");
		if (len > n - i)
			len = n - i;
		bool prog = false;
		for (size_t k = 0; in_prog && progs[k]; k++)
			prog |= strlen(progs[k]) == len && !strncmp(progs[k], s + i, len);
		if (in_prog && !prog) {
			in_prog = false;
			first = true;
			buf_putc(b, '\n');
		}
		if (!first)
			buf_putc(b, ' ');
		else if (in_prog)
			buf_putc(b, ' ');
		if (prog)
			put_word(b, s + i, len);
		else
			put_synopsis_word(b, s + i, len);
		first = false;
		i += len;
		while (i < n && s[i] == ' ')
			i++;
	}
	buf_putc(b, '\n');
}

void gen_man_synopsis(struct buf *b)
{
	bool any = false;
	for (size_t k = 0; cli_commands[k]; k++) {
		const struct cli_command *c = cli_commands[k];
		for (const char *l = c->usage; *l;) {
			size_t len = strcspn(l, "\n");
			const char *s = NULL;
			if (!strncmp(l, "usage: ", 7))
				s = l + 7;
			else if (!strncmp(l, "       ", 7))
				s = l + 7;
			if (!s)
				break; /* the description */
			if (any)
				buf_puts(b, ".br\n");
			put_synopsis_line(b, c, s, len - (size_t)(s - l));
			any = true;
			l += len + (l[len] == '\n');
		}
	}
}

void gen_man_command_options(struct buf *b)
{
	buf_puts(b, ".SS \"Options each command takes\"\n"
		    "A command refuses an option it does not take, with its usage\n"
		    ".RB ( \"trustform \\fIcommand\\fP \\-\\-help\" ).\n");
	for (size_t k = 0; cli_commands[k]; k++) {
		const struct cli_command *c = cli_commands[k];
		buf_puts(b, ".TP\n.B ");
		put_word(b, c->name, strlen(c->name));
		if (c->sub) {
			buf_putc(b, ' ');
			put_word(b, c->sub, strlen(c->sub));
		}
		buf_putc(b, '\n');
		bool first = true;
		CLI_EACH_OPT(o, c, i)
		{
			buf_puts(b, first ? "" : ",\n");
			if (o->short_name)
				buf_printf(b, "\\fB\\%%\\-%c\\fR, ", o->short_name);
			buf_puts(b, "\\fB\\%\\-\\-");
			put_word(b, o->name, strlen(o->name));
			buf_puts(b, "\\fR");
			first = false;
		}
		buf_puts(b, first ? "\\fB\\%\\-\\-no\\-color\\fR only\n" : "\n");
	}
}

/* ".TP" and "\fB\-c\fR, \fB\-\-config\fR \fIFILE\fR", then its paragraph. */
static void put_option(struct buf *b, const struct cli_opt *o)
{
	buf_puts(b, ".TP\n");
	if (o->short_name)
		buf_printf(b, "\\fB\\-%c\\fR, ", o->short_name);
	buf_puts(b, "\\fB\\-\\-");
	put_word(b, o->name, strlen(o->name));
	buf_puts(b, "\\fR");
	if (o->arg) {
		buf_puts(b, " \\fI");
		put_word(b, o->arg, strlen(o->arg));
		buf_puts(b, "\\fR");
	}
	buf_putc(b, '\n');
	if (o->doc) {
		put_roff(b, o->doc);
	} else { /* the help line, its line breaks as spaces */
		for (const char *h = o->help; *h; h++)
			buf_putc(b, *h == '\n' ? ' ' : *h);
		buf_putc(b, '.');
	}
	buf_putc(b, '\n');
}

/* ".SS" with a title: a heading with its first letter in upper case, then
 * the words of cmd ("caddy export-root") when given. */
static void put_subsection(struct buf *b, const char *title, const struct cli_command *cmd)
{
	buf_puts(b, ".SS \"");
	buf_putc(b, *title >= 'a' && *title <= 'z' ? (char)(*title - 'a' + 'A') : *title);
	put_word(b, title + 1, strlen(title + 1));
	if (cmd) {
		put_word(b, cmd->name, strlen(cmd->name));
		if (cmd->sub) {
			buf_putc(b, ' ');
			put_word(b, cmd->sub, strlen(cmd->sub));
		}
	}
	buf_puts(b, "\"\n");
}

/* Each shared option, under its heading; then each command's own. */
void gen_man_options(struct buf *b)
{
	for (const struct cli_opt *o = cli_shared_opts; o->name; o++) {
		if (o->heading)
			put_subsection(b, o->heading, NULL);
		put_option(b, o);
	}
	for (size_t k = 0; cli_commands[k]; k++) {
		const struct cli_command *c = cli_commands[k];
		if (!c->opts || !c->opts->name)
			continue;
		put_subsection(b, "options of ", c);
		for (const struct cli_opt *o = c->opts; o->name; o++)
			put_option(b, o);
	}
}
