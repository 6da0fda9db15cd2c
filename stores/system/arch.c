/* System store of Arch Linux (p11-kit): anchors and a blocklist under
 * /etc/ca-certificates/trust-source, extracted by `trust extract-compat`. */
#include "stores/system/anchors.h"

static const char *const arch_extract[] = {"trust", "extract-compat", NULL};

static const struct anchors_family arch = {
    .name = "arch",
    .anchors = "/etc/ca-certificates/trust-source/anchors",
    .blocklist = "/etc/ca-certificates/trust-source/blocklist",
    .suffix = ".pem",
    .extract = arch_extract,
    .extracted = "/etc/ca-certificates/extracted/tls-ca-bundle.pem",
};

static int arch_read(struct store_inst *s, struct trust_set *out)
{
	return anchors_read(&arch, s, out);
}

static int arch_apply(struct store_inst *s, struct plan_store *ps)
{
	return anchors_apply(&arch, s, ps);
}

const struct store_backend store_backend_arch = {
    .name = "arch",
    .caps = STORE_CAN_DISTRUST,
    .read = arch_read,
    .apply = arch_apply,
};
