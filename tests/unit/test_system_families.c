/* The system store's distro families (stores/system/families.c): os-release
 * ID, then ID_LIKE, picks the family's backend; every `distro:` choice is a
 * family; an unknown distribution is none. */
#include "harness.h"
#include "stores/system/families.h"
#include "stores/system/system.h"

#include <string.h>

static const char *backend_of(const char *id, const char *like)
{
	const struct system_family *f = system_family_find(id, like);
	return f ? system_family_backend(f)->name : "(none)";
}

int main(void)
{
	static const struct {
		const char *id, *like, *backend;
	} cases[] = {
	    {"debian", NULL, "debian"},
	    {"ubuntu", "debian", "debian"},
	    {"linuxmint", "ubuntu debian", "debian"},
	    {"fedora", NULL, "rhel"},
	    {"ol", "fedora", "rhel"},
	    {"rocky", "rhel centos fedora", "rhel"},
	    {"arch", NULL, "arch"},
	    {"manjaro", "arch", "arch"},
	    {"opensuse-tumbleweed", "opensuse suse", "suse"},
	    {"sles", NULL, "suse"},
	    {"alpine", NULL, "alpine"},
	    {"gentoo", NULL, "(none)"},
	    {"nixos", "", "(none)"},
	    {"debianish", "debian-like", "(none)"}, /* whole words only */
	    {NULL, "rhel", "rhel"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		CHECK_STR(backend_of(cases[i].id, cases[i].like), cases[i].backend);

	/* the ID wins over ID_LIKE */
	CHECK_STR(backend_of("alpine", "debian"), "alpine");

	/* the anchors families carry their capabilities: a blocklist is distrust */
	const struct system_family *f = system_family_find("fedora", NULL);
	CHECK(f && (system_family_backend(f)->ops & STORE_OP(OP_ADD_DISTRUSTED)));
	CHECK(f && !strcmp(f->anchors.anchors, "/etc/pki/ca-trust/source/anchors"));
	f = system_family_find("alpine", NULL);
	CHECK(f && !(system_family_backend(f)->ops & STORE_OP(OP_ADD_DISTRUSTED)) &&
	      !f->anchors.blocklist);

	/* every value `distro:` accepts is a family */
	const struct store_option *distro = &store_type_system.options[0];
	CHECK_STR(distro->name, "distro");
	for (const char *const *c = distro->choices; *c; c++)
		CHECK_MSG(system_family_find(*c, NULL) != NULL, "distro: %s has no family", *c);
	return test_report();
}
