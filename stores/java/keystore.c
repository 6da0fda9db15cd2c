/* Java keystores: format detection and the entry list; see keystore.h. */
#include "stores/java/keystore.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int ks_parse(struct keystore *ks, const unsigned char *data, size_t len, const char *shown,
	     const char *pass)
{
	memset(ks, 0, sizeof(*ks));
	if (len >= 4 && !memcmp(data, "\xfe\xed\xfe\xed", 4))
		return ks_jks_parse(ks, data, len, shown, pass);
	if (len >= 4 && !memcmp(data, "\xce\xce\xce\xce", 4)) {
		err_set("%s is a JCEKS keystore, which trustform does not write; convert it "
			"(keytool -importkeystore -deststoretype pkcs12)",
			shown);
		return -1;
	}
	if (len >= 2 && data[0] == 0x30)
		return ks_p12_parse(ks, data, len, shown, pass);
	err_set("%s is not a Java keystore (neither PKCS#12 nor JKS); restore it or point "
		"`path:` at the truststore",
		shown);
	return -1;
}

int ks_serialize(const struct keystore *ks, const char *pass, struct buf *out)
{
	return ks->format == KS_JKS ? ks_jks_serialize(ks, pass, out)
				    : ks_p12_serialize(ks, pass, out);
}

void ks_dispose(struct keystore *ks)
{
	for (size_t i = 0; i < ks->n; i++) {
		free(ks->e[i].alias);
		cert_free(ks->e[i].cert);
		buf_dispose(&ks->e[i].raw);
		PKCS12_SAFEBAG_free(ks->e[i].bag);
	}
	free(ks->e);
	memset(ks, 0, sizeof(*ks));
}

void ks_add_trusted(struct keystore *ks, const char *alias, struct cert *c, int64_t now_ms)
{
	ARRAY_GROW(ks->e, ks->n + 1, ks->alloc);
	struct ks_entry *e = &ks->e[ks->n++];
	memset(e, 0, sizeof(*e));
	buf_init(&e->raw);
	e->alias = xstrdup(alias);
	if (ks->format == KS_JKS) /* the JDK stores JKS aliases in lower case */
		for (char *p = e->alias; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	e->cert = c;
	c->refs++;
	e->date_ms = now_ms;
}
