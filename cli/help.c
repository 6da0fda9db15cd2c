/* A command's usage, from its table: `trustform X --help`, and after a usage
 * error. */
#include "cli/help.h"
#include "cli/cli.h"

#include <stdarg.h>
#include <string.h>

/* text with each line after the first indented to col. */
static void put_indented(FILE *out, const char *text, int col)
{
	for (const char *s = text; *s; s++) {
		fputc(*s, out);
		if (*s == '\n' && s[1])
			fprintf(out, "%*s", col, "");
	}
	fputc('\n', out);
}

void cli_put_opt(FILE *out, const struct cli_opt *o)
{
	char head[64];
	char sh[8] = "    ";
	if (o->short_name)
		snprintf(sh, sizeof(sh), "-%c, ", o->short_name);
	int n = snprintf(head, sizeof(head), "  %s--%s%s%s", sh, o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
	if (n > HELP_COL - 2)
		fprintf(out, "%s\n%*s", head, HELP_COL, "");
	else
		fprintf(out, "%-*s", HELP_COL, head);
	put_indented(out, o->help, HELP_COL);
}

void cli_put_summary(FILE *out, const struct cli_command *c)
{
	char head[80];
	int n =
	    snprintf(head, sizeof(head), "  %s%s%s%s%s", c->name, c->sub ? " " : "",
		     c->sub ? c->sub : "", c->operands ? " " : "", c->operands ? c->operands : "");
	if (n > 11)
		fprintf(out, "%s\n%13s", head, "");
	else
		fprintf(out, "%-13s", head);
	put_indented(out, c->summary, 13);
}

void cli_command_usage(FILE *out, const struct cli_command *c)
{
	fputs(c->usage, out);
	fputs("\noptions:\n", out);
	CLI_EACH_OPT(o, c, i)
	{
		cli_put_opt(out, o);
	}
	fputs("      --help               this text\n", out);
}

int cli_usage_error(const struct cli_command *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "trustform %s%s%s: ", c->name, c->sub ? " " : "", c->sub ? c->sub : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_command_usage(stderr, c);
	return EXIT_USAGE;
}
