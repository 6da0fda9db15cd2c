/* System store of openSUSE and SLES (p11-kit): anchors and a blacklist under
 * /etc/pki/trust, extracted by SUSE's own update-ca-certificates. */
#include "stores/system/anchors.h"

static const char *const suse_extract[] = {"update-ca-certificates", NULL};

static const struct anchors_family suse = {
    .name = "suse",
    .anchors = "/etc/pki/trust/anchors",
    .blocklist = "/etc/pki/trust/blacklist",
    .suffix = ".pem",
    .extract = suse_extract,
    .extracted = "/var/lib/ca-certificates/ca-bundle.pem",
};

static int suse_read(struct store_inst *s, struct trust_set *out)
{
	return anchors_read(&suse, s, out);
}

static int suse_apply(struct store_inst *s, struct plan_store *ps)
{
	return anchors_apply(&suse, s, ps);
}

const struct store_backend store_backend_suse = {
    .name = "suse",
    .caps = STORE_CAN_DISTRUST,
    .read = suse_read,
    .apply = suse_apply,
};
