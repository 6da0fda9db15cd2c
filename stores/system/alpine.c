/* System store of Alpine: local CAs in /usr/local/share/ca-certificates, at
 * its top level (Alpine's update-ca-certificates, unlike Debian's, is not
 * trusted here to descend into subdirectories), as <name>.crt files that it
 * links into /etc/ssl/certs and concatenates into ca-certificates.crt. */
#include "stores/system/anchors.h"

static const char *const alpine_extract[] = {"update-ca-certificates", NULL};

static const struct anchors_family alpine = {
    .name = "alpine",
    .anchors = "/usr/local/share/ca-certificates",
    .blocklist = NULL,
    .suffix = ".crt",
    .extract = alpine_extract,
    .extracted = "/etc/ssl/certs/ca-certificates.crt",
};

static int alpine_read(struct store_inst *s, struct trust_set *out)
{
	return anchors_read(&alpine, s, out);
}

static int alpine_apply(struct store_inst *s, struct plan_store *ps)
{
	return anchors_apply(&alpine, s, ps);
}

const struct store_backend store_backend_alpine = {
    .name = "alpine",
    .caps = 0,
    .read = alpine_read,
    .apply = alpine_apply,
};
