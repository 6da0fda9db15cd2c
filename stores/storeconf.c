/* Store options against their type's table; see storeconf.h. */
#include "stores/storeconf.h"
#include "schema/keys.h"
#include "stores/store.h"
#include "stores/storeopt.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void errat(struct diag *d, const struct conf_store *cs, const struct ynode *n,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void errat(struct diag *d, const struct conf_store *cs, const struct ynode *n,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, DIAG_ERROR, cs->config_file, n->line, n->col, NULL, fmt, ap);
	va_end(ap);
}

static const char *scalar(struct diag *d, const struct conf_store *cs, const struct ynode *v,
			  const char *what)
{
	if (v->kind == YNODE_SCALAR)
		return v->text;
	errat(d, cs, v, "%s must be %s, not %s", what, ykind_name(YNODE_SCALAR),
	      ykind_name(v->kind));
	return NULL;
}

static bool one_of(const char *const *choices, const char *s, struct buf *allowed)
{
	bool ok = false;
	for (const char *const *c = choices; *c; c++) {
		ok |= strcmp(*c, s) == 0;
		if (allowed)
			buf_printf(allowed, "%s%s", allowed->len ? ", " : "", *c);
	}
	return ok;
}

/* An unknown list item: the closest choice when it looks like a typo. */
static void list_item_error(struct diag *d, const struct conf_store *cs, const struct ynode *v,
			    const char *what, const char *s, const char *const *choices,
			    const char *allowed)
{
	const char *near = suggest_word(choices, s);
	if (near)
		errat(d, cs, v, "%s: unknown item \"%s\"; did you mean \"%s\"? (one of %s)", what,
		      s, near, allowed);
	else
		errat(d, cs, v, "%s: unknown item \"%s\" (one of %s)", what, s, allowed);
}

static void check_option(struct diag *d, const struct conf_store *cs, const char *what,
			 const struct store_option *opt, const struct ynode *v)
{
	const char *s;
	switch (opt->kind) {
	case OPT_BOOL:
		s = scalar(d, cs, v, what);
		if (s && !(v->plain && (!strcmp(s, "true") || !strcmp(s, "false"))))
			errat(d, cs, v, "%s must be true or false, not \"%s\"", what, s);
		break;
	case OPT_STRING:
		scalar(d, cs, v, what);
		break;
	case OPT_PATH:
		s = scalar(d, cs, v, what);
		if (s && s[0] != '/')
			errat(d, cs, v,
			      "%s must be an absolute path (it is taken under --root "
			      "when given), not \"%s\"",
			      what, s);
		else if (s && strstr(s, "/../"))
			errat(d, cs, v, "%s must not contain \"..\"", what);
		break;
	case OPT_ENUM: {
		s = scalar(d, cs, v, what);
		struct buf allowed = BUF_INIT;
		if (s && !one_of(opt->choices, s, &allowed)) {
			const char *near = suggest_word(opt->choices, s);
			if (near)
				errat(d, cs, v,
				      "%s must be one of %s, not \"%s\"; did you mean \"%s\"?",
				      what, allowed.ptr, s, near);
			else
				errat(d, cs, v, "%s must be one of %s, not \"%s\"", what,
				      allowed.ptr, s);
		}
		buf_dispose(&allowed);
		break;
	}
	case OPT_LIST:
		if (v->kind != YNODE_SEQ) {
			errat(d, cs, v, "%s must be %s, not %s", what, ykind_name(YNODE_SEQ),
			      ykind_name(v->kind));
			break;
		}
		for (size_t i = 0; i < v->n; i++) {
			s = scalar(d, cs, v->items[i], what);
			struct buf allowed = BUF_INIT;
			if (s && opt->choices && !(opt->flags & OPTF_OWN_CHECK) &&
			    !one_of(opt->choices, s, &allowed))
				list_item_error(d, cs, v->items[i], what, s, opt->choices,
						allowed.ptr);
			buf_dispose(&allowed);
		}
		break;
	}
}

/* The registry's types a stores: entry can have, for "known types: …", and
 * the closest to typed (when typed is not NULL). */
static void known_types(struct buf *known, struct suggest *sg, const char *typed)
{
	if (typed)
		suggest_init(sg, typed);
	for (size_t i = 0; store_types[i]; i++) {
		if (store_types[i]->section)
			continue;
		buf_printf(known, "%s%s", known->len ? ", " : "", store_types[i]->name);
		if (typed)
			suggest_offer(sg, store_types[i]->name);
	}
}

void store_conf_check(struct conf_store *cs, struct diag *d)
{
	const struct ynode *v = cs->node;
	struct buf known = BUF_INIT;
	struct suggest sg = {0};
	if (!cs->section && !cs->type) {
		known_types(&known, &sg, NULL);
		errat(d, cs, v,
		      "store \"%s\" has no type; add `type: system` or another of the "
		      "known types: %s",
		      cs->name, known.ptr);
		buf_dispose(&known);
		return;
	}
	const struct store_type *type = store_type_find(cs->type);
	if (type && type->section && !cs->section) {
		errat(d, cs, ymap_get(v, "type"),
		      "store \"%s\": type %s is configured by the top-level `%s:` section, not "
		      "under stores:; move its options there and set `%s: true` in the roles "
		      "of its hosts",
		      cs->name, cs->type, type->section, type->section);
		return;
	}
	if (!type) {
		known_types(&known, &sg, cs->type);
		if (sg.best)
			errat(d, cs, ymap_get(v, "type"),
			      "store \"%s\": unknown store type \"%s\"; did you mean \"%s\"? "
			      "(known types: %s)",
			      cs->name, cs->type, sg.best, known.ptr);
		else
			errat(d, cs, ymap_get(v, "type"),
			      "store \"%s\": unknown store type \"%s\"; "
			      "known types: %s",
			      cs->name, cs->type, known.ptr);
		buf_dispose(&known);
		return;
	}
	cs->store_type = type;
	/* The type's options as a key_spec for the shared unknown-key check; a
	 * stores: entry also has its `type:`. */
	size_t nopts = 0, first = cs->section ? 0 : 1;
	for (const struct store_option *o = type->options; o && o->name; o++)
		nopts++;
	/* a stores: entry also has `consumers:` (schema/consumers.c loads it) */
	struct key_spec *spec = xcalloc(nopts + 3, sizeof(*spec));
	if (!cs->section) {
		spec[0].name = "type";
		spec[nopts + 1].name = "consumers";
	}
	for (size_t i = 0; i < nopts; i++)
		spec[first + i].name = type->options[i].name;
	char *in = cs->section ? xstrdup(cs->name)
			       : xasprintf("store \"%s\" (type %s)", cs->name, cs->type);
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *k = v->keys[i];
		if ((!cs->section && (!strcmp(k->text, "type") || !strcmp(k->text, "consumers"))) ||
		    !key_check(spec, k, in, cs->config_file, d))
			continue;
		const struct key_spec *found = key_spec_find(spec, k->text);
		const struct store_option *opt = &type->options[found - spec - first];
		char *what = cs->section ? xasprintf("%s: %s", cs->name, opt->name)
					 : xasprintf("store \"%s\": %s", cs->name, opt->name);
		check_option(d, cs, what, opt, v->items[i]);
		free(what);
	}
	free(spec);
	for (const struct store_option *o = type->options; o && o->name; o++) {
		if (!o->required || ymap_get(v, o->name))
			continue;
		if (cs->section)
			errat(d, cs, v, "%s: %s is required (%s)", cs->name, o->name,
			      o->help ? o->help : "");
		else
			errat(d, cs, v, "%s is missing the required key \"%s\" (%s)", in, o->name,
			      o->help ? o->help : "");
	}
	free(in);
	if (type->validate)
		type->validate(cs, d);
}
