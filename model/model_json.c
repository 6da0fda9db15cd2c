/* The model in JSON; see model_json.h. */
#include "model/model_json.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? xstrdup(s) : NULL;
}

json_t *trust_entry_json(const struct trust_entry *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "sha256", json_string(e->fphex));
	jtext_set(o, "label", e->label);
	json_object_set_new(o, "owned", json_boolean(e->owned));
	json_object_set_new(o, "state", json_string(trust_state_name(e->state)));
	json_object_set_new(o, "flags", str_or_null(e->flags));
	jtext_set(o, "where", e->where);
	jtext_set(o, "subject", e->subject);
	json_object_set_new(o, "not_after", json_integer((json_int_t)e->not_after));
	json_object_set_new(o, "siblings", json_integer((json_int_t)e->siblings));
	json_object_set_new(o, "fixed", json_boolean(e->fixed));
	json_object_set_new(o, "can_distrust", json_boolean(e->can_distrust));
	return o;
}

static int parse_state(const char *s, enum trust_state *out)
{
	static const enum trust_state all[] = {TS_TRUSTED, TS_DISTRUSTED, TS_INERT};
	for (size_t i = 0; s && i < 3; i++)
		if (!strcmp(trust_state_name(all[i]), s)) {
			*out = all[i];
			return 0;
		}
	return -1;
}

int trust_entry_from_json(json_t *o, struct trust_entry *e)
{
	unsigned char fp[FP_LEN];
	const char *fphex = json_string_value(json_object_get(o, "sha256"));
	char *label = jtext_get(o, "label");
	char *where = jtext_get(o, "where");
	enum trust_state st;
	if (!fphex || !fp_parse(fp, fphex) || !label || !where ||
	    parse_state(json_string_value(json_object_get(o, "state")), &st) < 0) {
		free(label);
		free(where);
		return -1;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->fp, fp, FP_LEN);
	hex_encode(e->fphex, fp, FP_LEN);
	e->label = label;
	e->where = where;
	e->owned = json_is_true(json_object_get(o, "owned"));
	e->state = st;
	e->flags = dup_str(o, "flags");
	e->subject = jtext_get(o, "subject");
	e->not_after = (time_t)json_integer_value(json_object_get(o, "not_after"));
	e->siblings = (size_t)json_integer_value(json_object_get(o, "siblings"));
	e->fixed = json_is_true(json_object_get(o, "fixed"));
	e->can_distrust = json_is_true(json_object_get(o, "can_distrust"));
	return 0;
}

json_t *trust_set_json(const struct trust_set *s)
{
	json_t *o = json_object(), *items = json_array(), *notes = json_array();
	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(items, trust_entry_json(&s->items[i]));
	for (size_t i = 0; i < s->nnotes; i++)
		json_array_append_new(notes, jtext_new(s->notes[i]));
	json_object_set_new(o, "entries", items);
	json_object_set_new(o, "stale", str_or_null(s->stale));
	json_object_set_new(o, "after", str_or_null(s->after));
	json_object_set_new(o, "notes", notes);
	return o;
}

int trust_set_from_json(json_t *o, struct trust_set *out)
{
	json_t *items = json_object_get(o, "entries"), *notes = json_object_get(o, "notes"), *v;
	size_t i;
	if (!json_is_array(items) || !json_is_array(notes))
		return -1;
	trust_set_init(out);
	json_array_foreach(items, i, v)
	{
		struct trust_entry e;
		if (trust_entry_from_json(v, &e) < 0) {
			trust_set_dispose(out);
			return -1;
		}
		ARRAY_GROW(out->items, out->n + 1, out->alloc);
		out->items[out->n++] = e;
	}
	json_array_foreach(notes, i, v)
	{
		if (json_is_string(v))
			trust_set_note(out, "%s", json_string_value(v));
	}
	out->stale = dup_str(o, "stale");
	out->after = dup_str(o, "after");
	return 0;
}
