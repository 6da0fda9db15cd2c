/* Commit signature verification with ssh-keygen and gpgv; see gitsign.h. */
#include "schema/gitsign.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SSH_SIG "-----BEGIN SSH SIGNATURE-----"
#define PGP_SIG "-----BEGIN PGP SIGNATURE-----"

struct tool_run {
	char *dir; /* private temp directory for the signature and payload */
	struct buf out, err;
	int status;   /* exit status, or -1 when it did not run */
	bool missing; /* the tool is not installed */
};

static int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

/* Run argv (util/proc) with stdin from in_path (or /dev/null), its stdout
 * and stderr apart in t->out and t->err. */
static void tool_exec(struct tool_run *t, char *const argv[], const char *in_path)
{
	struct buf in = BUF_INIT;
	char *found = proc_which(argv[0]);
	buf_reset(&t->out);
	buf_reset(&t->err);
	t->status = -1;
	t->missing = !found;
	free(found);
	if (t->missing || (in_path && buf_read_file(&in, in_path) < 0)) {
		buf_dispose(&in);
		return;
	}
	struct proc_opts o = {.argv = (const char *const *)argv,
			      .out = &t->out,
			      .err = &t->err,
			      .stdin_data = in_path ? in.ptr : NULL,
			      .stdin_len = in.len,
			      .timeout_ms = 60000};
	int st = proc_exec(&o);
	if (st < 0)
		buf_puts(&t->err, err_msg());
	t->status = st;
	buf_dispose(&in);
}

/* The tool's own words, on one line, for an error message. */
static const char *tool_says(struct tool_run *t)
{
	struct buf *b = t->err.len ? &t->err : &t->out;
	for (size_t i = 0; i < b->len; i++)
		if (b->ptr[i] == '\n')
			b->ptr[i] = ' ';
	while (b->len && b->ptr[b->len - 1] == ' ')
		buf_truncate(b, b->len - 1);
	return b->len ? b->ptr : "no output";
}

static int verify_ssh(struct tool_run *t, const char *allowed, time_t when, const char *commit,
		      char **signer)
{
	char *sig = xasprintf("%s/sig", t->dir), *data = xasprintf("%s/data", t->dir);
	/* as git does: the commit time, so that a key's valid-after/valid-before
	 * options in allowed_signers apply to when it signed */
	char verify_time[64];
	struct tm tm;
	gmtime_r(&when, &tm);
	strftime(verify_time, sizeof(verify_time), "-Overify-time=%Y%m%d%H%M%SZ", &tm);
	char *find[] = {"ssh-keygen", "-Y", "find-principals", "-f", (char *)allowed,
			"-s",	      sig,  verify_time,       NULL};
	int rc = -1;
	tool_exec(t, find, NULL);
	if (t->missing) {
		err_set("commit %.12s has an SSH signature, and checking it needs ssh-keygen "
			"(Debian package openssh-client), which is not installed",
			commit);
		goto out;
	}
	char *principal = xstrndup(t->out.ptr, strcspn(t->out.ptr, "\n"));
	if (t->status != 0 || !*principal) {
		err_set("commit %.12s is signed by an SSH key that %s does not list as valid for "
			"it (ssh-keygen: %s); add the key to the allowed signers, or check who "
			"pushed it",
			commit, allowed, tool_says(t));
		free(principal);
		goto out;
	}
	char *verify[] = {
	    "ssh-keygen", "-Y",	     "verify", "-n", "git",	  "-f", (char *)allowed,
	    "-I",	  principal, "-s",     sig,  verify_time, NULL};
	tool_exec(t, verify, data);
	if (t->status != 0) {
		err_set("the SSH signature of commit %.12s is not valid for %s (ssh-keygen: %s); "
			"do not trust this commit",
			commit, principal, tool_says(t));
		free(principal);
		goto out;
	}
	*signer = xasprintf("ssh: %s", principal);
	free(principal);
	rc = 0;
out:
	free(sig);
	free(data);
	return rc;
}

static bool is_armored(const char *path)
{
	struct buf b = BUF_INIT;
	bool armored = buf_read_file(&b, path) == 0 && !strncmp(b.ptr, "-----BEGIN PGP", 14);
	buf_dispose(&b);
	return armored;
}

static int verify_pgp(struct tool_run *t, const char *allowed, const char *commit, char **signer)
{
	char *sig = xasprintf("%s/sig", t->dir), *data = xasprintf("%s/data", t->dir);
	/* gpgv looks a keyring without a slash up in ~/.gnupg: give it a path */
	char *keyring = allowed[0] == '/' ? xstrdup(allowed) : xasprintf("./%s", allowed);
	char *argv[] = {"gpgv", "--status-fd", "1", "--keyring", keyring, sig, data, NULL};
	int rc = -1;
	if (is_armored(allowed)) {
		err_set("%s is an ASCII-armored key; gpgv needs a binary keyring: write it with "
			"`gpg --export KEYID > FILE` or `gpg --dearmor %s`",
			allowed, allowed);
		goto out;
	}
	tool_exec(t, argv, NULL);
	if (t->missing) {
		err_set("commit %.12s has an OpenPGP signature, and checking it needs gpgv "
			"(Debian package gpgv), which is not installed",
			commit);
		goto out;
	}
	/* [GNUPG:] VALIDSIG <fingerprint> ... and GOODSIG <keyid> <user id> */
	const char *valid = strstr(t->out.ptr, "[GNUPG:] VALIDSIG ");
	const char *good = strstr(t->out.ptr, "[GNUPG:] GOODSIG ");
	if (t->status != 0 || !valid || !good) {
		err_set("commit %.12s is not signed by a key of %s (gpgv: %s); add the key to the "
			"keyring, or check who pushed it",
			commit, allowed, tool_says(t));
		goto out;
	}
	valid += strlen("[GNUPG:] VALIDSIG ");
	good += strlen("[GNUPG:] GOODSIG ");
	good += strcspn(good, " ");
	good += *good == ' ';
	*signer = xasprintf("gpg: %.*s (%.*s)", (int)strcspn(good, "\n"), good,
			    (int)strcspn(valid, " \n"), valid);
	rc = 0;
out:
	free(keyring);
	free(sig);
	free(data);
	return rc;
}

int gitsign_verify(git_repository *repo, const git_oid *commit, const char *allowed,
		   time_t commit_time, char **signer)
{
	git_buf sig = {0}, data = {0};
	struct tool_run t = {.out = BUF_INIT, .err = BUF_INIT};
	char hex[GIT_OID_HEXSZ + 1];
	char tmpl[] = "/tmp/trustform-sig-XXXXXX";
	const char *tmpdir = getenv("TMPDIR");
	int rc = -1;
	git_oid_tostr(hex, sizeof(hex), commit);
	*signer = NULL;
	if (access(allowed, R_OK) < 0) {
		err_set_errno(errno, "--git-allowed-signers %s", allowed);
		return -1;
	}
	int grc = git_commit_extract_signature(&sig, &data, repo, (git_oid *)commit, NULL);
	if (grc == GIT_ENOTFOUND) {
		err_set("commit %.12s is not signed, and --git-allowed-signers %s requires a "
			"signature by a key it lists; sign the commit (git commit -S)",
			hex, allowed);
		return -1;
	}
	if (grc < 0) {
		const git_error *e = git_error_last();
		err_set("commit %.12s: cannot read its signature: %s", hex,
			e && e->message ? e->message : "unknown libgit2 error");
		return -1;
	}
	t.dir = tmpdir && *tmpdir ? xasprintf("%s/trustform-sig-XXXXXX", tmpdir) : xstrdup(tmpl);
	if (!mkdtemp(t.dir)) {
		err_set_errno(errno, "%s: cannot create a temporary directory", t.dir);
		goto out;
	}
	char *sigp = xasprintf("%s/sig", t.dir), *datap = xasprintf("%s/data", t.dir);
	if (write_file(sigp, sig.ptr, sig.size) < 0 || write_file(datap, data.ptr, data.size) < 0) {
		err_set_errno(errno, "%s: cannot write the signature to check", t.dir);
	} else if (!strncmp(sig.ptr, SSH_SIG, strlen(SSH_SIG))) {
		rc = verify_ssh(&t, allowed, commit_time, hex, signer);
	} else if (!strncmp(sig.ptr, PGP_SIG, strlen(PGP_SIG))) {
		rc = verify_pgp(&t, allowed, hex, signer);
	} else {
		err_set("commit %.12s carries a signature trustform cannot check (neither SSH nor "
			"OpenPGP; X.509 signatures are not supported)",
			hex);
	}
	unlink(sigp);
	unlink(datap);
	rmdir(t.dir);
	free(sigp);
	free(datap);
out:
	free(t.dir);
	buf_dispose(&t.out);
	buf_dispose(&t.err);
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	return rc;
}
