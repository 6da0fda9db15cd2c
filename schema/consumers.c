/* A store's consumers: list; see consumers.h. */
#include "schema/consumers.h"
#include "schema/keys.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const struct key_spec consumer_keys[] = {
    {"unit", true},
    {"on_change", false},
    {NULL, false},
};

const char *consumer_action_name(enum consumer_action a)
{
	return a == CONSUMER_RELOAD ? "reload" : "restart";
}

bool consumer_unit_ok(const char *s)
{
	size_t n = strlen(s), suffix = strlen(".service");
	if (n <= suffix || n > 255 || strcmp(s + n - suffix, ".service"))
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.@\\",
			    *p))
			return false;
	return s[0] != '-';
}

static void one(struct conf_consumers *cs, const char *name, const char *f, const struct ynode *m,
		struct diag *d)
{
	if (m->kind != YNODE_MAP) {
		diag_add(d, DIAG_ERROR, f, m->line, m->col,
			 "store \"%s\": each consumers: item must be a mapping such as "
			 "{unit: caddy.service, on_change: restart}, not %s",
			 name, ykind_name(m->kind));
		return;
	}
	char *where = xasprintf("a consumer of store \"%s\"", name);
	bool ok = true;
	for (size_t i = 0; i < m->n; i++)
		ok &= key_check(consumer_keys, m->keys[i], where, f, d);
	free(where);
	const struct ynode *u = ymap_get(m, "unit"), *a = ymap_get(m, "on_change");
	if (!u) {
		diag_add(d, DIAG_ERROR, f, m->line, m->col,
			 "store \"%s\": a consumer has no unit; add `unit: <name>.service`, the "
			 "systemd service whose processes read the store",
			 name);
		return;
	}
	if (u->kind != YNODE_SCALAR || !consumer_unit_ok(u->text)) {
		diag_add(d, DIAG_ERROR, f, u->line, u->col,
			 "store \"%s\": consumer unit \"%s\" is not a systemd service name; write "
			 "the service's full name, such as caddy.service",
			 name, u->kind == YNODE_SCALAR ? u->text : "");
		return;
	}
	enum consumer_action act = CONSUMER_RESTART;
	if (a) {
		const char *s = a->kind == YNODE_SCALAR ? a->text : "";
		if (!strcmp(s, "reload")) {
			act = CONSUMER_RELOAD;
		} else if (strcmp(s, "restart")) {
			const char *near = edit_distance(s, "restart") <= 2  ? "restart"
					   : edit_distance(s, "reload") <= 2 ? "reload"
									     : NULL;
			if (near)
				diag_add(d, DIAG_ERROR, f, a->line, a->col,
					 "store \"%s\": on_change must be restart or reload, not "
					 "\"%s\"; did you mean \"%s\"?",
					 name, s, near);
			else
				diag_add(d, DIAG_ERROR, f, a->line, a->col,
					 "store \"%s\": on_change must be restart or reload, not "
					 "\"%s\"",
					 name, s);
			return;
		}
	}
	if (!ok)
		return;
	for (size_t i = 0; i < cs->n; i++)
		if (!strcmp(cs->items[i].unit, u->text)) {
			diag_add(d, DIAG_ERROR, f, u->line, u->col,
				 "store \"%s\": consumer %s is listed twice (first at line %d); "
				 "keep one",
				 name, u->text, cs->items[i].pos.line);
			return;
		}
	cs->items = xrealloc(cs->items, (cs->n + 1) * sizeof(*cs->items));
	cs->items[cs->n++] = (struct conf_consumer){
	    .unit = xstrdup(u->text), .on_change = act, .pos = {u->line, u->col}};
}

void conf_consumers_load(struct conf_consumers *out, const char *name, const char *file,
			 const struct ynode *v, struct diag *d)
{
	if (v->kind != YNODE_SEQ) {
		diag_add(d, DIAG_ERROR, file, v->line, v->col,
			 "store \"%s\": consumers must be a list such as "
			 "[{unit: caddy.service, on_change: restart}], not %s",
			 name, ykind_name(v->kind));
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		one(out, name, file, v->items[i], d);
}

void conf_consumers_free(struct conf_consumers *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->items[i].unit);
	free(c->items);
	c->items = NULL;
	c->n = 0;
}
