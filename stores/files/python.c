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
 *                     is what the plan diffs. truststore comes from the venv or,
 *                     with --system-site-packages, from the system; the .pth
 *                     injects it once site processing is complete. The read
 *                     runs the venv's own python (inside --root, by chroot) and
 *                     checks the effect: ssl.SSLContext is truststore's, and
 *                     which CAs it loads from the system store. truststore not
 *                     importable is an error before anything is written.
 */
#include "stores/files/python.h"
#include "model/clientjudge.h"
#include "stores/effectcache.h"
#include "stores/files/files.h"
#include "stores/files/pemfile.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/proc.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct store_backend py_backend, py_certifi_backend;

static const char *const mode_choices[] = {"certifi", "truststore", NULL};

static const struct store_option py_keys[] = {
    {.name = "venv",
     .kind = OPT_PATH,
     .required = true,
     .help = "the virtual environment (the directory of `pyvenv.cfg`)"},
    {.name = "mode",
     .kind = OPT_ENUM,
     .choices = mode_choices,
     .def = "certifi",
     .help = "`certifi` (blocks in certifi's `cacert.pem`) or `truststore` (a `.pth` that "
	     "makes Python use the system store)"},
    {0},
};

static const struct store_files_doc py_files[] = {
    {NULL, "`certifi`: blocks as pem-bundle's in the venv's `certifi/cacert.pem`; "
	   "`truststore`: `trustform-truststore.pth` in the venv's site-packages"},
    {0},
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

static int py_open(const struct conf_store *cs, const struct run_ctx *ctx, struct store_open *out)
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
	struct store_inst *s = store_inst_new(p->truststore ? &py_backend : &py_certifi_backend, cs,
					      ctx, cs->name, title);
	s->priv = p;
	s->target = xasprintf("the file %s", path_shown(p->file_host));
	store_open_add(out, s);
	free(title);
	return 0;
}

/*
 * What the venv's own python does with truststore, after site processing (so
 * with the .pth applied): printed as "trustform: ..." lines, a traceback never.
 *   injected          ssl.SSLContext is truststore's: the .pth took effect
 *   importable        truststore can be imported but nothing injected it
 *   missing <why>     truststore cannot be imported by the venv
 *   ca <sha256>       after injecting: the CAs a truststore context of the
 *                     venv loads from the system store (its CA file)
 */
static const char check_py[] =
    "import ssl, sys\n"
    "t = sys.modules.get('truststore')\n"
    "if t and ssl.SSLContext is getattr(t, 'SSLContext', None):\n"
    "    print('trustform: injected')\n"
    "else:\n"
    "    try:\n"
    "        import truststore\n"
    "        truststore.inject_into_ssl()\n"
    "    except Exception as e:\n"
    "        print('trustform: missing', type(e).__name__ + ':', e)\n"
    "        raise SystemExit(0)\n"
    "    print('trustform: importable')\n"
    "import hashlib\n"
    "c = ssl.create_default_context()\n"
    "c.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname='localhost')\n"
    "for d in getattr(c, '_ctx', c).get_ca_certs(binary_form=True):\n"
    "    print('trustform: ca', hashlib.sha256(d).hexdigest())\n";

/* TS_UNCHECKED: the python could not be run from here (--root, not root);
 * TS_BROKEN: the venv's python is missing or does not start. */
enum ts_state { TS_UNCHECKED, TS_BROKEN, TS_MISSING, TS_IMPORTABLE, TS_INJECTED };

struct ts_check {
	enum ts_state state;
	char *why; /* TS_UNCHECKED, TS_BROKEN, TS_MISSING: the reason */
	unsigned char (*ca)[FP_LEN];
	size_t nca, ca_alloc;
};

static void ts_check_dispose(struct ts_check *c)
{
	free(c->why);
	free(c->ca);
}

static void ts_parse(struct ts_check *c, const struct buf *out)
{
	c->state = TS_UNCHECKED;
	for (const char *l = out->ptr ? out->ptr : ""; *l;) {
		size_t n = strcspn(l, "\n");
		char *line = xstrndup(l, n);
		unsigned char fp[FP_LEN];
		if (!strcmp(line, "trustform: injected")) {
			c->state = TS_INJECTED;
		} else if (!strcmp(line, "trustform: importable")) {
			c->state = TS_IMPORTABLE;
		} else if (!strncmp(line, "trustform: missing ", 19)) {
			c->state = TS_MISSING;
			free(c->why);
			c->why = xstrdup(line + 19);
		} else if (!strncmp(line, "trustform: ca ", 14) && fp_parse(fp, line + 14)) {
			ARRAY_GROW(c->ca, c->nca + 1, c->ca_alloc);
			memcpy(c->ca[c->nca++], fp, FP_LEN);
		}
		free(line);
		l += n + (l[n] == '\n');
	}
}

/*
 * Who the check runs as. The venv's python and everything site.py runs (every
 * .pth of its site-packages) are the venv owner's code: a root run never
 * executes it as root. The first of the venv, its bin/, bin/python (the link
 * itself), pyvenv.cfg and the site-packages that a user other than root owns
 * names the user; a venv root owns throughout runs as root.
 */
static void venv_owner(struct proc_opts *po, const struct py_store *p)
{
	if (geteuid() != 0)
		return;
	char *site = xstrdup(p->file_host);
	char *slash = strrchr(site, '/');
	if (slash)
		*slash = 0;
	char *paths[] = {xstrdup(p->venv_host), xasprintf("%s/bin", p->venv_host),
			 xasprintf("%s/bin/python", p->venv_host),
			 xasprintf("%s/pyvenv.cfg", p->venv_host), site};
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
		struct stat st;
		if (!po->as_user && lstat(paths[i], &st) == 0 && st.st_uid != 0) {
			po->as_user = true;
			po->uid = st.st_uid;
			po->gid = st.st_gid;
		}
		free(paths[i]);
	}
}

/*
 * The check's exit status and output: from the effect cache when nothing
 * that decides them changed since it last ran (plan and show), else by
 * running it; an answer that came from a clean exit is kept for next time.
 */
static int run_cached(const struct proc_opts *po, const char *root, const struct py_store *p,
		      struct buf *out)
{
	struct effect_key k;
	py_effect_key(&k, root, p, check_py, po->as_user ? (long)po->uid : -1L);
	char *res;
	size_t len;
	int st;
	if (effect_cache_load(root, &k, &res, &len) == 0) {
		buf_add(out, res, len);
		free(res);
		st = 0;
	} else {
		st = proc_exec(po);
		struct ts_check c = {0};
		ts_parse(&c, out);
		if (st == 0 && c.state != TS_UNCHECKED)
			effect_cache_save(root, &k, out->ptr, out->len);
		ts_check_dispose(&c);
	}
	effect_key_dispose(&k);
	return st;
}

/*
 * Run the venv's own python, as its clients start it, with a clean
 * environment: by the venv's path <venv>/bin/python, never the interpreter it
 * links to (Python finds pyvenv.cfg, so the venv's site-packages, from the path
 * it was started by; the resolved python3.x would judge the system's Python).
 * Under --root it runs inside the tree (chroot, which needs root and an
 * interpreter in the tree), by the same path; never the host's python judging
 * the tree. An interpreter that is missing or cannot start is TS_BROKEN.
 */
static int ts_run(struct ts_check *c, const struct store_inst *s, const struct py_store *p)
{
	const char *root = s->ctx->root;
	char *py = xasprintf("%s/bin/python", p->venv);
	/* A venv a user owns runs as that user (venv_owner), and the kernel
	 * follows its links (bin/python -> python3.x) with that user's rights.
	 * root does not look through them first: the jail refuses links in a
	 * directory another user can write; an interpreter that is not there
	 * shows as a python that does not start. */
	struct proc_opts owner = {0};
	venv_owner(&owner, p);
	char *py_host = owner.as_user ? NULL : *root ? root_resolve_host(root, py) : xstrdup(py);
	memset(c, 0, sizeof(*c));
	if (!owner.as_user && (!py_host || access(py_host, X_OK) != 0)) {
		c->state = TS_BROKEN;
		c->why = *root ? xasprintf("%s is missing or not executable inside %s", py, root)
			       : xasprintf("%s is missing or not executable", py);
		free(py_host);
		free(py);
		return 0;
	}
	if (*root && geteuid() != 0) {
		c->why = xasprintf("running it inside %s needs chroot, so root", root);
		free(py_host);
		free(py);
		return 0;
	}
	const char *argv[] = {py, "-I", "-B", "-c", check_py, NULL};
	struct buf out = BUF_INIT;
	struct proc_opts po = {.what = "truststore check",
			       .argv = argv,
			       .clean_env = true,
			       .chroot_dir = *root ? root : NULL,
			       .out = &out,
			       .timeout_ms = 60000};
	venv_owner(&po, p);
	int st = run_cached(&po, root, p, &out);
	int rc = 0;
	ts_parse(c, &out);
	if (st < 0) {
		rc = -1;
	} else if (st != 0 || c->state == TS_UNCHECKED) {
		/* it ran and did not answer: the interpreter cannot start (a
		 * venv whose Python was removed or upgraded under it) */
		char *last = proc_last_line(&out);
		c->state = TS_BROKEN;
		free(c->why);
		c->why = *root ? xasprintf("chroot %s %s exited with %d: %s", root, py, st, last)
			       : xasprintf("%s exited with %d: %s", py, st, last);
		free(last);
	}
	buf_dispose(&out);
	free(py_host);
	free(py);
	return rc;
}

static bool has_ca(const struct ts_check *c, const unsigned char *fp)
{
	for (size_t i = 0; i < c->nca; i++)
		if (!memcmp(c->ca[i], fp, FP_LEN))
			return true;
	return false;
}

static void missing_error(const struct store_inst *s, const struct py_store *p,
			  const struct ts_check *c)
{
	char *pos = store_opt_pos(s->conf, "venv");
	if (c->state == TS_BROKEN) {
		err_set("%s: the venv %s has no working interpreter (%s); when its Python was "
			"removed or upgraded under it, recreate it (python3 -m venv --clear %s, "
			"then reinstall its packages), or fix `venv:`; nothing was written",
			pos, p->venv, c->why ? c->why : "?", p->venv);
		free(pos);
		return;
	}
	free(pos);
	pos = store_opt_pos(s->conf, "mode");
	err_set("%s: truststore is not importable in the venv %s (%s); install it there "
		"(%s/bin/pip install truststore), or the system's (python3-truststore) in a venv "
		"made with --system-site-packages, or use `mode: certifi`; nothing was written",
		pos, p->venv, c->why ? c->why : "?", p->venv);
	free(pos);
}

static bool named(const struct conf_ca **cas, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cas[i]->name, name))
			return true;
	return false;
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
	struct ts_check c;
	bool in_place = false;
	if (ts_run(&c, s, p) < 0)
		return -1;
	if (c.state == TS_MISSING || c.state == TS_BROKEN) {
		missing_error(s, p, &c);
		ts_check_dispose(&c);
		return -1;
	}
	if (py_pth_read(s, p, out, &in_place) < 0) {
		ts_check_dispose(&c);
		return -1;
	}
	/* truststore verifies with the system store only: a CA that no system
	 * store of the host is configured with never reaches Python */
	const struct conf_ca **missing;
	size_t nmissing = store_cas_outside_system(s, &missing);
	char *pos = nmissing ? store_opt_pos(s->conf, "mode") : NULL;
	for (size_t i = 0; i < nmissing; i++)
		trust_set_ineffective(
		    out,
		    "%s: mode: truststore makes Python in %s verify with the system "
		    "store, and no system store of host \"%s\" is configured with CA "
		    "\"%s\", so Python never sees it; list a system store in a role "
		    "with \"%s\", or use mode: certifi",
		    pos, p->venv, s->ctx->host, missing[i]->name, missing[i]->name);
	free(pos);
	switch (c.state) {
	case TS_UNCHECKED:
		trust_set_note(out,
			       "whether truststore takes effect in %s was NOT checked: the venv's "
			       "python could not be run (%s); run the plan where it can be",
			       p->venv, c.why);
		break;
	case TS_IMPORTABLE:
		if (in_place)
			trust_set_ineffective(
			    out,
			    "%s is in place, but the venv's python (%s/bin/python -I) started "
			    "without truststore injected: site.py did not run it, or something run "
			    "after it (another .pth, a sitecustomize) took truststore out again; "
			    "run "
			    "%s/bin/python -c 'import ssl; print(ssl.SSLContext)' to see what it "
			    "prints, and fix the venv",
			    p->file, p->venv, p->venv);
		break;
	default:
		break;
	}
	if (c.state == TS_IMPORTABLE || c.state == TS_INJECTED) {
		if (!c.nca)
			trust_set_note(
			    out,
			    "truststore in %s loads no CA file from the system store "
			    "(no /etc/ssl/certs/ca-certificates.crt or like): verification "
			    "uses only what OpenSSL's certificate directory holds",
			    p->venv);
		for (size_t i = 0; c.nca && i < out->n; i++)
			if (!has_ca(&c, out->items[i].fp) &&
			    !named(missing, nmissing, out->items[i].label))
				trust_set_note(out,
					       "%s is listed in %s but not (yet) in the system "
					       "store truststore reads: Python in %s trusts it "
					       "only once a system store of this host holds it",
					       out->items[i].label, p->file, p->venv);
	}
	ts_check_dispose(&c);
	free(missing);
	return 0;
}

/* The .pth in site-packages: a file store. Before anything is named, the
 * venv's python must be able to import truststore (nothing is written
 * otherwise). The .pth is root's (0644) in a directory the venv's owner may
 * own: the engine's transaction is confined to the root, and a link there is
 * never followed (util/rootjail.h). */
static int py_pth_files(struct store_inst *s, struct store_files *fs)
{
	struct py_store *p = s->priv;
	struct ts_check c;
	int crc = ts_run(&c, s, p);
	bool broken = crc == 0 && (c.state == TS_MISSING || c.state == TS_BROKEN);
	if (broken)
		missing_error(s, p, &c);
	ts_check_dispose(&c);
	if (crc < 0 || broken)
		return -1; /* the whole store, err set; the applier reports it */
	store_files_add(fs, p->file_host, p->file);
	return 0;
}

static int py_pth_render_store(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	return py_pth_render(s->priv, ps, &fs->f[0]);
}

static const struct store_file_kind py_pth_kind = {
    .files = py_pth_files,
    .render = py_pth_render_store,
};

/* certifi's cacert.pem: a file store, its mode kept; never created. */
static int py_certifi_owned(struct store_inst *s, struct store_files *fs)
{
	struct py_store *p = s->priv;
	if (!path_exists(p->file_host)) {
		err_modified_why(p->file, "it is gone: certifi uninstalled?");
		return -1; /* the whole store; the applier reports it */
	}
	store_files_add(fs, p->file_host, p->file)->keep_mode = true;
	return 0;
}

static const struct store_file_kind py_certifi_kind = {
    .files = py_certifi_owned,
    .render = pem_file_render_store, /* everything outside trustform's blocks kept */
};

/* mode: certifi */
static const struct store_backend py_certifi_backend = {
    .name = "python",
    .ops = STORE_OPS_CA | STORE_OP(OP_REFRESH),
    .read = py_read,
    .file = &py_certifi_kind,
    .free = py_free,
};

/* mode: truststore */
static const struct store_backend py_backend = {
    .name = "python",
    .ops = STORE_OPS_CA | STORE_OP(OP_REFRESH),
    .read = py_read,
    .file = &py_pth_kind,
    .free = py_free,
};

const struct store_type store_type_python = {
    .name = "python",
    .summary = "A Python virtual environment: blocks in its `certifi/cacert.pem`, or a `.pth` "
	       "calling truststore",
    .files = py_files,
    .options = py_keys,
    .open = py_open,
    .readers = {.flags = STORE_READ_VENV_PYTHON | STORE_READ_OPENSSL_CHAIN,
		.clients = CLIENT_OPENSSL,
		.how = "the venv"},
};
