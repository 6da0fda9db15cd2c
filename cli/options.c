/* The shared options (SPEC §1), each marked with the group a command takes it
 * by (struct cli_command.shared); and the value checks commands share. */
#include "cli/cli.h"
#include "util/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *strip_trailing_slashes(const char *s)
{
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		n--;
	if (n == 1 && s[0] == '/')
		return xstrdup("");
	return xstrndup(s, n);
}

/* --root as an absolute path without trailing slashes ("" for /): every path
 * under it is built from it, and the root jail (util/rootjail.h) confines the
 * paths that start with it. */
static int set_root(void *v, const char *arg)
{
	struct options *o = v;
	if (!*arg) {
		fprintf(stderr, "trustform: --root needs a directory\n");
		return -1;
	}
	if (*o->root)
		free((char *)o->root);
	char cwd[PATH_MAX];
	if (arg[0] == '/' || !getcwd(cwd, sizeof(cwd))) {
		o->root = strip_trailing_slashes(arg);
		return 0;
	}
	char *abs = xasprintf("%s/%s", strcmp(cwd, "/") ? cwd : "", arg);
	o->root = strip_trailing_slashes(abs);
	free(abs);
	return 0;
}

static int add_target(void *v, const char *arg)
{
	struct options *o = v;
	o->targets = xrealloc(o->targets, (o->ntargets + 1) * sizeof(*o->targets));
	o->targets[o->ntargets++] = (char *)arg;
	return 0;
}

static int set_lock_timeout(void *v, const char *arg)
{
	struct options *o = v;
	return cli_seconds("--lock-timeout", arg, -1, &o->lock_timeout);
}

int cli_seconds(const char *name, const char *arg, double max, double *secs)
{
	char *end;
	errno = 0;
	double s = strtod(arg, &end);
	if (max < 0 && (errno || end == arg || *end || s < 0)) {
		fprintf(stderr, "trustform: %s takes seconds, not \"%s\"\n", name, arg);
		return -1;
	}
	if (max >= 0 && (errno || end == arg || *end || !(s > 0) || s > max)) {
		fprintf(stderr,
			"trustform: %s takes seconds (more than 0, at most %g), not \"%s\"\n", name,
			max, arg);
		return -1;
	}
	*secs = s;
	return 0;
}

int cli_format(const char *command, const char *arg, bool *json, bool *markdown)
{
	if (!strcmp(arg, "markdown")) {
		*markdown = true;
	} else if (!strcmp(arg, "json")) {
		*json = true;
	} else if (strcmp(arg, "text")) {
		fprintf(stderr, "trustform %s: --format takes text, markdown or json, not \"%s\"\n",
			command, arg);
		return -1;
	}
	return 0;
}

#define O(field) offsetof(struct options, field)

const struct cli_opt cli_shared_opts[] = {
    {"config", 'c', "FILE",
     "desired state (default ./trust.yaml, then\n/etc/trustform/trust.yaml under --root)",
     CLI_STRING, O(config), .group = CLI_SH_CONFIG, .complete = "file",
     .doc = "The desired state. Default `./trust.yaml`, then `/etc/trustform/trust.yaml` (under "
	    "`--root` when given)."},
    {"host", 0, "NAME", "act as this host (default: the hostname)", CLI_STRING, O(host),
     .group = CLI_SH_HOST, .complete = "hosts",
     .doc = "Act as this host. Default: `<root>/etc/hostname` under `--root`, else the hostname; "
	    "an FQDN that matches nothing falls back to its short name."},
    {"root", 0, "DIR", "treat DIR as / (image builds, tests)", CLI_PARSE, 0, set_root,
     .group = CLI_SH_ROOT, .complete = "dir",
     .doc = "Treat DIR as `/` (image builds, tests). Messages name paths as they are beneath it "
	    "(`/etc/ssl/certs`), and the header of a plan names DIR once."},
    {"target", 0, "STORE", "limit to this store (repeatable)", CLI_PARSE, 0, add_target,
     .group = CLI_SH_TARGET, .complete = "stores",
     .doc = "Limit to this store (repeatable); it must be a store of the host (`caddy` names the "
	    "`caddy:` section's store on a host with `caddy: true`)."},
    {"lock-timeout", 0, "SECS", "wait this long for another run's lock (default 0)", CLI_PARSE, 0,
     set_lock_timeout, .group = CLI_SH_LOCK, .complete = "",
     .doc = "Wait this long for another run's lock (default 0: fail at once, naming its pid and "
	    "start time)."},
    {"json", 0, NULL, "one JSON document on stdout", CLI_FLAG, O(json), .group = CLI_SH_JSON,
     .doc = "One JSON document on standard output, shaped like `terraform show -json`; messages "
	    "stay on standard error. apply needs `--auto-approve` or a saved plan. The schema is "
	    "`/usr/share/trustform/output.schema.json`."},
    {"no-color", 0, NULL, "no ANSI colour (also NO_COLOR, or not a terminal)", CLI_FLAG,
     O(no_color), .group = CLI_SH_ALL,
     .doc = "No ANSI colour; also with `NO_COLOR` set, or when standard output is not a terminal."},
    {"git", 0, "URL", "a repository (file://, a path, ssh:// or https://)", CLI_STRING, O(git_url),
     .group = CLI_SH_GIT, .heading = "configuration from git", .complete = "",
     .doc = "Take the configuration from a git repository: `file://`, a local path, `ssh://` or "
	    "scp-like user@host:path, or `https://`. A bare clone is cached in "
	    "`/var/cache/trustform/git/`. When the remote cannot be reached, the last fetched "
	    "commit is used with a warning. Every CA must carry a `sha256` pin."},
    {"ref", 0, "REF", "branch, tag or full commit id to read", CLI_STRING, O(git_ref),
     .group = CLI_SH_REF, .complete = "", .doc = "A branch, a tag, or a full commit id to read."},
    {"path", 0, "FILE", "the configuration file inside it (default trust.yaml)", CLI_STRING,
     O(git_path), .group = CLI_SH_GIT, .complete = "file",
     .doc = "The configuration file inside the repository (default `trust.yaml`)."},
    {"require-fresh", 0, NULL,
     "fail when the remote cannot be reached, instead of\nusing the last fetched commit", CLI_FLAG,
     O(require_fresh), .group = CLI_SH_GIT,
     .doc = "Fail when the remote cannot be reached, instead of using the last fetched commit."},
    {"allow-unpinned", 0, NULL, "accept CAs without a sha256 pin from git", CLI_FLAG,
     O(allow_unpinned), .group = CLI_SH_GIT, .doc = "Accept CAs without a `sha256` pin from git."},
    {"git-allowed-signers", 0, "FILE",
     "require a commit signature by a key in FILE (ssh\nallowed_signers, or a GnuPG keyring)",
     CLI_STRING, O(allowed_signers), .group = CLI_SH_GIT, .complete = "file",
     .doc = "The commit read must be signed by a key in FILE (an ssh allowed_signers file, or a "
	    "binary GnuPG keyring)."},
    CLI_OPT_END,
};

bool cli_takes(const struct cli_command *c, const struct cli_opt *o)
{
	if (o >= cli_shared_opts &&
	    o < cli_shared_opts + sizeof(cli_shared_opts) / sizeof(cli_shared_opts[0]))
		return o->group == CLI_SH_ALL || (c->shared & o->group);
	return true; /* one of its own */
}
