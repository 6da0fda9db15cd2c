/* The rules of a store's clients applied to its CAs; see clientrules.h. */
#include "reconcile/clientrules.h"
#include "model/strict.h"
#include "stores/pyhost.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define STRICT_CLIENT "Python 3.13+ (ssl's VERIFY_X509_STRICT)"

/* Who reads the store with strict mode, in words, or NULL: nobody. */
static char *strict_reader(const struct conf_store *cs, const char *root)
{
	if (!strcmp(cs->type, "python"))
		return xstrdup("the venv's Python");
	if (strcmp(cs->type, "system") != 0)
		return NULL;
	char *path = NULL;
	int minor = pyhost_minor(root, &path);
	char *who = minor >= 13 ? xasprintf("this host's Python 3.%d (%s)", minor, path) : NULL;
	free(path);
	return who;
}

static bool already_said(const struct trust_set *s, const char *text)
{
	for (size_t i = 0; i < s->nineffective; i++)
		if (!strcmp(s->ineffective[i], text))
			return true;
	return false;
}

static void judge_ca(struct plan_store *ps, const struct conf_ca *ca, const struct config *cfg,
		     const char *who)
{
	struct strict_verdict v;
	err_clear();
	if (strict_judge(ca->cert, &v) < 0 || !v.n)
		return;
	struct buf what = BUF_INIT, fix = BUF_INIT;
	for (size_t i = 0; i < v.n; i++) {
		buf_printf(&what, "%s%s", i ? "; " : "", strict_property(v.codes[i]));
		const char *f = strict_fix(v.codes[i]);
		if (f && !strstr(fix.ptr ? fix.ptr : "", f))
			buf_printf(&fix, " %s", f);
	}
	char *text = xasprintf(
	    "%s:%d:%d: CA \"%s\" (%s) is refused by " STRICT_CLIENT ", which %s uses to read this "
	    "store: %s. Reissue the CA with the same key and subject, adding the missing "
	    "extensions (openssl req -x509 ...%s, or the same in the -extfile of openssl x509 "
	    "-req), and replace %s with it; until then Python's TLS clients refuse every server "
	    "it issued",
	    cfg->path, ca->file_pos.line, ca->file_pos.col, ca->name, ca->file, who, what.ptr,
	    fix.ptr ? fix.ptr : "", ca->file);
	if (!already_said(&ps->actual, text))
		trust_set_ineffective(&ps->actual, "%s", text);
	free(text);
	buf_dispose(&what);
	buf_dispose(&fix);
}

void client_rules_store(struct plan_store *ps, const struct host_store *hs,
			const struct config *cfg, const char *root)
{
	if (!ps->inst || !hs || !hs->ncas)
		return;
	char *who = strict_reader(ps->inst->conf, root ? root : "");
	if (!who)
		return;
	for (size_t i = 0; i < hs->ncas; i++) {
		const struct conf_ca *ca = hs->cas[i];
		if (ca->ensure == ENSURE_PRESENT && ca->cert)
			judge_ca(ps, ca, cfg, who);
	}
	free(who);
}
