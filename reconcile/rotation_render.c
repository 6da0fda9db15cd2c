/* The rotations of a host in words (the plan's section, `rotation status`)
 * and as JSON (`rotations`); see rotation.h. */
#include "model/cert.h"
#include "reconcile/rotation.h"
#include "util/text.h"

static const char *chain_word(enum rotation_chain c)
{
	switch (c) {
	case ROT_CHAIN_OLD:
		return "old";
	case ROT_CHAIN_NEW:
		return "new";
	case ROT_CHAIN_UNKNOWN:
		break;
	}
	return "unknown";
}

void rotation_render(FILE *out, const struct rotation_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct rotation *r = &l->items[i];
		fprintf(out, "  rotation \"%s\" -> \"%s\": %s\n", text_disp(r->old->name),
			text_disp(r->new->name), text_disp(r->summary));
		for (size_t j = 0; j < r->nstores; j++) {
			const struct rotation_store *s = &r->stores[j];
			if (s->trusts_new)
				fprintf(out, "      ok     %s: trusts \"%s\"%s\n",
					text_disp(s->title), text_disp(r->new->name),
					s->holds_old ? ", still holds the old CA" : "");
			else
				fprintf(out, "      LACKS  %s: %s\n", text_disp(s->title),
					text_disp(s->why));
		}
		for (size_t j = 0; j < r->neps; j++) {
			const struct rotation_endpoint *e = &r->eps[j];
			if (e->chain == ROT_CHAIN_NEW)
				fprintf(out, "      ok     %s: chains to \"%s\"\n",
					text_disp(e->url), text_disp(r->new->name));
			else if (e->chain == ROT_CHAIN_OLD)
				fprintf(out, "      OLD    %s: chains only to \"%s\"\n",
					text_disp(e->url), text_disp(r->old->name));
			else
				fprintf(out, "      ?      %s: %s\n", text_disp(e->url),
					text_disp(e->why));
		}
		if (r->blocks)
			fprintf(out, "      blocks the next phase: %s\n", text_disp(r->blocks));
		if (r->accepted)
			fprintf(
			    out,
			    "      accepted: \"%s\" lists the break of %s under accept_breaking: "
			    "its removal is not blocked\n",
			    text_disp(r->old->name), text_disp(r->accepted));
		fprintf(out, "      next: %s\n", text_disp(r->next));
	}
}

json_t *rotation_json(const struct rotation_list *l)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < l->n; i++) {
		const struct rotation *r = &l->items[i];
		json_t *o = json_object();
		jtext_set(o, "old", r->old->name);
		jtext_set(o, "new", r->new->name);
		json_object_set_new(o, "old_sha256",
				    r->old->cert ? json_string(r->old->cert->fphex) : json_null());
		json_object_set_new(o, "new_sha256",
				    r->new->cert ? json_string(r->new->cert->fphex) : json_null());
		json_object_set_new(o, "phase", json_string(rotation_phase_name(r->phase)));
		jtext_set(o, "summary", r->summary);
		if (r->blocks)
			jtext_set(o, "blocks", r->blocks);
		else
			json_object_set_new(o, "blocks", json_null());
		jtext_set(o, "next", r->next);
		if (r->accepted)
			jtext_set(o, "accepted_breaks", r->accepted);
		json_t *st = json_array();
		for (size_t j = 0; j < r->nstores; j++) {
			const struct rotation_store *s = &r->stores[j];
			json_t *so = json_object();
			jtext_set(so, "store", s->address);
			json_object_set_new(so, "trusts_new", json_boolean(s->trusts_new));
			json_object_set_new(so, "holds_old", json_boolean(s->holds_old));
			if (s->why)
				jtext_set(so, "why", s->why);
			else
				json_object_set_new(so, "why", json_null());
			json_array_append_new(st, so);
		}
		json_object_set_new(o, "stores", st);
		json_t *eps = json_array();
		for (size_t j = 0; j < r->neps; j++) {
			const struct rotation_endpoint *e = &r->eps[j];
			json_t *eo = json_object();
			jtext_set(eo, "endpoint", e->url);
			json_object_set_new(eo, "chains_to", json_string(chain_word(e->chain)));
			if (e->why)
				jtext_set(eo, "why", e->why);
			else
				json_object_set_new(eo, "why", json_null());
			json_array_append_new(eps, eo);
		}
		json_object_set_new(o, "endpoints", eps);
		json_array_append_new(arr, o);
	}
	return arr;
}
