/* Allowed-key tables; see keys.h. */
#include "schema/keys.h"

#include <string.h>

const struct key_spec *key_spec_find(const struct key_spec *spec, const char *name)
{
	for (; spec->name; spec++)
		if (strcmp(spec->name, name) == 0)
			return spec;
	return NULL;
}

int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 32 || lb > 32)
		return 8;
	int prev[33], cur[33];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			int del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(int) * (lb + 1));
	}
	return prev[lb] > 8 ? 8 : prev[lb];
}

void suggest_init(struct suggest *s, const char *name)
{
	s->name = name;
	s->best = NULL;
	s->bestd = 3;
}

void suggest_offer(struct suggest *s, const char *candidate)
{
	int d = edit_distance(candidate, s->name);
	if (d > 0 && d < s->bestd) {
		s->bestd = d;
		s->best = candidate;
	}
}

const char *suggest_word(const char *const *choices, const char *name)
{
	struct suggest sg;
	suggest_init(&sg, name);
	for (; choices && *choices; choices++)
		suggest_offer(&sg, *choices);
	return sg.best;
}

const char *key_spec_suggest(const struct key_spec *spec, const char *name)
{
	struct suggest sg;
	suggest_init(&sg, name);
	for (; spec->name; spec++)
		suggest_offer(&sg, spec->name);
	return sg.best;
}

void key_spec_list(const struct key_spec *spec, struct buf *out)
{
	for (; spec->name; spec++)
		buf_printf(out, "%s%s", out->len ? ", " : "", spec->name);
}

bool key_check(const struct key_spec *spec, const struct ynode *k, const char *where,
	       const char *file, struct diag *d)
{
	if (key_spec_find(spec, k->text))
		return true;
	const char *near = key_spec_suggest(spec, k->text);
	struct buf allowed = BUF_INIT;
	key_spec_list(spec, &allowed);
	if (near)
		diag_add(d, DIAG_ERROR, file, k->line, k->col,
			 "unknown key \"%s\" in %s; did you mean \"%s\"?", k->text, where, near);
	else
		diag_add(d, DIAG_ERROR, file, k->line, k->col,
			 "unknown key \"%s\" in %s; allowed keys: %s", k->text, where, allowed.ptr);
	buf_dispose(&allowed);
	return false;
}
