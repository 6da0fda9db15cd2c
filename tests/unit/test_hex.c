/* Fingerprint parsing: pins are 64 hex digits, colons, spaces and case ignored. */
#include "harness.h"
#include "util/hex.h"

static const struct {
	const char *in;
	int ok;
} cases[] = {
    {"3b8f0a1c9d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8", 1},
    {"3B8F0A1C9D2E3F405162738495A6B7C8D9EAFB0C1D2E3F405162738495A6B7C8", 1},
    {"3B:8F:0A:1C:9D:2E:3F:40:51:62:73:84:95:A6:B7:C8:D9:EA:FB:0C:1D:2E:3F:40:51:62:73:84:95:A6:B7:"
     "C8",
     1},
    {"3b8f 0a1c 9d2e 3f40 5162 7384 95a6 b7c8 d9ea fb0c 1d2e 3f40 5162 7384 95a6 b7c8", 1},
    {"3b8f0a1c9d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c", 0},    /* 63 */
    {"3b8f0a1c9d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8aa", 0}, /* 66 */
    {"3g8f0a1c9d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8", 0},   /* g */
    {"", 0},
    {"sha256:3b8f0a1c9d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8", 0},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		unsigned char fp[FP_LEN];
		CHECK_MSG(fp_parse(fp, cases[i].in) == (cases[i].ok != 0), "case %zu", i);
		if (cases[i].ok) {
			char hex[FP_HEX_LEN + 1];
			hex_encode(hex, fp, FP_LEN);
			CHECK_STR(
			    hex,
			    "3b8f0a1c9d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8");
		}
	}
	return test_report();
}
