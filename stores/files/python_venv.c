/*
 * A venv's site-packages, found by looking (lib/<python>/site-packages, and
 * lib64), and the truststore .pth kept there. See python.c.
 */
#include "model/cert.h"
#include "model/step.h"
#include "stores/files/python.h"
#include "stores/pyhost.h"
#include "stores/storeopt.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hex.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define PTH_CA "# trustform:ca "
/* What trustform up to 0.x wrote: in a venv made with --system-site-packages
 * whose truststore is the system's (Debian's python3-truststore), site.py runs
 * it before the system's dist-packages is on sys.path, so it fails at every
 * start with a traceback and injects nothing. Recognized to say so. */
#define PTH_IMPORT_OLD "import truststore; truststore.inject_into_ssl()"
/* The line site.py executes: inject now when truststore is importable (it is
 * in the venv), else once site processing is complete (after every
 * site-packages, the system's too, is on sys.path: site.main() calls
 * execsitecustomize() last); never raises, so never a traceback at start.
 * Whether it took effect is checked by running the venv's python (python.c). */
#define PTH_IMPORT                                                                                 \
	"import sys; exec(\"def inject():\\n"                                                      \
	" try:\\n"                                                                                 \
	"  import truststore\\n"                                                                   \
	"  truststore.inject_into_ssl()\\n"                                                        \
	"  return True\\n"                                                                         \
	" except Exception:\\n"                                                                    \
	"  return False\\n"                                                                        \
	"if not inject():\\n"                                                                      \
	" site = sys.modules.get('site')\\n"                                                       \
	" later = getattr(site, 'execsitecustomize', None)\\n"                                     \
	" if later:\\n"                                                                            \
	"  def deferred():\\n"                                                                     \
	"   later()\\n"                                                                            \
	"   inject()\\n"                                                                           \
	"  site.execsitecustomize = deferred\\n"                                                   \
	"\", {'sys': sys})"
#define PTH_HEAD                                                                                   \
	"# Written by trustform: this venv verifies TLS with the operating "                       \
	"system's trust store\n# (truststore, imported from the venv or, with "                    \
	"--system-site-packages, from the system,\n# once site processing is "                     \
	"complete). The CAs it is meant to trust that way:\n"

int py_find_site(char **site, const struct py_store *p, const char *root,
		 const struct conf_store *cs)
{
	char *cfg = xasprintf("%s/pyvenv.cfg", p->venv_host);
	int rc = -1;
	*site = NULL;
	if (!path_exists(cfg)) {
		char *pos = store_opt_pos(cs, "venv");
		err_set("%s: %s is not a virtual environment (%s is missing); create it "
			"(python3 -m venv %s) or fix `venv:`",
			pos, p->venv, cfg, p->venv);
		free(pos);
		free(cfg);
		return -1;
	}
	free(cfg);
	/* Every site-packages of the venv, deduplicated (lib64 is often a link to lib). */
	char *pattern = xasprintf("%s/lib*/*/site-packages", p->venv_host);
	glob_t g;
	char **found = NULL, **real = NULL;
	size_t n = 0, total;
	if (glob(pattern, 0, NULL, &g) == 0) {
		found = xcalloc(g.gl_pathc, sizeof(*found));
		real = xcalloc(g.gl_pathc, sizeof(*real));
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *want = p->truststore ? "" : "/certifi/cacert.pem";
			char *probe = xasprintf("%s%s", g.gl_pathv[i], want);
			char *rp = realpath(g.gl_pathv[i], NULL);
			bool dup = false;
			for (size_t j = 0; j < n && rp && !dup; j++)
				dup = !strcmp(real[j], rp);
			if (rp && !dup && path_exists(probe)) {
				found[n] = xstrdup(g.gl_pathv[i] + strlen(root ? root : ""));
				real[n++] = rp;
			} else {
				free(rp);
			}
			free(probe);
		}
		globfree(&g);
	}
	free(pattern);
	total = n;
	if (n > 1) {
		/* Several interpreters' trees: the one pyvenv.cfg names. */
		char *ver = pyhost_venv_version(p->venv_host);
		size_t pick = n;
		for (size_t i = 0; ver && i < n; i++) {
			char *tail = xasprintf("python%s/site-packages", ver);
			size_t fl = strlen(found[i]), tl = strlen(tail);
			if (fl >= tl && !strcmp(found[i] + fl - tl, tail))
				pick = i;
			free(tail);
		}
		free(ver);
		if (pick < n) {
			char *keep = found[pick];
			found[pick] = found[0];
			found[0] = keep;
			n = 1;
		}
	}
	char *pos = store_opt_pos(cs, "venv");
	if (n == 1) {
		*site = found[0];
		found[0] = NULL;
		rc = 0;
	} else if (n == 0 && p->truststore) {
		err_set("%s: no lib/<python>/site-packages in the venv %s; recreate the venv", pos,
			p->venv);
	} else if (n == 0) {
		err_set("%s: certifi is not installed in the venv %s (no "
			"lib/<python>/site-packages/certifi/cacert.pem); install it there, or use "
			"`mode: truststore`",
			pos, p->venv);
	} else {
		err_set("%s: the venv %s has %zu site-packages trees (%s, %s, ...) and pyvenv.cfg "
			"does not say which is in use; remove the stale one",
			pos, p->venv, n, found[0], found[1]);
	}
	free(pos);
	for (size_t i = 0; i < total; i++) {
		free(found[i]);
		free(real[i]);
	}
	free(found);
	free(real);
	return rc;
}

/* --- the .pth ----------------------------------------------------------------- */

struct pth_line {
	char *name;
	unsigned char fp[FP_LEN];
};

struct pth {
	struct buf raw;
	bool exists, imports, imports_old;
	struct pth_line *ca;
	size_t n, alloc;
};

static void pth_dispose(struct pth *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->ca[i].name);
	free(t->ca);
	buf_dispose(&t->raw);
}

/* The .pth's lines, from its bytes. */
static void pth_parse(struct pth *t)
{
	for (const char *l = t->raw.ptr ? t->raw.ptr : ""; *l;) {
		size_t n = strcspn(l, "\n");
		if (n == strlen(PTH_IMPORT) && !strncmp(l, PTH_IMPORT, n)) {
			t->imports = true;
		} else if (n == strlen(PTH_IMPORT_OLD) && !strncmp(l, PTH_IMPORT_OLD, n)) {
			t->imports_old = true;
		} else if (n > strlen(PTH_CA) && !strncmp(l, PTH_CA, strlen(PTH_CA))) {
			const char *rest = l + strlen(PTH_CA);
			size_t rn = n - strlen(PTH_CA);
			const char *sp = memchr(rest, ' ', rn);
			char hexbuf[FP_HEX_LEN + 1] = "";
			if (sp && (size_t)(rest + rn - sp) == 8 + FP_HEX_LEN &&
			    !strncmp(sp, " sha256=", 8)) {
				memcpy(hexbuf, sp + 8, FP_HEX_LEN);
				ARRAY_GROW(t->ca, t->n + 1, t->alloc);
				struct pth_line *c = &t->ca[t->n];
				c->name = xstrndup(rest, (size_t)(sp - rest));
				if (config_name_ok(c->name) && fp_parse(c->fp, hexbuf))
					t->n++;
				else
					free(c->name);
			}
		}
		l += n + (l[n] == '\n');
	}
}

static int pth_load(struct pth *t, const struct py_store *p)
{
	memset(t, 0, sizeof(*t));
	if (buf_read_file(&t->raw, p->file_host) < 0) {
		if (errno == ENOENT)
			return 0;
		err_set_errno(errno, "%s: cannot read", p->file);
		return -1;
	}
	t->exists = true;
	pth_parse(t);
	return 0;
}

static void pth_render(struct buf *out, const struct pth_line *ca, size_t n)
{
	char hexbuf[FP_HEX_LEN + 1];
	buf_puts(out, PTH_HEAD);
	for (size_t i = 0; i < n; i++) {
		hex_encode(hexbuf, ca[i].fp, FP_LEN);
		buf_printf(out, PTH_CA "%s sha256=%s\n", ca[i].name, hexbuf);
	}
	buf_puts(out, PTH_IMPORT "\n");
}

/* A configured CA with this fingerprint, to describe an entry. */
static const struct cert *known_cert(const struct config *cfg, const unsigned char *fp)
{
	for (size_t i = 0; i < cfg->ncas; i++)
		if (cfg->cas[i].cert && !memcmp(cfg->cas[i].cert->fp, fp, FP_LEN))
			return cfg->cas[i].cert;
	return NULL;
}

int py_pth_read(struct store_inst *s, struct py_store *p, struct trust_set *out, bool *in_place)
{
	struct pth t;
	if (pth_load(&t, p) < 0)
		return -1;
	for (size_t i = 0; i < t.n; i++) {
		struct trust_entry *e =
		    trust_set_add(out, t.ca[i].fp, t.ca[i].name, true, TS_TRUSTED, p->file);
		const struct cert *c = known_cert(s->ctx->cfg, t.ca[i].fp);
		if (c)
			trust_entry_describe(e, c);
	}
	struct buf want = BUF_INIT;
	if (t.n)
		pth_render(&want, t.ca, t.n);
	if (t.exists && !t.n)
		out->stale = xasprintf("%s lists no CA: it will be removed", p->file);
	else if (t.exists && t.imports_old && !t.imports)
		out->stale =
		    xasprintf("%s has the import line of an older trustform, which fails (a "
			      "ModuleNotFoundError at every start, truststore not injected) when "
			      "truststore comes from the system's site-packages; apply rewrites it",
			      p->file);
	else if (t.exists && !buf_equal(&t.raw, want.ptr, want.len))
		out->stale = xasprintf("%s was edited: it must call truststore.inject_into_ssl() "
				       "and list only trustform's CA lines",
				       p->file);
	*in_place = t.exists && t.n && !out->stale;
	/* No note that the system store must hold these CAs: python.c says so
	 * where it is true (a CA no system store of the host is configured with is
	 * an error; one listed but not yet in the store, a note). */
	buf_dispose(&want);
	pth_dispose(&t);
	return 0;
}

static bool same_line(const struct pth_line *l, const struct trust_entry *seen)
{
	return !strcmp(l->name, seen->label) && !memcmp(l->fp, seen->fp, FP_LEN);
}

int py_pth_render(const struct py_store *p, struct plan_store *ps, struct store_file *f)
{
	struct pth t;
	int rc = 0;
	memset(&t, 0, sizeof(t));
	t.exists = f->exists;
	if (f->have.len)
		buf_add(&t.raw, f->have.ptr, f->have.len);
	pth_parse(&t);
	for (size_t i = 0; i < ps->n; i++) {
		struct plan_step *st = &ps->steps[i];
		size_t at = t.n;
		if (st->has_seen)
			for (size_t j = 0; j < t.n; j++)
				if (same_line(&t.ca[j], &st->seen))
					at = j;
		switch (st->op) {
		case OP_REMOVE:
		case OP_REPLACE:
		case OP_UPDATE:
			if (at == t.n && st->op != OP_REMOVE) {
				err_modified(p->file);
				plan_step_fail_err(st);
				rc = -1;
				continue;
			}
			if (at < t.n) {
				free(t.ca[at].name);
				t.ca[at] = t.ca[--t.n];
			}
			if (st->op == OP_REMOVE)
				break;
			/* fall through */
		case OP_ADD: {
			bool have = false;
			for (size_t j = 0; j < t.n; j++)
				have |= !strcmp(t.ca[j].name, st->ca->name) &&
					!memcmp(t.ca[j].fp, st->ca->cert->fp, FP_LEN);
			if (have)
				break;
			ARRAY_GROW(t.ca, t.n + 1, t.alloc);
			t.ca[t.n].name = xstrdup(st->ca->name);
			memcpy(t.ca[t.n].fp, st->ca->cert->fp, FP_LEN);
			t.n++;
			break;
		}
		case OP_REFRESH:
			break;
		default:
			plan_step_unexpected(st);
			plan_step_fail_err(st);
			rc = -1;
		}
	}
	/* Sorted by name, so the file does not depend on the order of the steps. */
	for (size_t i = 1; i < t.n; i++)
		for (size_t j = i; j > 0 && strcmp(t.ca[j - 1].name, t.ca[j].name) > 0; j--) {
			struct pth_line x = t.ca[j];
			t.ca[j] = t.ca[j - 1];
			t.ca[j - 1] = x;
		}
	struct buf out = BUF_INIT;
	if (t.n) {
		pth_render(&out, t.ca, t.n);
		store_file_set(f, out.ptr, out.len);
	} else {
		store_file_remove(f); /* no CA left: no .pth */
	}
	buf_dispose(&out);
	pth_dispose(&t);
	return rc;
}
