/* Option parsing shared by all commands; see cli.h. */
#include "reconcile/cli.h"
#include "util/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_HOST = 256, OPT_ROOT, OPT_DETAILED, OPT_JSON, OPT_NO_COLOR, OPT_LOCK_TIMEOUT,
	OPT_TARGET, OPT_AUTO_APPROVE,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "detailed-exitcode", no_argument, NULL, OPT_DETAILED },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "auto-approve", no_argument, NULL, OPT_AUTO_APPROVE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void cli_usage(FILE *out)
{
	fputs("usage: trustform <command> [options]\n"
	      "       trustplan [options]        (= trustform plan)\n"
	      "       trustapply [options]       (= trustform apply)\n"
	      "\n"
	      "commands:\n"
	      "  plan       compare the configuration with the trust stores; change nothing\n"
	      "  apply      plan, then converge the stores (asks 'yes' unless --auto-approve)\n"
	      "  validate   check the configuration and every CA file; read no store\n"
	      "  show       what each store of this host holds now, managed and foreign\n"
	      "  version    versions of trustform and its libraries\n"
	      "  caddy export-root [FILE]\n"
	      "             write Caddy's current root as PEM (to commit beside the config)\n"
	      "\n"
	      "options:\n"
	      "  -c, --config FILE        desired state (default ./trust.yaml, then\n"
	      "                           /etc/trustform/trust.yaml)\n"
	      "      --host NAME          act as this host (default: the hostname)\n"
	      "      --root DIR           treat DIR as / (image builds, tests)\n"
	      "      --target STORE       limit to this store (repeatable)\n"
	      "      --detailed-exitcode  plan: 0 no changes, 1 error, 2 changes pending\n"
	      "      --no-color           no ANSI colour (also NO_COLOR, or not a terminal)\n"
	      "      --lock-timeout SECS  wait this long for another run's lock (default 0)\n"
	      "      --auto-approve       apply without asking\n"
	      "\n"
	      "exit codes: 0 success, 1 error, 2 changes pending (--detailed-exitcode),\n"
	      "            64 usage error\n",
	      out);
}

static char *strip_trailing_slashes(const char *s)
{
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		n--;
	if (n == 1 && s[0] == '/')
		return xstrdup("");
	return xstrndup(s, n);
}

int cli_parse(struct options *o, const char *command, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->command = command;
	o->root = "";
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case OPT_HOST:
			o->host = optarg;
			break;
		case OPT_ROOT:
			if (!*optarg) {
				fprintf(stderr, "trustform: --root needs a directory\n");
				return EXIT_USAGE;
			}
			o->root = strip_trailing_slashes(optarg);
			break;
		case OPT_DETAILED:
			o->detailed_exitcode = true;
			break;
		case OPT_NO_COLOR:
			o->no_color = true;
			break;
		case OPT_LOCK_TIMEOUT: {
			char *end;
			errno = 0;
			o->lock_timeout = strtod(optarg, &end);
			if (errno || *end || o->lock_timeout < 0) {
				fprintf(stderr, "trustform: --lock-timeout takes seconds, not \"%s\"\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case OPT_TARGET:
			o->targets = xrealloc(o->targets, (o->ntargets + 1) * sizeof(*o->targets));
			o->targets[o->ntargets++] = optarg;
			break;
		case OPT_AUTO_APPROVE:
			o->auto_approve = true;
			break;
		case 'h':
			cli_usage(stdout);
			return -1;
		default:
			fprintf(stderr, "trustform %s: unknown or incomplete option \"%s\"; see "
				"trustform --help\n", command, argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	o->args = argv + optind;
	o->nargs = (size_t)(argc - optind);
	const char *nc = getenv("NO_COLOR");
	o->color = !o->no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
	const char *now = getenv("TRUSTFORM_NOW");
	o->now = now && *now ? (time_t)strtoll(now, NULL, 10) : time(NULL);
	return 0;
}

void cli_dispose(struct options *o)
{
	free(o->targets);
	if (o->root && *o->root)
		free((char *)o->root);
	memset(o, 0, sizeof(*o));
}
