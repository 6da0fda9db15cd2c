/*
 * A CA's `replaces: <CA>`: the CA it takes over from in a staged rotation
 * (reconcile/rotation.h judges the phases). One rotation is one pair, old to
 * new: the old CA must be another CA of cas:, the new one present, and
 * neither end of the pair may be in a second pair (no chain a → b → c, no
 * cycle, no two CAs replacing one).
 */
#include "schema/config_int.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

void lc_load_replaces(struct loadctx *lc, struct conf_ca *ca, const struct ynode *n)
{
	const char *name = n ? lc_expect_scalar(lc, n, "replaces") : NULL;
	if (!name)
		return;
	ca->replaces = xstrdup(name);
	ca->replaces_node = n;
}

/* A CA that replaces, or is replaced by, another CA than ca. */
static const struct conf_ca *other_pair(const struct config *cfg, const struct conf_ca *ca,
					const struct conf_ca *old)
{
	for (size_t i = 0; i < cfg->ncas; i++) {
		const struct conf_ca *c = &cfg->cas[i];
		if (c != ca && c->replaces && !strcmp(c->replaces, old->name))
			return c;
	}
	return NULL;
}

static void check_one(struct loadctx *lc, struct conf_ca *ca, const char **names)
{
	const struct config *cfg = lc->cfg;
	const struct ynode *n = ca->replaces_node;
	if (!strcmp(ca->replaces, ca->name)) {
		lc_error_at(lc, n,
			    "CA \"%s\" replaces itself; name the CA of cas: it takes over from "
			    "(the old root), or delete replaces:",
			    ca->name);
		return;
	}
	long idx = lc_find_ca_idx(cfg, ca->replaces);
	if (idx < 0) {
		const char *near = suggest_word(names, ca->replaces);
		if (near)
			lc_error_at(lc, n,
				    "CA \"%s\" replaces \"%s\", which is not a CA of cas:; did "
				    "you mean \"%s\"?",
				    ca->name, ca->replaces, near);
		else
			lc_error_at(lc, n,
				    "CA \"%s\" replaces \"%s\", which is not a CA of cas:; keep "
				    "the old CA under cas: (ensure: absent once it is retired) "
				    "and name it here",
				    ca->name, ca->replaces);
		return;
	}
	const struct conf_ca *old = &cfg->cas[idx];
	bool ok = true;
	if (ca->ensure != ENSURE_PRESENT) {
		lc_error_at(lc, n,
			    "CA \"%s\" replaces \"%s\" but is ensure: %s; the new CA of a "
			    "rotation is the one rolled out: make it present, or delete "
			    "replaces:",
			    ca->name, old->name,
			    ca->ensure == ENSURE_ABSENT ? "absent" : "distrusted");
		ok = false;
	}
	if (old->replaces) {
		lc_error_at(lc, n,
			    "CA \"%s\" replaces \"%s\", which itself replaces \"%s\": a "
			    "rotation goes from one CA to one other; finish the rotation "
			    "\"%s\" → \"%s\" first (retire it, then delete its replaces:)",
			    ca->name, old->name, old->replaces, old->replaces, old->name);
		ok = false;
	}
	const struct conf_ca *twin = other_pair(cfg, ca, old);
	if (twin && twin < ca) {
		lc_error_at(lc, n,
			    "CA \"%s\" and CA \"%s\" both replace \"%s\"; a CA is replaced by "
			    "one other: delete replaces: from one of them",
			    twin->name, ca->name, old->name);
		ok = false;
	}
	if (ok)
		ca->replaced = old;
}

void lc_check_replaces(struct loadctx *lc)
{
	struct config *cfg = lc->cfg;
	const char **names = xcalloc(cfg->ncas + 1, sizeof(*names));
	for (size_t i = 0; i < cfg->ncas; i++)
		names[i] = cfg->cas[i].name;
	for (size_t i = 0; i < cfg->ncas; i++)
		if (cfg->cas[i].replaces)
			check_one(lc, &cfg->cas[i], names);
	free(names);
}
