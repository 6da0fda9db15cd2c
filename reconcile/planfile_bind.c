/*
 * Saved plans bound to what decided them, beyond the configuration's digest:
 * the machine (its host name and <root>/etc/machine-id), the commit the git
 * ref pointed to, and the signer policy (--git-allowed-signers, by its
 * file's SHA-256). Apply re-resolves the ref and refuses, naming the field,
 * when any of them differs; see planfile.h.
 */
#include "reconcile/planfile.h"
#include "schema/gitsource.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#define SIGNERS_MAX (1u << 20)

void planfile_machine(struct planfile_machine *m, const char *root)
{
	struct utsname u;
	memset(m, 0, sizeof(*m));
	m->hostname = xstrdup(uname(&u) == 0 ? u.nodename : "");
	char *h = root_resolve_host(root, "/etc/machine-id");
	struct buf b = BUF_INIT;
	if (h && buf_read_file_max(&b, h, 256) == 0) {
		size_t n = strspn(b.ptr, "0123456789abcdef");
		if (n == 32)
			m->machine_id = xstrndup(b.ptr, n);
	}
	err_clear(); /* no machine id (an image without one): the host name binds it */
	buf_dispose(&b);
	free(h);
}

void planfile_machine_dispose(struct planfile_machine *m)
{
	free(m->hostname);
	free(m->machine_id);
	memset(m, 0, sizeof(*m));
}

int planfile_file_sha256(char out[FP_HEX_LEN + 1], const char *path)
{
	struct buf b = BUF_INIT;
	if (buf_read_file_max(&b, path, SIGNERS_MAX) < 0) {
		err_set_errno(errno, "%s: cannot read the signer policy (--git-allowed-signers)",
			      path);
		buf_dispose(&b);
		return -1;
	}
	sha256_hex(out, b.ptr, b.len);
	buf_dispose(&b);
	return 0;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int planfile_check_signers(const struct saved_plan *sp)
{
	if (!sp->signers_path)
		return 0;
	char now[FP_HEX_LEN + 1];
	if (planfile_file_sha256(now, sp->signers_path) < 0) {
		err_prefix("%s: cannot apply the saved plan", sp->path);
		return -1;
	}
	if (!same(now, sp->signers_sha256)) {
		err_set("%s: refused: allowed_signers differs: the signer policy %s has SHA-256 "
			"%s now, and %s when the plan was made; make a new plan with the policy "
			"in force",
			sp->path, sp->signers_path, now,
			sp->signers_sha256 ? sp->signers_sha256 : "none");
		return -1;
	}
	return 0;
}

int planfile_check_origin(const struct saved_plan *sp, const struct git_checkout *g,
			  const char *root)
{
	struct planfile_machine m;
	planfile_machine(&m, root);
	int rc = -1;
	if (!same(m.hostname, sp->machine.hostname)) {
		err_set("%s: refused: machine.hostname differs: the plan was made on \"%s\", "
			"this is \"%s\"; make the plan on the machine it is for",
			sp->path, sp->machine.hostname ? sp->machine.hostname : "?", m.hostname);
		goto out;
	}
	if (!same(m.machine_id, sp->machine.machine_id)) {
		err_set("%s: refused: machine.machine_id differs: the plan was made for "
			"machine-id %s, %s/etc/machine-id is %s; make the plan on the machine it "
			"is for",
			sp->path, sp->machine.machine_id ? sp->machine.machine_id : "(none)",
			*root ? root : "", m.machine_id ? m.machine_id : "(none)");
		goto out;
	}
	if (g && strcmp(g->commit, sp->git_commit) != 0) {
		err_set("Saved plan is stale: configuration.commit differs: ref \"%s\" of %s "
			"points to %s now, and the plan was made from %s; make a new plan with "
			"trustplan --out FILE and review it",
			sp->git_ref ? sp->git_ref : "?", sp->git_url, g->commit, sp->git_commit);
		goto out;
	}
	rc = 0;
out:
	planfile_machine_dispose(&m);
	return rc;
}
