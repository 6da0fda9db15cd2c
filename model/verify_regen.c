/* Which side of a regenerated CA is new; see verify_regen.h. */
#include "model/verify_regen.h"
#include "util/xalloc.h"

#include <openssl/x509v3.h>

#include <string.h>

static time_t when(const ASN1_TIME *a)
{
	struct tm tm;
	return a && ASN1_TIME_to_tm(a, &tm) == 1 ? timegm(&tm) : 0;
}

static void day(char out[11], time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static bool issued(X509 *ca, X509 *x)
{
	return ca && X509_check_issued(ca, x) == X509_V_OK && X509_cmp(ca, x);
}

/* When the CA that issued top was made, or 0 when it is nowhere to be seen;
 * *export: the command that exports it, when it is Caddy's current root. */
static time_t issuer_made(const struct verify_input *in, X509 *top, const char **export)
{
	*export = NULL;
	if (X509_check_issued(top, top) == X509_V_OK)
		return when(X509_get0_notBefore(top)); /* the server sends its root */
	for (int i = 0; in->served && i < sk_X509_num(in->served); i++) {
		X509 *c = sk_X509_value(in->served, i);
		if (issued(c, top))
			return when(X509_get0_notBefore(c));
	}
	for (size_t i = 0; i < in->nknown; i++) {
		X509 *c = cert_x509_full(in->known[i]);
		bool ok = issued(c, top);
		X509_free(c);
		if (ok) {
			*export = in->known_export ? in->known_export[i] : NULL;
			return in->known[i]->not_before;
		}
	}
	for (size_t i = 0; i < in->nconfig; i++) {
		X509 *c = cert_x509_full(in->config[i].cert);
		bool ok = issued(c, top);
		X509_free(c);
		if (ok)
			return in->config[i].cert->not_before;
	}
	return 0;
}

/* Caddy's current root here is gone itself: the server's chain is the old one. */
static bool known_is(const struct verify_input *in, const struct cert *gone)
{
	for (size_t i = 0; i < in->nknown; i++)
		if (!memcmp(in->known[i]->fp, gone->fp, FP_LEN))
			return true;
	return false;
}

void verify_regenerated(const struct verify_input *in, X509 *top, const char *top_name,
			const struct cert *gone, char **why, char **fix)
{
	const char *export = NULL;
	time_t made = issuer_made(in, top, &export);
	char d_gone[11], d_made[11];
	day(d_gone, gone->not_before);
	day(d_made, made);
	int dir = 0; /* 1: the server's root is newer; -1: older; 0: not known */
	if (made && made != gone->not_before)
		dir = made > gone->not_before ? 1 : -1;
	else if (known_is(in, gone))
		dir = -1;
	else if (when(X509_get0_notBefore(top)) < gone->not_before)
		dir = -1; /* issued before the trusted root existed */
	if (dir > 0) {
		*why =
		    xasprintf("%s is issued by a NEW root of the same name (%s, another key, made "
			      "%s) than the one this store trusts (made %s): the server's CA "
			      "was regenerated, and the clients still hold the old root",
			      top_name, gone->subject, d_made, d_gone);
		*fix = export ? xasprintf("export the new root (%s, or caddy trust), commit it "
					  "beside the configuration in place of the old one, and "
					  "apply; making the server issue again would not help",
					  export)
			      : xstrdup("export the new root (trustform caddy export-root, or "
					"caddy trust), commit it beside the configuration in place "
					"of the old one, and apply; making the server issue again "
					"would not help");
	} else if (dir < 0) {
		*why = xasprintf("%s is not issued by the current %s (same name, another key): the "
				 "server's CA was regenerated and it still serves the OLD root's "
				 "chain, while the configuration has the new root (made %s)",
				 top_name, gone->subject, d_gone);
		*fix = xstrdup("make the server issue again from the current root (for Caddy: "
			       "trustform apply reissues); do not export the server's old root");
	} else {
		*why = xasprintf("%s is not issued by the %s this store trusts (same name, another "
				 "key): one of the two roots was regenerated, and trustform cannot "
				 "tell which one is newer",
				 top_name, gone->subject);
		*fix =
		    xstrdup("if the server's CA was regenerated, export its new root "
			    "(trustform caddy export-root, or caddy trust), commit it and apply; "
			    "if the configuration has the newer root, make the server issue "
			    "again from it (for Caddy: trustform apply reissues)");
	}
}
