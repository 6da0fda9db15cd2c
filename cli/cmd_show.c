/* `trustform show`: what each store of this host holds now, managed and foreign. */
#include "cli/cli.h"
#include "model/cert.h"
#include "reconcile/render.h"
#include "reconcile/render_json.h"
#include "reconcile/run.h"
#include "util/err.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

static void show_entries(const struct plan_store *ps, bool owned)
{
	size_t n = 0;
	int w = 32; /* labels longer than that widen the column for this store */
	for (size_t i = 0; i < ps->actual.n; i++) {
		n += ps->actual.items[i].owned == owned;
		if (ps->actual.items[i].owned == owned &&
		    (int)strlen(text_disp(ps->actual.items[i].label)) > w)
			w = (int)strlen(text_disp(ps->actual.items[i].label));
	}
	printf("  %s (%zu):\n", owned ? "managed by trustform" : "foreign", n);
	for (size_t i = 0; i < ps->actual.n; i++) {
		const struct trust_entry *e = &ps->actual.items[i];
		if (e->owned != owned)
			continue;
		char fp[20], date[11] = "?";
		render_short_fp(fp, e->fphex);
		if (e->not_after)
			cert_date(date, e->not_after);
		printf("    %-*s %s  %-10s expires %s  %s\n", w, text_disp(e->label), fp,
		       e->flags ? e->flags : trust_state_name(e->state), date, text_disp(e->where));
		if (e->subject)
			printf("    %-*s %s\n", w, "", text_disp(e->subject));
	}
}

static void show_text(const struct run *r)
{
	printf("trustform show · host %s · roles %s · config %s\n", r->ctx.host,
	       *r->roles_text ? r->roles_text : "(none)", r->cfg->origin);
	for (size_t i = 0; i < r->plan.n; i++) {
		const struct plan_store *ps = &r->plan.stores[i];
		printf("\n%s\n", text_disp(ps->title));
		if (ps->error) {
			printf("  error: %s\n", text_disp(ps->error));
			continue;
		}
		if (ps->inst) { /* else only notes of a store that expanded to nothing */
			show_entries(ps, true);
			show_entries(ps, false);
		}
		if (ps->actual.stale)
			printf("  out of date: %s\n", text_disp(ps->actual.stale));
		for (size_t j = 0; j < ps->actual.nineffective; j++)
			printf("  error: trust will not take effect: %s\n",
			       text_disp(ps->actual.ineffective[j]));
		for (size_t j = 0; j < ps->actual.nnotes; j++)
			printf("  note: %s\n", text_disp(ps->actual.notes[j]));
	}
}

static int cmd_show(void *v)
{
	struct options *o = v;
	struct run r;
	int code = EXIT_ERROR;
	cli_run_init(&r, o);
	if (o->nargs) {
		run_dispose(&r);
		return cli_usage_error(&cli_cmd_show, "unexpected argument \"%s\"", o->args[0]);
	}
	if (run_start(&r, false) < 0)
		goto out;
	run_plan(&r);
	if (o->json) {
		struct json_doc doc;
		run_json_doc(&r, "show", &doc);
		render_json_show(stdout, &doc, &r.plan);
	} else {
		show_text(&r);
	}
	code = r.plan.failed_stores ? EXIT_ERROR : EXIT_OK;
out:
	run_dispose(&r);
	return code;
}

const struct cli_command cli_cmd_show = {
    .name = "show",
    .summary = "what each store of this host holds now, managed and foreign",
    .usage = "usage: trustform show [options]\n"
	     "  lists what each trust store of this host holds now: the CAs trustform\n"
	     "  manages and the foreign ones\n",
    .shared = CLI_SH_CONFIG | CLI_SH_GIT | CLI_SH_REF | CLI_SH_HOST | CLI_SH_ROOT | CLI_SH_TARGET |
	      CLI_SH_LOCK | CLI_SH_JSON,
    .size = sizeof(struct options),
    .run = cmd_show,
};
