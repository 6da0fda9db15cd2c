/*
 * The `python` store: a virtual environment's trust.
 *
 *   mode: certifi     marked blocks in the venv's certifi/cacert.pem (what
 *                     requests and httpx read), found by looking in the venv's
 *                     site-packages, never by guessing the Python version;
 *   mode: truststore  a trustform-truststore.pth in site-packages that makes
 *                     every interpreter of the venv call
 *                     truststore.inject_into_ssl(), so Python verifies with the
 *                     operating system's store. The file lists the CAs the venv
 *                     is meant to trust that way ("# trustform:ca" lines), which
 *                     is what the plan diffs. truststore must be importable by
 *                     the venv's own python: checked when the store is read, so
 *                     the plan fails before anything is written.
 */
#include "stores/files/python.h"
#include "reconcile/plan.h"
#include "stores/files/pemfile.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/proc.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_choices[] = {"certifi", "truststore", NULL};

static const struct store_key py_keys[] = {
    {"venv", SKEY_PATH, true, NULL, "the virtual environment (the directory of pyvenv.cfg)"},
    {"mode", SKEY_ENUM, false, mode_choices,
     "certifi (blocks in certifi's cacert.pem, the default) or truststore (a .pth)"},
    {NULL, 0, false, NULL, NULL},
};

static void py_free(struct store_inst *s)
{
	struct py_store *p = s->priv;
	if (!p)
		return;
	free(p->venv);
	free(p->venv_host);
	free(p->file);
	free(p->file_host);
	free(p);
}

static bool truststore_mode(const struct conf_store *cs)
{
	const char *m = conf_store_str(cs, "mode");
	return m && !strcmp(m, "truststore");
}

static int py_open(const struct conf_store *cs, const struct run_ctx *ctx, struct store_inst ***out,
		   size_t *nout)
{
	struct py_store *p = xcalloc(1, sizeof(*p));
	p->truststore = truststore_mode(cs);
	p->venv = xstrdup(conf_store_str(cs, "venv"));
	p->venv_host = root_resolve_host(ctx->root, p->venv);
	char *site = NULL;
	if (!p->venv_host || py_find_site(&site, p, ctx->root, cs) < 0) {
		free(site);
		struct store_inst tmp = {.priv = p};
		py_free(&tmp);
		return -1;
	}
	p->file = xasprintf("%s/%s", site, p->truststore ? PY_PTH : "certifi/cacert.pem");
	p->file_host = root_resolve_host(ctx->root, p->file);
	free(site);
	if (!p->file_host) {
		struct store_inst tmp = {.priv = p};
		py_free(&tmp);
		return -1;
	}
	char *title =
	    xasprintf("%s (python %s)", cs->name, p->truststore ? "truststore" : "certifi");
	*out = xcalloc(1, sizeof(**out));
	(*out)[0] = store_inst_new(&store_python, cs, ctx, cs->name, title);
	(*out)[0]->priv = p;
	(*out)[0]->key = xasprintf("the file %s", p->file_host);
	*nout = 1;
	free(title);
	return 0;
}

/* Run the venv's own python: is truststore importable there? */
static int check_truststore(const struct store_inst *s, const struct py_store *p)
{
	char *python = xasprintf("%s/bin/python", p->venv_host);
	const char *argv[] = {
	    python, "-I", "-B", "-c", "import truststore; truststore.inject_into_ssl", NULL};
	struct buf out = BUF_INIT;
	int st = proc_run(argv, NULL, &out);
	int rc = 0;
	if (st != 0) {
		char *pos = store_opt_pos(s->conf, "mode");
		char *why = st == 127 ? xasprintf("%s/bin/python cannot be run", p->venv)
				      : proc_last_line(&out);
		err_set("%s: truststore is not importable in the venv %s (%s); install it there "
			"(%s/bin/pip install truststore) or use `mode: certifi`; nothing was "
			"written",
			pos, p->venv, why, p->venv);
		free(why);
		free(pos);
		rc = -1;
	}
	buf_dispose(&out);
	free(python);
	return rc;
}

static int py_read(struct store_inst *s, struct trust_set *out)
{
	struct py_store *p = s->priv;
	if (!p->truststore) {
		struct pem_file f;
		int rc = pem_file_load(&f, p->file_host, p->file);
		if (rc == 0)
			pem_file_entries(&f, out);
		pem_file_dispose(&f);
		return rc;
	}
	if (check_truststore(s, p) < 0)
		return -1;
	return py_pth_read(s, p, out);
}

static int py_apply(struct store_inst *s, struct plan_store *ps)
{
	struct py_store *p = s->priv;
	if (!p->truststore) {
		if (!path_exists(p->file_host)) {
			for (size_t i = 0; i < ps->n; i++)
				plan_step_fail(&ps->steps[i],
					       "%s disappeared since the plan was made "
					       "(certifi uninstalled?); run trustplan again",
					       p->file);
			return -1;
		}
		return store_apply_pem_file(ps, p->file_host, p->file);
	}
	if (check_truststore(s, p) < 0) {
		for (size_t i = 0; i < ps->n; i++)
			plan_step_fail(&ps->steps[i], "%s", err_msg());
		return -1;
	}
	return py_pth_apply(s, p, ps);
}

const struct store_ops store_python = {
    .name = "python",
    .keys = py_keys,
    .open = py_open,
    .read = py_read,
    .apply = py_apply,
    .free = py_free,
};
