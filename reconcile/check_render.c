/* The text report of the endpoint check; see check.h. */
#include "reconcile/check.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

#define C_RESET	 "\033[0m"
#define C_GREEN	 "\033[32m"
#define C_RED	 "\033[31m"
#define C_YELLOW "\033[33m"

static const char *col(bool color, const char *code)
{
	return color ? code : "";
}

static void render_endpoint(FILE *out, const struct check_endpoint *ce, bool color,
			    enum check_render_in in)
{
	const struct tls_probe *pr = &ce->probe;
	if (!pr->chain) {
		fprintf(out, "  %s!%s %s: could not be checked: %s\n", col(color, C_YELLOW),
			col(color, C_RESET), ce->ep.url, pr->error ? pr->error : "no answer");
		return;
	}
	char exp[11];
	X509 *leaf = sk_X509_value(pr->chain, 0);
	const ASN1_TIME *na = X509_get0_notAfter(leaf);
	struct tm tm;
	time_t t = na && ASN1_TIME_to_tm(na, &tm) == 1 ? timegm(&tm) : 0;
	cert_date(exp, t);
	int sent = sk_X509_num(pr->chain);
	if (!ce->nv) {
		fprintf(out,
			"  %s!%s %s: could not be checked: none of the stores it names is "
			"planned on this host (left out by --target, or without a database or "
			"user here); check its `stores:`\n",
			col(color, C_YELLOW), col(color, C_RESET), ce->ep.url);
		return;
	}
	const char *sym = ce->ok ? "✓" : "✗";
	const char *c = ce->ok ? C_GREEN : C_RED;
	static const char *const ok_says[] = {
	    [CHECK_RENDER_CHECK] = "trusted by every store",
	    [CHECK_RENDER_PLAN] = "will be trusted after apply",
	    [CHECK_RENDER_PLAN_CLEAN] = "trusted now",
	};
	static const char *const fail_says[] = {
	    [CHECK_RENDER_CHECK] = "would fail",
	    [CHECK_RENDER_PLAN] = "will still fail after apply",
	    [CHECK_RENDER_PLAN_CLEAN] = "fails now, and apply has nothing to change",
	};
	const char *verdict = ce->ok ? ok_says[in] : fail_says[in];
	fprintf(out, "  %s%s %s%s: %s (%s, %d certificate%s sent, leaf valid until %s)\n",
		col(color, c), sym, ce->ep.url, col(color, C_RESET), verdict, pr->address, sent,
		sent == 1 ? "" : "s", exp);
	for (size_t i = 0; i < ce->nv; i++) {
		const struct check_verdict *v = &ce->v[i];
		if (v->error) {
			fprintf(out, "      %s!%s %s: %s\n", col(color, C_YELLOW),
				col(color, C_RESET), v->ps->address, v->error);
			continue;
		}
		bool ok = v->vr.cause == VERIFY_OK;
		fprintf(out, "      %s%s%s %s: %s\n", col(color, ok ? C_GREEN : C_RED),
			ok ? "ok  " : "FAIL", col(color, C_RESET), v->ps->address,
			ok ? "trusted" : v->vr.why);
		if (!ok && v->vr.fix)
			fprintf(out, "           fix: %s\n", v->vr.fix);
		if (v->note)
			fprintf(out, "           note: %s\n", v->note);
	}
	if (ce->removed_root)
		fprintf(out, "      %s!%s %s\n", col(color, C_YELLOW), col(color, C_RESET),
			text_disp(ce->removed_root));
}

void check_render(FILE *out, const struct check_report *rep, bool color, enum check_render_in in)
{
	if (in == CHECK_RENDER_PLAN)
		fprintf(out, "\nEndpoints this host calls, with the stores as they will be after "
			     "apply:\n\n");
	else if (in == CHECK_RENDER_PLAN_CLEAN)
		fprintf(out,
			"\nEndpoints this host calls, with the stores as they are now (nothing "
			"to apply):\n\n");
	for (size_t i = 0; i < rep->n; i++)
		render_endpoint(out, &rep->eps[i], color, in);
	size_t good = rep->n - rep->failing - rep->errors;
	if (in != CHECK_RENDER_CHECK) {
		fprintf(out, "\n");
		return;
	}
	fprintf(out,
		"\nCheck: %zu of %zu endpoint%s trusted, %zu would fail, %zu could not be "
		"checked.\n",
		good, rep->n, rep->n == 1 ? "" : "s", rep->failing, rep->errors);
}
