/* The rotations in `trustform report`: each host's phase of each rotation, as
 * its plan said it (format 1.3: rotations); see report.h. */
#include "reconcile/report.h"
#include "util/mdtext.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdlib.h>

static char *dup_at(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

void report_read_rotations(struct report_host *h, const json_t *plan_doc)
{
	const json_t *arr = json_object_get(plan_doc, "rotations");
	size_t i;
	const json_t *v;
	if (!json_is_array(arr) || !json_array_size(arr))
		return;
	h->rotations = xcalloc(json_array_size(arr), sizeof(*h->rotations));
	json_array_foreach(arr, i, v)
	{
		if (!json_is_object(v))
			continue;
		struct report_rotation *r = &h->rotations[h->nrotations++];
		r->old = dup_at(v, "old");
		r->new = dup_at(v, "new");
		r->phase = dup_at(v, "phase");
		r->summary = dup_at(v, "summary");
		r->blocks = dup_at(v, "blocks");
		r->accepted = dup_at(v, "accepted_breaks");
		if (!r->old)
			r->old = xstrdup("?");
		if (!r->new)
			r->new = xstrdup("?");
		if (!r->phase)
			r->phase = xstrdup("?");
		if (!r->summary)
			r->summary = xstrdup(r->phase);
	}
}

void report_rotations_text(FILE *out, const struct report_host *h)
{
	for (size_t i = 0; i < h->nrotations; i++) {
		const struct report_rotation *r = &h->rotations[i];
		fprintf(out, "  rotation \"%s\"", text_disp(r->old));
		fprintf(out, " -> \"%s\": %s\n", text_disp(r->new), text_disp(r->summary));
		if (r->blocks)
			fprintf(out, "      blocks the next phase: %s\n", text_disp(r->blocks));
		if (r->accepted)
			fprintf(out, "      accepted (accept_breaking): %s\n",
				text_disp(r->accepted));
	}
}

void report_rotations_markdown(FILE *out, const struct report *rep)
{
	bool any = false;
	for (size_t i = 0; i < rep->nhosts && !any; i++)
		any = rep->hosts[i].nrotations > 0;
	if (!any)
		return;
	fputs("\n#### Rotations\n\n| host | rotation | phase | blocks the next phase |\n"
	      "|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < rep->nhosts; i++) {
		const struct report_host *h = &rep->hosts[i];
		for (size_t j = 0; j < h->nrotations; j++) {
			const struct report_rotation *r = &h->rotations[j];
			fprintf(out, "| %s ", md_code(h->host, true));
			fprintf(out, "| %s → ", md_code(r->old, true));
			fprintf(out, "%s ", md_code(r->new, true));
			fprintf(out, "| %s ", md_text(r->summary));
			fprintf(out, "| %s", r->blocks ? md_text(r->blocks) : "");
			if (r->accepted)
				fprintf(out, " (accepted: %s)", md_text(r->accepted));
			fputs(" |\n", out);
		}
	}
}

json_t *report_rotations_json(const struct report_host *h)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < h->nrotations; i++) {
		const struct report_rotation *r = &h->rotations[i];
		json_t *o = json_object();
		jtext_set(o, "old", r->old);
		jtext_set(o, "new", r->new);
		jtext_set(o, "phase", r->phase);
		jtext_set(o, "summary", r->summary);
		if (r->blocks)
			jtext_set(o, "blocks", r->blocks);
		else
			json_object_set_new(o, "blocks", json_null());
		if (r->accepted)
			jtext_set(o, "accepted_breaks", r->accepted);
		json_array_append_new(arr, o);
	}
	return arr;
}

void report_rotations_dispose(struct report_host *h)
{
	for (size_t i = 0; i < h->nrotations; i++) {
		struct report_rotation *r = &h->rotations[i];
		free(r->old);
		free(r->new);
		free(r->phase);
		free(r->summary);
		free(r->blocks);
		free(r->accepted);
	}
	free(h->rotations);
	h->rotations = NULL;
	h->nrotations = 0;
}
