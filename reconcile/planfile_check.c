/* Saved plans proven fresh: the configuration, the stores and every step must be
 * what trustform would plan now; see planfile.h. */
#include "model/cert.h"
#include "model/model_json.h"
#include "reconcile/planfile.h"
#include "reconcile/planfile_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* --- checking and restoring ------------------------------------------------------------ */

static const struct plan_store *fresh_store(const struct plan *p, const char *address)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->stores[i].address, address))
			return &p->stores[i];
	return NULL;
}

static json_t *saved_store(const struct saved_plan *sp, const char *address)
{
	json_t *stores = json_object_get(sp->doc, "stores"), *s;
	size_t i;
	json_array_foreach(stores, i, s)
	{
		char *a = jtext_get(s, "address");
		bool same = a && !strcmp(a, address);
		free(a);
		if (same)
			return s;
	}
	return NULL;
}

int planfile_check(const struct saved_plan *sp, const struct config *cfg, const struct plan *fresh)
{
	char digest[FP_HEX_LEN + 1];
	planfile_config_digest(digest, cfg);
	if (strcmp(digest, sp->config_digest) != 0) {
		err_set("Saved plan is stale: the configuration (%s) or one of its CA files "
			"changed since the plan was made; make a new plan with trustplan --out "
			"FILE and review it",
			cfg->origin);
		return -1;
	}
	struct buf changed = BUF_INIT;
	json_t *stores = json_object_get(sp->doc, "stores"), *s;
	size_t i;
	json_array_foreach(stores, i, s)
	{
		char *address = jtext_get(s, "address");
		const char *want = json_string_value(json_object_get(s, "state_digest"));
		const struct plan_store *ps = address ? fresh_store(fresh, address) : NULL;
		if (!ps) {
			buf_printf(&changed, "%s%s (no longer a store of this host)",
				   changed.len ? ", " : "", address ? text_disp(address) : "?");
			free(address);
			continue;
		}
		if (ps->error) {
			buf_printf(&changed, "%s%s (cannot be read: %s)", changed.len ? ", " : "",
				   text_disp(address), text_disp(ps->error));
			free(address);
			continue;
		}
		planfile_store_digest(digest, &ps->actual);
		if (!want || strcmp(want, digest) != 0)
			buf_printf(&changed, "%s%s", changed.len ? ", " : "", text_disp(address));
		free(address);
	}
	for (i = 0; i < fresh->n; i++)
		if (!saved_store(sp, fresh->stores[i].address))
			buf_printf(&changed, "%s%s (new since the plan)", changed.len ? ", " : "",
				   text_disp(fresh->stores[i].address));
	int rc = 0;
	if (changed.len) {
		err_set("Saved plan is stale: these stores changed since the plan was made: %s. "
			"Nothing was applied; make a new plan with trustplan --out FILE and "
			"review it",
			changed.ptr);
		rc = -1;
	}
	buf_dispose(&changed);
	return rc;
}

static int parse_action(const char *s, enum plan_action *out)
{
	for (size_t i = 0; s && i < PLANFILE_NACTIONS; i++)
		if (!strcmp(planfile_action_names[i], s)) {
			*out = (enum plan_action)i;
			return 0;
		}
	return -1;
}

static int parse_op(const char *s, enum plan_op *out)
{
	/* Every operation plan_op_name knows, including ones added later. */
	for (int op = 0; s && op < 64; op++)
		if (strcmp(plan_op_name((enum plan_op)op), "?") && !strcmp(plan_op_name(op), s)) {
			*out = (enum plan_op)op;
			return 0;
		}
	return -1;
}

/* "store system, step 3: delete ca \"x\"" for a step as the file holds it. */
static void describe_saved(struct buf *b, const char *address, size_t idx, json_t *o)
{
	enum plan_action action;
	enum plan_op op;
	const char *a = json_string_value(json_object_get(o, "action"));
	const char *opname = json_string_value(json_object_get(o, "op"));
	char *name = jtext_get(o, "name");
	buf_printf(b, "store %s, step %zu: ", text_disp(address), idx + 1);
	if (json_is_object(o) && parse_action(a, &action) == 0 && parse_op(opname, &op) == 0) {
		struct plan_step tmp = {.action = action, .op = op};
		buf_printf(b, "%s %s \"%s\"", a, plan_step_resource(&tmp),
			   name ? text_disp(name) : "?");
	} else {
		buf_printf(b, "action %s, op %s, name \"%s\"", a ? text_disp(a) : "?",
			   opname ? text_disp(opname) : "?", name ? text_disp(name) : "?");
	}
	free(name);
}

/* The first key whose value differs between two step objects, or NULL. */
static const char *first_difference(json_t *want, json_t *got)
{
	const char *key;
	json_t *v;
	json_object_foreach(want, key, v) if (!json_equal(v, json_object_get(got, key))) return key;
	json_object_foreach(got, key, v) if (!json_object_get(want, key)) return key;
	return NULL;
}

/* The saved steps of one store against the plan made now: exactly equal. The
 * configuration and the store's state are the same (checked first), and the
 * diff depends on nothing else, so any difference is a file the configuration
 * could never have produced. */
static int check_steps(const struct saved_plan *sp, const struct plan_store *ps, json_t *s)
{
	json_t *steps = json_object_get(s, "steps"), *fresh_cas = json_object();
	struct buf what = BUF_INIT;
	int rc = -1;
	if (!json_is_array(steps)) {
		buf_printf(&what, "store %s has no list of steps", text_disp(ps->address));
		goto out;
	}
	size_t nsaved = json_array_size(steps);
	for (size_t i = 0; i < nsaved || i < ps->n; i++) {
		json_t *got = json_array_get(steps, i);
		if (i >= ps->n) {
			describe_saved(&what, ps->address, i, got);
			buf_puts(&what, " is a step the configuration does not make");
			goto out;
		}
		const struct plan_step *st = &ps->steps[i];
		json_t *want = planfile_step_json(st, fresh_cas);
		bool same = json_equal(want, got);
		const char *key = same ? NULL : first_difference(want, got);
		if (!same && i < nsaved) {
			describe_saved(&what, ps->address, i, got);
			const char *wa = json_string_value(json_object_get(want, "action"));
			bool same_step =
			    json_equal(json_object_get(want, "action"),
				       json_object_get(got, "action")) &&
			    json_equal(json_object_get(want, "op"), json_object_get(got, "op")) &&
			    json_equal(json_object_get(want, "name"), json_object_get(got, "name"));
			if (same_step)
				buf_printf(&what,
					   " differs from the step the configuration makes "
					   "in \"%s\"",
					   key ? key : "?");
			else
				buf_printf(&what,
					   " is not the step the configuration makes there "
					   "(%s %s \"%s\")",
					   wa, plan_step_resource(st), text_disp(st->name));
		} else if (!same) {
			buf_printf(&what,
				   "store %s: the plan lacks step %zu, %s %s \"%s\", which "
				   "the configuration makes",
				   text_disp(ps->address), i + 1, planfile_action_names[st->action],
				   plan_step_resource(st), text_disp(st->name));
		}
		json_decref(want);
		if (!same)
			goto out;
		/* The same CA by fingerprint: the certificate the file carries for it. */
		if (st->ca && st->ca->cert) {
			json_t *ca = json_object_get(json_object_get(sp->doc, "cas"), st->ca->name);
			const char *pem = json_string_value(json_object_get(ca, "pem"));
			const char *fp = json_string_value(json_object_get(ca, "sha256"));
			struct cert_list l = {0};
			bool ok = pem && fp && !strcmp(fp, st->ca->cert->fphex) &&
				  cert_list_parse(&l, pem, strlen(pem)) == 0 && l.n == 1 &&
				  !memcmp(l.items[0]->fp, st->ca->cert->fp, FP_LEN);
			cert_list_dispose(&l);
			if (!ok) {
				buf_printf(&what,
					   "the certificate the plan holds for CA \"%s\" is "
					   "not the one the configuration names (sha256 %.12s…)",
					   text_disp(st->ca->name), st->ca->cert->fphex);
				goto out;
			}
		}
	}
	rc = 0;
out:
	if (rc < 0)
		err_set("%s: malformed saved plan: %s. trustform applies only the plan it "
			"makes now from the same configuration and state; nothing was applied. "
			"Make a new plan with trustplan --out FILE and review it",
			sp->path, what.ptr);
	json_decref(fresh_cas);
	buf_dispose(&what);
	return rc;
}

int planfile_check_steps(const struct saved_plan *sp, const struct plan *fresh)
{
	for (size_t i = 0; i < fresh->n; i++) {
		const struct plan_store *ps = &fresh->stores[i];
		if (check_steps(sp, ps, saved_store(sp, ps->address)) < 0)
			return -1;
	}
	return 0;
}
