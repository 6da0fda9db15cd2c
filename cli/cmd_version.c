/* `trustform version`: ours and the libraries' versions. */
#include "cli/cli.h"

#include <git2.h>
#include <nss.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <yaml.h>

static int cmd_version(void *o)
{
	int maj, min, rev;
	git_libgit2_version(&maj, &min, &rev);
	printf("trustform %s\n", TRUSTFORM_VERSION);
	printf("OpenSSL   %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
	printf("NSS       %s\n", NSS_GetVersion());
	printf("libyaml   %s\n", yaml_get_version_string());
	printf("libgit2   %d.%d.%d\n", maj, min, rev);
	(void)o;
	return EXIT_OK;
}

const struct cli_command cli_cmd_version = {
    .name = "version",
    .summary = "versions of trustform and its libraries",
    .usage = "usage: trustform version\n"
	     "       trustform --version\n"
	     "  the versions of trustform, OpenSSL, NSS, libyaml and libgit2\n",
    .size = sizeof(struct options),
    .run = cmd_version,
};
