/* `trustform version`: ours and the libraries' versions. */
#include "cli/cli.h"

#include <git2.h>
#include <nss.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <yaml.h>

int cmd_version(struct options *o)
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
