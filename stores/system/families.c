/* The distro families of the system store; see families.h. */
#include "stores/system/families.h"
#include "stores/system/debian.h"

#include <stddef.h>
#include <string.h>

static int anchors_backend_read(struct store_inst *s, struct trust_set *out);
static const struct store_file_kind anchors_file_kind;

/* A family of the anchors backend: its name (titles, the read cache's key) and
 * the operations beyond the CAs' own: with a blocklist it can hold a
 * distrusted certificate (BLOCKLIST_OPS). */
#define BLOCKLIST_OPS (STORE_OP(OP_ADD_DISTRUSTED) | STORE_OP(OP_DISTRUST))
#define ANCHORS_BACKEND(fam_name, fam_ops)                                                         \
	{                                                                                          \
		.name = fam_name, .ops = STORE_OPS_CA | STORE_OP(OP_REFRESH) | (fam_ops),          \
		.read = anchors_backend_read, .file = &anchors_file_kind, .free = anchors_free,    \
	}

/* The os-release IDs of each family; together, the choices of `distro:`. */
#define DEBIAN_IDS "debian", "ubuntu"
#define RHEL_IDS   "rhel", "fedora", "centos", "rocky", "almalinux", "ol"
#define ARCH_IDS   "arch"
#define SUSE_IDS   "opensuse", "suse", "sles", "opensuse-leap", "opensuse-tumbleweed"
#define ALPINE_IDS "alpine"
static const char *const debian_ids[] = {DEBIAN_IDS, NULL};
static const char *const rhel_ids[] = {RHEL_IDS, NULL};
static const char *const arch_ids[] = {ARCH_IDS, NULL};
static const char *const suse_ids[] = {SUSE_IDS, NULL};
static const char *const alpine_ids[] = {ALPINE_IDS, NULL};
const char *const system_distro_ids[] = {DEBIAN_IDS, RHEL_IDS,	 ARCH_IDS,
					 SUSE_IDS,   ALPINE_IDS, NULL};

static const char *const rhel_extract[] = {"update-ca-trust", "extract", NULL};
static const char *const arch_extract[] = {"trust", "extract-compat", NULL};
static const char *const update_ca_certificates[] = {"update-ca-certificates", NULL};

const struct system_family system_families[] = {
    /* Debian, Ubuntu: ca-certificates (debian.c) */
    {.ids = debian_ids, .backend = &store_backend_debian},
    /* RHEL, Fedora, CentOS, Rocky, Alma, Oracle Linux: p11-kit's ca-trust */
    {.ids = rhel_ids,
     .anchors_backend = ANCHORS_BACKEND("rhel", BLOCKLIST_OPS),
     .anchors =
	 {
	     .name = "rhel",
	     .anchors = "/etc/pki/ca-trust/source/anchors",
	     .blocklist = "/etc/pki/ca-trust/source/blocklist",
	     .suffix = ".pem",
	     .extract = rhel_extract,
	     .extracted = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	 }},
    /* Arch Linux (p11-kit): trust-source, extracted by `trust extract-compat` */
    {.ids = arch_ids,
     .anchors_backend = ANCHORS_BACKEND("arch", BLOCKLIST_OPS),
     .anchors =
	 {
	     .name = "arch",
	     .anchors = "/etc/ca-certificates/trust-source/anchors",
	     .blocklist = "/etc/ca-certificates/trust-source/blocklist",
	     .suffix = ".pem",
	     .extract = arch_extract,
	     .extracted = "/etc/ca-certificates/extracted/tls-ca-bundle.pem",
	 }},
    /* openSUSE, SLES (p11-kit): extracted by SUSE's own update-ca-certificates */
    {.ids = suse_ids,
     .anchors_backend = ANCHORS_BACKEND("suse", BLOCKLIST_OPS),
     .anchors =
	 {
	     .name = "suse",
	     .anchors = "/etc/pki/trust/anchors",
	     .blocklist = "/etc/pki/trust/blacklist",
	     .suffix = ".pem",
	     .extract = update_ca_certificates,
	     .extracted = "/var/lib/ca-certificates/ca-bundle.pem",
	 }},
    /* Alpine: <name>.crt at the top of /usr/local/share/ca-certificates (its
     * update-ca-certificates, unlike Debian's, is not trusted here to descend
     * into subdirectories), linked into /etc/ssl/certs and concatenated */
    {.ids = alpine_ids,
     .anchors_backend = ANCHORS_BACKEND("alpine", 0),
     .anchors =
	 {
	     .name = "alpine",
	     .anchors = "/usr/local/share/ca-certificates",
	     .blocklist = NULL,
	     .suffix = ".crt",
	     .extract = update_ca_certificates,
	     .extracted = "/etc/ssl/certs/ca-certificates.crt",
	 }},
    {.ids = NULL},
};

/* The anchors family whose backend s runs. */
static const struct anchors_family *anchors_of(const struct store_inst *s)
{
	for (const struct system_family *f = system_families; f->ids; f++)
		if (s->backend == &f->anchors_backend)
			return &f->anchors;
	return NULL;
}

static int anchors_backend_read(struct store_inst *s, struct trust_set *out)
{
	return anchors_read(anchors_of(s), s, out);
}

static int anchors_backend_files(struct store_inst *s, struct store_files *fs)
{
	return anchors_files(anchors_of(s), s, fs);
}

static int anchors_backend_render(struct store_inst *s, struct plan_store *ps,
				  struct store_files *fs)
{
	return anchors_render(anchors_of(s), s, ps, fs);
}

static int anchors_backend_changed(struct store_inst *s, struct plan_store *ps)
{
	return anchors_changed(anchors_of(s), s, ps);
}

static const struct store_file_kind anchors_file_kind = {
    .files = anchors_backend_files,
    .render = anchors_backend_render,
    .changed = anchors_backend_changed,
};

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

const struct system_family *system_family_find(const char *id, const char *like)
{
	for (const struct system_family *f = system_families; id && f->ids; f++)
		for (const char *const *i = f->ids; *i; i++)
			if (!strcmp(id, *i))
				return f;
	for (const struct system_family *f = system_families; f->ids; f++)
		for (const char *const *i = f->ids; *i; i++)
			if (word_in(like, *i))
				return f;
	return NULL;
}

const struct store_backend *system_family_backend(const struct system_family *f)
{
	return f->backend ? f->backend : &f->anchors_backend;
}
