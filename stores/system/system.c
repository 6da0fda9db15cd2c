/*
 * The `system` store type: the operating system's own trust, handled by the
 * backend of the distro family found in <root>/etc/os-release (or `distro:`),
 * looked up in the table of families.c.
 */
#include "stores/system/system.h"
#include "model/clientjudge.h"
#include "stores/osrelease.h"
#include "stores/store.h"
#include "stores/system/families.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const struct store_option system_keys[] = {
    {.name = "distro",
     .kind = OPT_ENUM,
     .choices = system_distro_ids,
     .help = "the distribution, when `<root>/etc/os-release` does not say"},
    {.name = "run_hooks",
     .kind = OPT_BOOL,
     .help = "run the distribution's trust hooks (Debian: `/etc/ca-certificates/update.d`); "
	     "default true, but false under `--root`"},
    {.name = "extract_command",
     .kind = OPT_STRING,
     .help = "RHEL, Arch, SUSE, Alpine: shell command that extracts the bundles after the "
	     "anchors change, instead of the distribution's own (`$TRUSTFORM_ROOT` is the root); "
	     "the only way it runs under `--root`"},
    {0},
};

static const struct store_files_doc system_files[] = {
    {"Debian, Ubuntu",
     "`/usr/local/share/ca-certificates/trustform/<name>-<sha256[:12]>.crt`; `!path` lines "
     "in `/etc/ca-certificates.conf`; `/etc/ssl/certs` (the `<name>.pem` and subject-hash "
     "links, `ca-certificates.crt`) exactly as `update-ca-certificates --fresh` writes "
     "them; then the `/etc/ca-certificates/update.d` hooks run"},
    {"RHEL, Fedora, Arch, SUSE, Alpine",
     "`trustform-<name>-<sha256[:12]>.pem` in the family's anchors directory "
     "(`/etc/pki/ca-trust/source/anchors`, `/etc/ca-certificates/trust-source/anchors`, "
     "`/etc/pki/trust/anchors`; Alpine: `/usr/local/share/ca-certificates`); a copy in the "
     "p11-kit blocklist for `ensure: distrusted`; journals in `/var/lib/trustform/`; then "
     "the distribution's extract command"},
    {0},
};

static int system_open(const struct conf_store *cs, const struct run_ctx *ctx,
		       struct store_open *out)
{
	const char *forced = conf_store_str(cs, "distro");
	struct os_release os = {0};
	char *id;
	const struct system_family *fam;
	if (forced) {
		id = xstrdup(forced);
		fam = system_family_find(forced, NULL);
	} else {
		if (os_release_read(&os, ctx->root) < 0)
			return -1;
		id = xstrdup(os.id);
		fam = system_family_find(os.id, os.id_like);
	}
	if (!fam) {
		struct buf ids = BUF_INIT; /* the families' table says which */
		for (size_t i = 0; system_distro_ids[i]; i++)
			buf_printf(&ids, "%s%s", i ? ", " : "", system_distro_ids[i]);
		err_set("distribution \"%s\"%s%s%s is not supported by the system store of this "
			"build (supported: %s, and distributions like them); set `distro:` if "
			"os-release is wrong",
			id, os.path ? " (from " : "", os.path ? path_shown(os.path) : "",
			os.path ? ")" : "", ids.ptr);
		buf_dispose(&ids);
		free(id);
		os_release_dispose(&os);
		return -1;
	}
	const struct store_backend *be = system_family_backend(fam);
	char *title = xasprintf("%s (%s)", cs->name, be->name);
	struct store_inst *s = store_inst_new(be, cs, ctx, cs->name, title);
	s->target = xstrdup("the system trust store");
	store_open_add(out, s);
	free(title);
	free(id);
	os_release_dispose(&os);
	return 0;
}

const struct store_type store_type_system = {
    .name = "system",
    .summary = "The host's own trust store, through the distribution's tools "
	       "(`update-ca-certificates`, `update-ca-trust`, `trust extract-compat`)",
    .files = system_files,
    .options = system_keys,
    .open = system_open,
    .readers = {.flags = STORE_READ_SYSTEM | STORE_READ_OPENSSL_CHAIN,
		.clients = CLIENT_GO | CLIENT_OPENSSL,
		.how = "the system bundle"},
};
