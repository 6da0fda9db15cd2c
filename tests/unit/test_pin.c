/* The config's sha256: pin (schema/pin.h): one syntax, and a reason for the
 * rest that tells what to write; a "sha256:" prefix is named as such. */
#include "harness.h"
#include "schema/pin.h"

#include <string.h>

#define HEX "3b8f0a1c9d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8"

int main(void)
{
	unsigned char fp[FP_LEN], want[FP_LEN];
	CHECK(fp_parse(want, HEX));
	CHECK(pin_parse(fp, HEX) == NULL);
	CHECK(!memcmp(fp, want, FP_LEN));
	CHECK(pin_parse(fp, "3B:8F:0A:1C:9D:2E:3F:40:51:62:73:84:95:A6:B7:C8:D9:EA:FB:0C:1D:2E:3F:"
			    "40:51:62:73:84:95:A6:B7:C8") == NULL);
	CHECK(!memcmp(fp, want, FP_LEN));
	const char *why = pin_parse(fp, "sha256:" HEX);
	CHECK(why && strstr(why, "\"sha256:\" prefix"));
	why = pin_parse(fp, "SHA256:" HEX);
	CHECK(why && strstr(why, "\"sha256:\" prefix"));
	why = pin_parse(fp, HEX "aa");
	CHECK(why && strstr(why, "64 hex digits"));
	CHECK(pin_parse(fp, "") != NULL);
	return test_report();
}
