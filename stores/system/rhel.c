/* System store of RHEL, Fedora, CentOS, Rocky, Alma, Oracle Linux (p11-kit's
 * ca-trust): anchors and a blocklist under /etc/pki/ca-trust/source. */
#include "stores/system/anchors.h"

static const char *const rhel_extract[] = {"update-ca-trust", "extract", NULL};

static const struct anchors_family rhel = {
    .name = "rhel",
    .anchors = "/etc/pki/ca-trust/source/anchors",
    .blocklist = "/etc/pki/ca-trust/source/blocklist",
    .suffix = ".pem",
    .extract = rhel_extract,
    .extracted = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
};

static int rhel_read(struct store_inst *s, struct trust_set *out)
{
	return anchors_read(&rhel, s, out);
}

static int rhel_apply(struct store_inst *s, struct plan_store *ps)
{
	return anchors_apply(&rhel, s, ps);
}

const struct store_backend store_backend_rhel = {
    .name = "rhel",
    .caps = STORE_CAN_DISTRUST,
    .read = rhel_read,
    .apply = rhel_apply,
};
