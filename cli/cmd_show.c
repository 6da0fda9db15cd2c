/* `trustform show`: what each store of this host holds now, managed and foreign. */
#include "cli/cli.h"
#include "model/cert.h"
#include "reconcile/cbom.h"
#include "reconcile/plan.h"
#include "reconcile/render.h"
#include "reconcile/render_json.h"
#include "reconcile/run.h"
#include "util/err.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
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
		for (size_t j = 0; j < ps->actual.nineffective; j++) {
			char *t = plan_store_error(ps, ps->actual.ineffective[j]);
			printf("  error: trust will not take effect: %s\n", text_disp(t));
			free(t);
		}
		for (size_t j = 0; j < ps->actual.nnotes; j++)
			printf("  note: %s\n", text_disp(ps->actual.notes[j]));
	}
}

struct show_opts {
	struct options common;
	bool cyclonedx; /* --format cyclonedx */
};

static int set_format(void *v, const char *arg)
{
	struct show_opts *s = v;
	bool markdown = false;
	if (!strcmp(arg, "cyclonedx")) {
		s->cyclonedx = true;
		return 0;
	}
	if (!strcmp(arg, "markdown") || cli_format("show", arg, &s->common.json, &markdown) < 0) {
		fprintf(stderr,
			"trustform show: --format takes text, json or cyclonedx, not \"%s\"\n",
			text_disp(arg));
		return -1;
	}
	return 0;
}

static const struct cli_opt show_opts[] = {
    CLI_OPT_PARSE(set_format, "format", "FORMAT",
		  "text (default), json (= --json) or cyclonedx (a CycloneDX 1.6 CBOM)",
		  "text json cyclonedx",
		  "`text` (the default), `json` (as `--json`) or `cyclonedx` (the trust "
		  "inventory as a CycloneDX 1.6 CBOM: one component per certificate, with "
		  "the stores that hold it)."),
    CLI_OPT_END,
};

static void show_cyclonedx(const struct run *r, time_t now)
{
	struct cbom b;
	cbom_init(&b);
	cbom_add_plan(&b, r->ctx.host, &r->plan);
	cbom_render(stdout, &b, r->ctx.host, now);
	cbom_dispose(&b);
	for (size_t i = 0; i < r->plan.n; i++)
		if (r->plan.stores[i].error)
			fprintf(stderr, "trustform show: %s: %s\n",
				text_disp(r->plan.stores[i].address),
				text_disp(r->plan.stores[i].error));
}

static int cmd_show(void *v)
{
	struct show_opts *so = v;
	struct options *o = &so->common;
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
	if (so->cyclonedx) {
		show_cyclonedx(&r, o->now);
	} else if (o->json) {
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
	     "  manages and the foreign ones; --format cyclonedx: as a CycloneDX 1.6 CBOM\n",
    .shared = CLI_SH_CONFIG | CLI_SH_GIT | CLI_SH_REF | CLI_SH_HOST | CLI_SH_ROOT | CLI_SH_TARGET |
	      CLI_SH_LOCK | CLI_SH_JSON,
    .opts = show_opts,
    .size = sizeof(struct show_opts),
    .run = cmd_show,
};
