/* Option parsing shared by all commands; see cli.h. */
#include "cli/cli.h"
#include "schema/keys.h"
#include "util/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_HOST = 256,
	OPT_ROOT,
	OPT_DETAILED,
	OPT_JSON,
	OPT_NO_COLOR,
	OPT_LOCK_TIMEOUT,
	OPT_TARGET,
	OPT_AUTO_APPROVE,
	OPT_GIT,
	OPT_REF,
	OPT_PATH,
	OPT_REQUIRE_FRESH,
	OPT_ALLOW_UNPINNED,
	OPT_ALLOWED_SIGNERS,
	OPT_OUT,
	OPT_PROMETHEUS,
	OPT_SYSLOG,
	OPT_FROM,
	OPT_TO,
	OPT_INVENTORY,
	OPT_FORMAT,
	OPT_OFFLINE,
	OPT_TIMEOUT,
};

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"host", required_argument, NULL, OPT_HOST},
    {"root", required_argument, NULL, OPT_ROOT},
    {"detailed-exitcode", no_argument, NULL, OPT_DETAILED},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
    {"target", required_argument, NULL, OPT_TARGET},
    {"auto-approve", no_argument, NULL, OPT_AUTO_APPROVE},
    {"json", no_argument, NULL, OPT_JSON},
    {"git", required_argument, NULL, OPT_GIT},
    {"ref", required_argument, NULL, OPT_REF},
    {"path", required_argument, NULL, OPT_PATH},
    {"require-fresh", no_argument, NULL, OPT_REQUIRE_FRESH},
    {"allow-unpinned", no_argument, NULL, OPT_ALLOW_UNPINNED},
    {"git-allowed-signers", required_argument, NULL, OPT_ALLOWED_SIGNERS},
    {"out", required_argument, NULL, OPT_OUT},
    {"prometheus", required_argument, NULL, OPT_PROMETHEUS},
    {"syslog", no_argument, NULL, OPT_SYSLOG},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"inventory", required_argument, NULL, OPT_INVENTORY},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"offline", no_argument, NULL, OPT_OFFLINE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
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
	      "  check [URL...]\n"
	      "             whether each store's clients will accept the endpoints the host's\n"
	      "             roles call (connects_to:), or the URLs given, after apply\n"
	      "  caddy export-root [FILE]\n"
	      "             write Caddy's current root as PEM (to commit beside the config)\n"
	      "  diff OLD NEW\n"
	      "             what every host of the fleet file gains, loses, replaces or\n"
	      "             distrusts between two configurations (files, or --git URL\n"
	      "             --from REF --to REF); reads no store; exit 2 on differences\n"
	      "  report PLAN.json...\n"
	      "             many hosts' `trustplan --json` outputs as one fleet summary\n"
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
	      "      --json               plan, apply, show, diff, report: JSON on stdout\n"
	      "\n"
	      "configuration from git:\n"
	      "      --git URL            a repository (file://, a path, ssh:// or https://)\n"
	      "      --ref REF            branch, tag or full commit id to read\n"
	      "      --path FILE          the configuration file inside it (default trust.yaml)\n"
	      "      --require-fresh      fail when the remote cannot be reached, instead of\n"
	      "                           using the last fetched commit\n"
	      "      --allow-unpinned     accept CAs without a sha256 pin from git\n"
	      "      --git-allowed-signers FILE\n"
	      "                           require a commit signature by a key in FILE (ssh\n"
	      "                           allowed_signers, or a GnuPG keyring)\n"
	      "\n"
	      "saved plans and drift:\n"
	      "      --out FILE           plan: save the plan; `trustapply FILE` applies it\n"
	      "      --prometheus FILE    plan: write node_exporter textfile metrics to FILE\n"
	      "      --syslog             plan: log a one-line summary to syslog\n"
	      "\n"
	      "review (diff, report):\n"
	      "      --from REF --to REF  diff --git: the old and the new branch, tag or commit\n"
	      "      --inventory FILE     diff: the host names of this Ansible inventory (INI,\n"
	      "                           YAML, or one a line) instead of the host entries\n"
	      "      --format FORMAT      diff, report: text (default), markdown or json\n"
	      "endpoints (connects_to:):\n"
	      "      --offline            plan: connect to no endpoint (CI without a route)\n"
	      "      --timeout SECS       check, plan: the whole connection to an endpoint, name\n"
	      "                           resolution and handshake included (default 5)\n"
	      "\n"
	      "exit codes: 0 success, 1 error, 2 changes pending (--detailed-exitcode),\n"
	      "            64 usage error\n",
	      out);
}

static char *strip_trailing_slashes(const char *s);

/* --root as an absolute path without trailing slashes ("" for /): every path
 * under it is built from it, and the root jail (util/rootjail.h) confines the
 * paths that start with it. */
static char *root_option(const char *arg)
{
	if (arg[0] == '/')
		return strip_trailing_slashes(arg);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return strip_trailing_slashes(arg);
	char *abs = xasprintf("%s/%s", strcmp(cwd, "/") ? cwd : "", arg);
	char *out = strip_trailing_slashes(abs);
	free(abs);
	return out;
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

static bool is_cmd(const struct options *o, const char *a, const char *b, const char *c)
{
	return !strcmp(o->command, a) || (b && !strcmp(o->command, b)) ||
	       (c && !strcmp(o->command, c));
}

static int usage_error(const char *command, const char *why)
{
	fprintf(stderr, "trustform %s: %s; see trustform --help\n", command, why);
	return -1;
}

/* Options that only make sense together, or for some commands. */
static int check_combinations(struct options *o)
{
	const char *c = o->command;
	if (o->git_url && o->config)
		return usage_error(c, "give --config or --git, not both");
	if (!o->git_url && (o->git_ref || o->git_path || o->require_fresh || o->allow_unpinned ||
			    o->allowed_signers))
		return usage_error(c, "--ref, --path, --require-fresh, --allow-unpinned and "
				      "--git-allowed-signers go with --git URL");
	if ((o->git_from || o->git_to || o->inventory) && !is_cmd(o, "diff", NULL, NULL))
		return usage_error(c, "--from, --to and --inventory are for trustform diff");
	if (o->format && !is_cmd(o, "diff", "report", NULL))
		return usage_error(c, "--format is for diff and report");
	if (is_cmd(o, "diff", NULL, NULL) && o->git_url) {
		if (o->git_ref || !o->git_from || !o->git_to)
			return usage_error(c, "diff --git URL takes --from REF and --to REF (not "
					      "--ref): the old and the new branch, tag or commit");
	} else if (is_cmd(o, "diff", NULL, NULL) && (o->git_from || o->git_to)) {
		return usage_error(c, "--from and --to go with --git URL");
	}
	if (o->git_url && !o->git_ref && !is_cmd(o, "diff", NULL, NULL))
		return usage_error(c, "--git needs --ref: the branch, tag or full commit id to "
				      "read");
	if (o->git_url && !o->git_path)
		o->git_path = "trust.yaml";
	if (o->json && !is_cmd(o, "plan", "apply", "show") && !is_cmd(o, "diff", "report", "check"))
		return usage_error(c, "--json is for plan, apply, show, check, diff and report");
	if (o->offline && !is_cmd(o, "plan", NULL, NULL))
		return usage_error(c, "--offline keeps trustplan from connecting to endpoints; "
				      "trustform check always connects");
	if (o->out && !is_cmd(o, "plan", NULL, NULL))
		return usage_error(c, "--out saves a plan: use it with trustplan");
	if ((o->prometheus || o->syslog) && !is_cmd(o, "plan", NULL, NULL))
		return usage_error(c, "--prometheus and --syslog report drift: use them with "
				      "trustplan");
	if (is_cmd(o, "apply", NULL, NULL) && o->nargs == 1 &&
	    (o->config || o->git_url || o->host || *o->root || o->ntargets))
		return usage_error(c, "a saved plan carries its configuration, host, --root and "
				      "--target: give only the plan file (and --lock-timeout, "
				      "--json, --no-color)");
	if (is_cmd(o, "apply", NULL, NULL) && o->json && !o->auto_approve && o->nargs == 0)
		return usage_error(c, "--json cannot ask for confirmation: pass --auto-approve, "
				      "or apply a saved plan (trustplan --out FILE, trustapply "
				      "FILE)");
	return 0;
}

/* The long option a mistyped "--name[=value]" was meant to be, or NULL (also
 * for a known option that lacks its argument). */
static const char *bad_option_suggest(const char *arg)
{
	if (strncmp(arg, "--", 2) != 0)
		return NULL;
	char *name = xstrndup(arg + 2, strcspn(arg + 2, "="));
	struct suggest sg;
	suggest_init(&sg, name);
	bool known = false;
	for (const struct option *lo = long_opts; lo->name; lo++) {
		known |= !strcmp(lo->name, name);
		suggest_offer(&sg, lo->name);
	}
	free(name);
	return known ? NULL : sg.best;
}

int cli_parse(struct options *o, const char *command, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->command = command;
	o->root = "";
	o->timeout_ms = 5000;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:h", long_opts, NULL)) != -1) {
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
			o->root = root_option(optarg);
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
				fprintf(stderr,
					"trustform: --lock-timeout takes seconds, not \"%s\"\n",
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
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_GIT:
			o->git_url = optarg;
			break;
		case OPT_REF:
			o->git_ref = optarg;
			break;
		case OPT_PATH:
			o->git_path = optarg;
			break;
		case OPT_REQUIRE_FRESH:
			o->require_fresh = true;
			break;
		case OPT_ALLOW_UNPINNED:
			o->allow_unpinned = true;
			break;
		case OPT_ALLOWED_SIGNERS:
			o->allowed_signers = optarg;
			break;
		case OPT_OUT:
			o->out = optarg;
			break;
		case OPT_PROMETHEUS:
			o->prometheus = optarg;
			break;
		case OPT_SYSLOG:
			o->syslog = true;
			break;
		case OPT_FROM:
			o->git_from = optarg;
			break;
		case OPT_TO:
			o->git_to = optarg;
			break;
		case OPT_INVENTORY:
			o->inventory = optarg;
			break;
		case OPT_FORMAT:
			o->format = optarg;
			if (!strcmp(optarg, "markdown")) {
				o->markdown = true;
			} else if (!strcmp(optarg, "json")) {
				o->json = true;
			} else if (strcmp(optarg, "text")) {
				fprintf(stderr,
					"trustform %s: --format takes text, markdown or json, "
					"not \"%s\"\n",
					command, optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_OFFLINE:
			o->offline = true;
			break;
		case OPT_TIMEOUT: {
			char *end;
			errno = 0;
			double secs = strtod(optarg, &end);
			if (errno || *end || !(secs > 0) || secs > 600) {
				fprintf(stderr,
					"trustform: --timeout takes seconds (more than 0, at "
					"most 600), not \"%s\"\n",
					optarg);
				return EXIT_USAGE;
			}
			o->timeout_ms = (int)(secs * 1000);
			break;
		}
		case 'h':
			cli_usage(stdout);
			return -1;
		default: {
			const char *bad = argv[optind - 1];
			const char *near = bad_option_suggest(bad);
			if (near)
				fprintf(stderr,
					"trustform %s: unknown option \"%s\"; did you mean "
					"\"--%s\"? (see trustform --help)\n",
					command, bad, near);
			else
				fprintf(stderr,
					"trustform %s: unknown or incomplete option \"%s\"; see "
					"trustform --help\n",
					command, bad);
			return EXIT_USAGE;
		}
		}
	}
	o->args = argv + optind;
	o->nargs = (size_t)(argc - optind);
	if (check_combinations(o) < 0)
		return EXIT_USAGE;
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
