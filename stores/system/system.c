/*
 * The `system` store type: the operating system's own trust, handled by the
 * backend of the distro family found in <root>/etc/os-release (or `distro:`).
 */
#include "stores/system/system.h"
#include "stores/osrelease.h"
#include "stores/store.h"
#include "stores/system/anchors.h"
#include "stores/system/debian.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char *const distro_choices[] = {
    "debian",	 "ubuntu", "rhel",     "fedora", "centos", "rocky",
    "almalinux", "arch",   "opensuse", "sles",	 "alpine", NULL,
};

static const struct store_option system_keys[] = {
    {.name = "distro",
     .kind = OPT_ENUM,
     .choices = distro_choices,
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

enum family { FAM_UNKNOWN, FAM_DEBIAN, FAM_RHEL, FAM_ARCH, FAM_SUSE, FAM_ALPINE };

static bool word_in(const char *words, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = words; p && *p;) {
		while (*p == ' ')
			p++;
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, w, n))
			return true;
		p += len;
	}
	return false;
}

static enum family family_of(const char *id, const char *like)
{
	static const struct {
		const char *name;
		enum family fam;
	} map[] = {
	    {"debian", FAM_DEBIAN},	 {"ubuntu", FAM_DEBIAN},
	    {"rhel", FAM_RHEL},		 {"fedora", FAM_RHEL},
	    {"centos", FAM_RHEL},	 {"rocky", FAM_RHEL},
	    {"almalinux", FAM_RHEL},	 {"ol", FAM_RHEL},
	    {"arch", FAM_ARCH},		 {"opensuse", FAM_SUSE},
	    {"suse", FAM_SUSE},		 {"sles", FAM_SUSE},
	    {"opensuse-leap", FAM_SUSE}, {"opensuse-tumbleweed", FAM_SUSE},
	    {"alpine", FAM_ALPINE},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (id && !strcmp(id, map[i].name))
			return map[i].fam;
	for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (word_in(like, map[i].name))
			return map[i].fam;
	return FAM_UNKNOWN;
}

static int system_open(const struct conf_store *cs, const struct run_ctx *ctx,
		       struct store_open *out)
{
	const char *forced = conf_store_str(cs, "distro");
	struct os_release os = {0};
	char *id;
	enum family fam;
	if (forced) {
		id = xstrdup(forced);
		fam = family_of(forced, NULL);
	} else {
		if (os_release_read(&os, ctx->root) < 0)
			return -1;
		id = xstrdup(os.id);
		fam = family_of(os.id, os.id_like);
	}
	const struct store_backend *be = NULL;
	switch (fam) {
	case FAM_DEBIAN:
		be = &store_backend_debian;
		break;
	case FAM_RHEL:
		be = &store_backend_rhel;
		break;
	case FAM_ARCH:
		be = &store_backend_arch;
		break;
	case FAM_SUSE:
		be = &store_backend_suse;
		break;
	case FAM_ALPINE:
		be = &store_backend_alpine;
		break;
	case FAM_UNKNOWN:
		break;
	}
	if (!be) {
		err_set("distribution \"%s\"%s%s%s is not supported by the system store of this "
			"build (supported: Debian, Ubuntu, RHEL, Fedora, CentOS, Rocky, AlmaLinux, "
			"Arch, openSUSE, SLES, Alpine and distributions like them); set `distro:` "
			"if os-release is wrong",
			id, os.path ? " (from " : "", os.path ? os.path : "", os.path ? ")" : "");
		free(id);
		os_release_dispose(&os);
		return -1;
	}
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
};
