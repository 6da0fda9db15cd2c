/* Caddy's ParseDuration (days rewritten to hours) over Go's time.ParseDuration. */
#include "util/goduration.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	uint64_t ns;
} units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000} /* U+00B5 */,
    {"\xce\xbcs", 1000} /* U+03BC */,
    {"ms", 1000000},
    {"s", 1000000000},
    {"m", 60000000000ULL},
    {"h", 3600000000000ULL},
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Go's time.ParseDuration, exactly: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ or "0". */
static bool go_parse(const char *s, long long *out, const char **why)
{
	bool neg = false;
	uint64_t d = 0;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (!strcmp(s, "0")) {
		*out = 0;
		return true;
	}
	if (!*s) {
		*why = "empty";
		return false;
	}
	while (*s) {
		if (!(*s == '.' || is_digit(*s))) {
			*why = "a number must come first";
			return false;
		}
		uint64_t v = 0, f = 0;
		double scale = 1;
		const char *start = s;
		for (; is_digit(*s); s++) {
			if (v > (UINT64_MAX / 2) / 10) { /* Go: 1<<63 / 10 */
				*why = "the number overflows";
				return false;
			}
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > (uint64_t)1 << 63) {
				*why = "the number overflows";
				return false;
			}
		}
		bool pre = s != start, post = false;
		if (*s == '.') {
			s++;
			bool overflow = false;
			for (start = s; is_digit(*s); s++) {
				if (overflow)
					continue;
				if (f > (UINT64_MAX / 2) / 10) { /* Go: (1<<63 - 1) / 10 */
					overflow = true;	 /* Go ignores the rest */
					continue;
				}
				uint64_t y = f * 10 + (uint64_t)(*s - '0');
				if (y > (uint64_t)1 << 63) {
					overflow = true;
					continue;
				}
				f = y;
				scale *= 10;
			}
			post = s != start;
		}
		if (!pre && !post) {
			*why = "a number has no digits";
			return false;
		}
		size_t ulen = 0;
		while (s[ulen] && s[ulen] != '.' && !is_digit(s[ulen]))
			ulen++;
		if (!ulen) {
			*why = "missing unit";
			return false;
		}
		uint64_t unit = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
			if (strlen(units[i].name) == ulen && !memcmp(s, units[i].name, ulen))
				unit = units[i].ns;
		if (!unit) {
			*why = "unknown unit (ns, us, ms, s, m, h, d)";
			return false;
		}
		s += ulen;
		if (v > ((uint64_t)1 << 63) / unit) {
			*why = "overflows";
			return false;
		}
		v *= unit;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > (uint64_t)1 << 63) {
				*why = "overflows";
				return false;
			}
		}
		d += v;
		if (d > (uint64_t)1 << 63) {
			*why = "overflows";
			return false;
		}
	}
	if (neg) {
		*out = d == (uint64_t)1 << 63 ? INT64_MIN : -(long long)d;
		return true;
	}
	if (d > (uint64_t)INT64_MAX) {
		*why = "overflows";
		return false;
	}
	*out = (long long)d;
	return true;
}

bool go_duration_parse(const char *s, long long *ns, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	if (strlen(s) > 1024) {
		*why = "too long";
		return false;
	}
	/* Caddy: every "<number>d" becomes "<number*24>h", the number being the
	 * run of [0-9.+-] before the d, read as a float. */
	struct buf b = BUF_INIT;
	buf_puts(&b, s);
	size_t num_start = 0;
	bool in_number = false;
	for (size_t i = 0; i < b.len; i++) {
		char ch = b.ptr[i];
		if (ch == 'd') {
			char *num = strndup(b.ptr + num_start, i - num_start), *end;
			double days = strtod(num, &end);
			bool ok = *num && !*end && num[strspn(num, "0123456789.+-")] == '\0';
			free(num);
			if (!ok) {
				*why = "a number must come before d";
				buf_dispose(&b);
				return false;
			}
			char hours[64];
			snprintf(hours, sizeof(hours), "%.17gh", days * 24.0);
			struct buf nb = BUF_INIT;
			buf_add(&nb, b.ptr, num_start);
			buf_puts(&nb, hours);
			buf_puts(&nb, b.ptr + i + 1);
			buf_dispose(&b);
			b = nb;
			i = num_start + strlen(hours) - 1;
			in_number = false;
			continue;
		}
		if (!in_number)
			num_start = i;
		in_number = is_digit(ch) || ch == '.' || ch == '-' || ch == '+';
	}
	bool ok = go_parse(b.ptr ? b.ptr : "", ns, why);
	buf_dispose(&b);
	return ok;
}
