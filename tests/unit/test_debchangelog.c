/* ca-certificates' changelog (util/debchangelog.c) and its gzip (util/gunzip.c):
 * the forms the package's entries use, a CA added again after its removal,
 * and the bounds. */
#include "harness.h"
#include "util/debchangelog.h"
#include "util/err.h"
#include "util/gunzip.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char text[] =
    "ca-certificates (20260816+nmu1) unstable; urgency=medium\n"
    "\n"
    "  * Non-maintainer upload.\n"
    "  * Blacklist \"emSign ECC Root CA - G3\" and \"Comodo AAA Services root\"\n"
    "    (Closes: #1151413)\n"
    "\n"
    " -- X <x@example.org>  Tue, 20 Oct 2026 16:40:44 +0200\n"
    "\n"
    "ca-certificates (20260601) unstable; urgency=medium\n"
    "\n"
    "  * Update Mozilla certificate authority bundle to version 2.86\n"
    "    The following certificate authority was added (+):\n"
    "    + Back Again Root\n"
    "    The following certificate authorities were removed (-):\n"
    "    - DigiCert Global Root CA\n"
    "    - \"GlobalSign Root CA - R2\" (expired)\n"
    "    - Baltimore CyberTrust Root (closes: #1121936)\n"
    "    The following certificate authority was renamed (~):\n"
    "    ~ \"OISTE Server Root RSA G1\" (removed leading space)\n"
    "  * Remove ca-certificates-local example (closes: #988912).\n"
    "    - not a CA: a list item outside a removal section\n"
    "\n"
    " -- X <x@example.org>  Mon, 01 Jun 2026 15:39:00 +0200\n"
    "\n"
    "ca-certificates (20260223) unstable; urgency=medium\n"
    "\n"
    "    The following certificate authorities were removed (-):\n"
    "    - Comodo AAA Services root\n"
    "    - Back Again Root\n"
    "\n"
    " -- X <x@example.org>  Mon, 23 Feb 2026 17:46:55 +0100\n";

int main(void)
{
	struct debcl cl;
	debcl_parse(&cl, text, strlen(text));
	CHECK(cl.nversions == 3);
	CHECK_STR(cl.versions[0], "20260816+nmu1");
	const char *v = debcl_removed_in(&cl, "DigiCert Global Root CA");
	CHECK_STR(v ? v : "(null)", "20260601");
	v = debcl_removed_in(&cl, "globalsign root ca - r2"); /* quoted, remark dropped, any case */
	CHECK_STR(v ? v : "(null)", "20260601");
	v = debcl_removed_in(&cl, "Baltimore CyberTrust Root");
	CHECK_STR(v ? v : "(null)", "20260601");
	/* removed, then blacklisted as well: the release that dropped it */
	v = debcl_removed_in(&cl, "Comodo AAA Services root");
	CHECK_STR(v ? v : "(null)", "20260223");
	v = debcl_removed_in(&cl, "emSign ECC Root CA - G3");
	CHECK_STR(v ? v : "(null)", "20260816+nmu1");
	CHECK(debcl_removed_in(&cl, "Back Again Root") == NULL); /* added again since */
	CHECK(debcl_removed_in(&cl, "OISTE Server Root RSA G1") == NULL);
	CHECK(debcl_removed_in(&cl, "not a CA: a list item outside a removal section") == NULL);
	CHECK(debcl_removed_in(&cl, "ISRG Root X1") == NULL);
	debcl_dispose(&cl);

	/* gzip: round trip, the cap, and what is not gzip */
	uLong bound = compressBound(sizeof(text));
	unsigned char *gz = malloc(bound + 32);
	z_stream z = {0};
	CHECK(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = (unsigned char *)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = gz;
	z.avail_out = (uInt)(bound + 32);
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	size_t gzlen = z.total_out;
	deflateEnd(&z);
	struct buf out = BUF_INIT;
	CHECK(gunzip_mem(&out, gz, gzlen, 1 << 20) == 0);
	CHECK(out.len == strlen(text) && !memcmp(out.ptr, text, out.len));
	buf_dispose(&out);
	CHECK(gunzip_mem(&out, gz, gzlen, 100) < 0);
	CHECK(strstr(err_msg(), "inflates to more than 100 bytes") != NULL);
	buf_dispose(&out);
	err_clear();
	CHECK(gunzip_mem(&out, gz, gzlen / 2, 1 << 20) < 0); /* truncated */
	buf_dispose(&out);
	err_clear();
	CHECK(gunzip_mem(&out, text, strlen(text), 1 << 20) < 0);
	CHECK(strstr(err_msg(), "not gzip data") != NULL);
	buf_dispose(&out);
	err_clear();
	free(gz);
	return test_report();
}
