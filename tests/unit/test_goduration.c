/*
 * util/goduration: Caddy's ParseDuration over Go's time.ParseDuration, row by
 * row (the rows follow Go's time/time_test.go parseDurationTests and Caddy's
 * caddy_test.go). e2e/host/duration checks the same strings against the real
 * Caddy 2.11.
 */
#include "harness.h"
#include "util/goduration.h"

#include <stdbool.h>

#define NS 1LL
#define US (1000 * NS)
#define MS (1000 * US)
#define S  (1000 * MS)
#define M  (60 * S)
#define H  (60 * M)

static const struct {
	const char *s;
	bool ok;
	long long ns;
} rows[] = {
    /* Go: simple, signs, zero */
    {"0", true, 0},
    {"5s", true, 5 * S},
    {"30s", true, 30 * S},
    {"1478s", true, 1478 * S},
    {"-5s", true, -5 * S},
    {"+5s", true, 5 * S},
    {"-0", true, 0},
    {"+0", true, 0},
    {"+5h", true, 5 * H},
    /* Go: decimals */
    {"5.0s", true, 5 * S},
    {"5.6s", true, 5 * S + 600 * MS},
    {"5.s", true, 5 * S},
    {".5s", true, 500 * MS},
    {"1.0s", true, 1 * S},
    {"1.00s", true, 1 * S},
    {"1.004s", true, 1 * S + 4 * MS},
    {"100.00100s", true, 100 * S + 1 * MS},
    /* Go: units */
    {"10ns", true, 10},
    {"11us", true, 11 * US},
    {"12\xc2\xb5s", true, 12 * US},
    {"12\xce\xbcs", true, 12 * US},
    {"13ms", true, 13 * MS},
    {"14s", true, 14 * S},
    {"15m", true, 15 * M},
    {"16h", true, 16 * H},
    /* Go: composites */
    {"3h30m", true, 3 * H + 30 * M},
    {"10.5s4m", true, 4 * M + 10 * S + 500 * MS},
    {"-2m3.4s", true, -(2 * M + 3 * S + 400 * MS)},
    {"1h2m3s4ms5us6ns", true, 1 * H + 2 * M + 3 * S + 4 * MS + 5 * US + 6 * NS},
    {"39h9m14.425s", true, 39 * H + 9 * M + 14 * S + 425 * MS},
    /* Go: large, and the largest */
    {"52763797000ns", true, 52763797000},
    {"0.3333333333333333333h", true, 20 * M},
    {"9007199254740993ns", true, 9007199254740993LL},
    {"9223372036854775807ns", true, 9223372036854775807LL},
    {"9223372036854775.807us", true, 9223372036854775807LL},
    {"9223372036s854ms775us807ns", true, 9223372036854775807LL},
    {"-9223372036854775808ns", true, (-9223372036854775807LL - 1)},
    {"0.100000000000000000000h", true, 6 * M},
    {"0.830103483285477580700h", true, 49 * M + 48 * S + 372539827 * NS},
    /* Go: errors */
    {"", false, 0},
    {"3", false, 0},
    {"-", false, 0},
    {"s", false, 0},
    {".", false, 0},
    {"-.", false, 0},
    {".s", false, 0},
    {"+.s", false, 0},
    {"1d", true, 24 * H}, /* Caddy's unit */
    {"\x85\x85", false, 0},
    {"\xff"
     "ff",
     false, 0},
    {"hello \xff"
     "ff world",
     false, 0},
    {"9223372036854775810ns", false, 0},
    {"9223372036854775808ns", false, 0},
    {"-9223372036854775809ns", false, 0},
    {"9223372036854776us", false, 0},
    {"3000000h", false, 0},
    {"1..5h", false, 0},
    {"1h30", false, 0},
    {"5hours", false, 0},
    {"5 h", false, 0},
    {" 5h", false, 0},
    /* Caddy: days */
    {"1825d", true, 43800 * H},
    {"0.5d", true, 12 * H},
    {"1.5d", true, 36 * H},
    {"2d12h", true, 60 * H},
    {"1h1d", true, 25 * H},
    {"-1d", true, -24 * H},
    {"+1d", true, 24 * H},
    {"0d", true, 0},
    {"d", false, 0},
    {"hd", false, 0},
    {"1hd", false, 0},
    {"1.2.3d", false, 0},
    {"1d2d", true, 72 * H},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		long long ns = -7;
		const char *why = NULL;
		bool ok = go_duration_parse(rows[i].s, &ns, &why);
		CHECK_MSG(ok == rows[i].ok, "\"%s\": parsed %d, want %d (%s)", rows[i].s, ok,
			  rows[i].ok, why ? why : "");
		if (ok && rows[i].ok)
			CHECK_MSG(ns == rows[i].ns, "\"%s\": %lld ns, want %lld", rows[i].s, ns,
				  rows[i].ns);
		if (!ok)
			CHECK_MSG(why && *why, "\"%s\": no reason", rows[i].s);
	}
	return test_report();
}
