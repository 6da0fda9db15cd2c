/* NSS trust flags and nicknames as both the parent (nss.c) and the child
 * (nss_child_apply.c) say them; see nss_int.h. */
#include "model/model.h"
#include "stores/nss/nss_int.h"

#include <stdbool.h>
#include <string.h>

const char *nss_where(const char *nick)
{
	return nick && *nick ? nick : "(no nickname)";
}

const char *nss_trust_syntax(const char *s)
{
	size_t fields = 1;
	for (const char *p = s; *p; p++) {
		if (*p == ',')
			fields++;
		else if (!strchr("pPcCTw", *p))
			return "use the letters p P c C T w (as certutil -t does)";
	}
	if (fields != 3)
		return "give three comma-separated fields: SSL, S/MIME and code signing, "
		       "as in \"C,,\"";
	return NULL;
}

enum trust_state nss_trust_state(const char *flags)
{
	const char *ssl_end = strchr(flags, ',');
	size_t ssl_len = ssl_end ? (size_t)(ssl_end - flags) : strlen(flags);
	if (memchr(flags, 'C', ssl_len))
		return TS_TRUSTED;
	/* distrusted: every field a terminal record ('p') that trusts nothing */
	bool all_p = true;
	for (const char *f = flags;; f++) {
		size_t n = strcspn(f, ",");
		bool p = memchr(f, 'p', n) != NULL;
		for (size_t i = 0; i < n; i++)
			p = p && !strchr("CTPc", f[i]);
		all_p = all_p && p;
		f += n;
		if (!*f)
			break;
	}
	return all_p ? TS_DISTRUSTED : TS_INERT;
}
