/* The shared load → resolve → read → diff pipeline; see run.h. */
#include "reconcile/run.h"
#include "reconcile/check.h"
#include "reconcile/clientrules.h"
#include "reconcile/consumers.h"
#include "reconcile/lifecycle.h"
#include "reconcile/readcache.h"
#include "reconcile/rotation.h"
#include "stores/effectcache.h"
#include "stores/storeconf.h"
#include "stores/storeopt.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/progress.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void run_init(struct run *r, const struct run_opts *o)
{
	memset(r, 0, sizeof(*r));
	r->opt = *o;
	r->lock.fd = -1;
	diag_init(&r->diag);
	plan_init(&r->plan);
}

void run_dispose(struct run *r)
{
	plan_dispose(&r->plan);
	effect_cache_forget();
	resolved_free(r->res);
	config_free(r->cfg);
	diag_dispose(&r->diag);
	lock_release(&r->lock);
	git_checkout_free(r->git);
	free(r->roles_text);
	free(r->failure);
	free((char *)r->ctx.host);
}

void run_say_error(const struct run *r, const char *msg)
{
	fprintf(r->opt.err, "trustform: error: %s\n", text_disp(msg));
}

void run_json_doc(const struct run *r, const char *operation, struct json_doc *doc)
{
	memset(doc, 0, sizeof(*doc));
	doc->operation = operation;
	doc->host = r->ctx.host ? r->ctx.host : r->opt.host;
	doc->res = r->res;
	doc->cfg = r->cfg;
	doc->git = r->git;
	doc->diag = &r->diag;
	doc->now = r->opt.now;
}

void run_fail(struct run *r, const char *msg)
{
	if (msg)
		run_say_error(r, msg);
	free(r->failure);
	r->failure = NULL;
	if (msg) {
		r->failure = xstrdup(msg);
	} else {
		for (size_t i = 0; i < r->diag.n && !r->failure; i++)
			if (r->diag.items[i].level == DIAG_ERROR)
				r->failure = xstrdup(r->diag.items[i].msg);
		if (!r->failure)
			r->failure = xstrdup("the configuration could not be loaded");
	}
	if (r->opt.json && !r->planned) { /* else the plan's document said it */
		struct json_doc doc;
		run_json_doc(r, r->opt.operation, &doc);
		render_json_error(r->opt.out, &doc, msg);
	}
}

void run_render_opts(const struct run *r, const char *verb, struct render_opts *ro)
{
	*ro = (struct render_opts){r->opt.color,  verb,		  r->ctx.host,
				   r->roles_text, r->cfg->origin, *r->ctx.root != '\0',
				   r->ctx.root};
}

void run_render_header(const struct run *r, const struct render_opts *ro)
{
	render_header(r->opt.out, ro);
	if (r->git && r->git->warning)
		fprintf(r->opt.out, "%sWarning:%s %s\n\n", ro->color ? "\033[1;33m" : "",
			ro->color ? "\033[0m" : "", r->git->warning);
}

char *run_default_config(const char *root)
{
	if (path_exists("trust.yaml"))
		return xstrdup("trust.yaml");
	return root_join(root, "/etc/trustform/trust.yaml");
}

#define PIN_POLICY                                                                                 \
	"a configuration from git must pin every CA, so that a pushed commit "                     \
	"cannot slip a new root onto every machine unnoticed"

static int load_from_git(struct run *r, struct config_load_opts *lo)
{
	const struct run_opts *o = &r->opt;
	struct git_source_opts go = {
	    .url = o->git_url,
	    .ref = o->git_ref,
	    .path = o->git_path,
	    .root = o->root,
	    .require_fresh = o->require_fresh,
	    .offline_if_present = o->git_offline_if_present,
	    .allowed_signers = o->allowed_signers,
	    .now = o->now,
	};
	if (git_checkout_open(&r->git, &go) < 0) {
		run_fail(r, err_msg());
		return -1;
	}
	const struct git_checkout *g = r->git;
	if (g->warning) {
		bool c = o->color && isatty(fileno(o->err));
		fprintf(o->err, "%strustform: WARNING: %s%s\n", c ? "\033[1;33m" : "", g->warning,
			c ? "\033[0m" : "");
	}
	const char *slash = strrchr(g->path, '/');
	char *dir = slash ? xstrndup(g->path, (size_t)(slash - g->path)) : xstrdup("");
	lo->files = &g->files;
	lo->require_pins = o->allow_unpinned ? NULL : PIN_POLICY;
	r->cfg = config_load_buffer(g->display, dir, g->data.ptr, g->data.len, lo, &r->diag);
	free(dir);
	if (r->cfg) {
		free(r->cfg->origin);
		r->cfg->origin = git_checkout_origin(g);
	}
	return 0;
}

/* Read the configuration (a file, or from git), the registry checking each
 * store's options; -1 (reported) only when there is nothing to use. */
static int load_config(struct run *r)
{
	struct config_load_opts lo = {
	    .root = r->opt.root, .now = r->opt.now, .check_store = store_conf_check};
	/* From here on, nothing beneath --root is opened by a path string that a
	 * link swapped in could send elsewhere (util/rootjail.h). */
	if (jail_set_root(r->opt.root) < 0) {
		err_set_errno(errno, "--root %s: cannot open it as a directory", r->opt.root);
		run_fail(r, err_msg());
		return -1;
	}
	if (r->opt.git_url) {
		if (load_from_git(r, &lo) < 0)
			return -1;
	} else {
		char *path =
		    r->opt.config ? xstrdup(r->opt.config) : run_default_config(r->opt.root);
		r->cfg = config_load(path, &lo, &r->diag);
		free(path);
	}
	if (!r->cfg) {
		diag_print(&r->diag, r->opt.err, r->opt.color && isatty(fileno(r->opt.err)));
		run_fail(r, NULL);
		return -1;
	}
	return 0;
}

int run_load_partial(struct run *r)
{
	return load_config(r);
}

int run_load(struct run *r)
{
	if (load_config(r) < 0)
		return -1;
	diag_print(&r->diag, r->opt.err, r->opt.color && isatty(fileno(r->opt.err)));
	if (!r->cfg || r->diag.errors) {
		if (r->diag.errors)
			fprintf(r->opt.err,
				"trustform: %zu error(s) in the configuration; nothing was "
				"read or changed\n",
				r->diag.errors);
		run_fail(r, NULL);
		return -1;
	}
	return 0;
}

static char *trim_line(const char *s)
{
	size_t n = strcspn(s, "\r\n");
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

static char *default_host(const char *root)
{
	if (*root) {
		char *p = root_join(root, "/etc/hostname");
		struct buf b = BUF_INIT;
		int rc = buf_read_file(&b, p);
		free(p);
		if (rc == 0 && b.len) {
			char *h = trim_line(b.ptr);
			buf_dispose(&b);
			if (*h)
				return h;
			free(h);
		}
		buf_dispose(&b);
	}
	char name[256] = "";
	gethostname(name, sizeof(name) - 1);
	return xstrdup(name);
}

int run_resolve(struct run *r)
{
	char *host = r->opt.host ? xstrdup(r->opt.host) : default_host(r->opt.root);
	r->res = resolve_host(r->cfg, host, r->opt.targets, r->opt.ntargets);
	if (!r->res && !r->opt.host && strchr(host, '.')) {
		/* a FQDN hostname: the config usually says the short name */
		host[strcspn(host, ".")] = '\0';
		r->res = resolve_host(r->cfg, host, r->opt.targets, r->opt.ntargets);
	}
	if (!r->res) {
		free(host);
		return -1;
	}
	r->ctx.root = r->opt.root;
	r->ctx.host = host;
	r->ctx.now = r->opt.now;
	r->ctx.cfg = r->cfg;
	struct buf roles = BUF_INIT;
	for (size_t i = 0; i < r->res->nroles; i++)
		buf_printf(&roles, "%s%s", i ? ", " : "", r->res->roles[i]->name);
	r->roles_text = buf_detach(&roles);
	return 0;
}

int run_lock(struct run *r, bool create)
{
	return lock_acquire(&r->lock, r->opt.root, r->opt.operation, create, r->opt.lock_timeout,
			    r->opt.err);
}

/* Another instance of a different configured store with the same target. */
static const struct plan_store *same_target(const struct plan *p, const struct plan_store *ps)
{
	const struct store_inst *s = ps->inst;
	for (size_t i = 0; s->target && i < p->n; i++) {
		const struct plan_store *o = &p->stores[i];
		if (o != ps && o->inst && o->inst->target && !o->error &&
		    o->inst->conf != s->conf && !strcmp(o->inst->target, s->target))
			return o;
	}
	return NULL;
}

int run_start(struct run *r, bool create_lock)
{
	/* the read-only commands may take effect checks' results from the cache */
	effect_cache_use(r->opt.read_cache);
	if (run_load(r) < 0)
		return -1;
	if (run_resolve(r) < 0 || run_lock(r, create_lock) < 0) {
		run_fail(r, err_msg());
		return -1;
	}
	return 0;
}

/* Only the read-only commands take a store's state from the read cache;
 * apply always reads what it changes. */
static bool may_use_cache(const struct run *r)
{
	const char *env = getenv("TRUSTFORM_READ_CACHE");
	if (env && !strcmp(env, "off"))
		return false;
	/* endpoints are checked against every certificate of the stores: the
	 * cache keeps each one (DER and what its parse made of it) */
	return r->opt.read_cache;
}

static void take_read_key(struct store_inst *s)
{
	free(s->read_key);
	s->read_key_since = readcache_now();
	s->read_key = readcache_key(s, s->read_key_since);
}

/* Read each instance and diff it; the plan takes ownership of them. Cache hits
 * are decided for all instances first, so that a store reading its instances
 * in parallel (nss) starts no reader for them. */
static void plan_instances(struct run *r, struct store_open *o, const struct host_store *hs)
{
	size_t first = r->plan.n, n = o->n;
	for (size_t j = 0; j < n; j++) {
		struct store_inst *s = o->insts[j];
		struct plan_store *ps = plan_add_store(&r->plan, s, s->address, s->title);
		s->desired = hs; /* the one slot for the desired state (stores/store.h) */
		const struct plan_store *other = same_target(&r->plan, ps);
		if (other) {
			char *why = xasprintf("store \"%s\" manages %s, which store \"%s\" "
					      "already manages for this host; use one store "
					      "for it in %s",
					      s->conf->name, s->target, other->inst->conf->name,
					      r->cfg->path);
			ps->error = plan_store_error(ps, why);
			free(why);
			continue;
		}
		if (may_use_cache(r) && readcache_load(r->ctx.root, s, &ps->actual) == 0)
			s->read_cached = true;
		else if (!r->opt.read_cache && s->backend->state_key)
			/* an apply saves this read under the key taken before it */
			take_read_key(s);
	}
	o->n = 0; /* the plan has them */
	for (size_t j = 0; j < n; j++) {
		struct plan_store *ps = &r->plan.stores[first + j];
		struct store_inst *s = ps->inst;
		if (ps->error)
			continue;
		if (n > 1)
			progress_show("reading", s->address, j + 1, n);
		err_clear();
		if (!s->read_cached && s->backend->read(s, &ps->actual) < 0) {
			ps->error = plan_store_error(ps, err_msg());
			continue;
		}
		trust_set_sort(&ps->actual);
		plan_diff_store(ps, hs, r->cfg);
		plan_store_expiry(ps, hs, r->opt.now);
		client_rules_store(ps, hs, r->cfg, r->res->roles, r->res->nroles, r->ctx.root);
	}
	progress_done();
}

/* What opening a store said that belongs to none of its instances. */
static void add_open_notes(struct run *r, const struct conf_store *cs, const struct store_open *o)
{
	if (!o->nnotes)
		return;
	char *title = xasprintf("%s (%s)", cs->name, cs->type);
	struct plan_store *ps = plan_add_store(&r->plan, NULL, cs->name, title);
	ps->conf = cs;
	for (size_t i = 0; i < o->nnotes; i++)
		trust_set_note(&ps->actual, "%s", o->notes[i]);
	free(title);
}

/* Open one configured store, read its instances and diff them. */
static void plan_configured(struct run *r, const struct conf_store *cs, const struct host_store *hs)
{
	struct store_open o;
	store_open_init(&o);
	err_clear();
	if (cs->store_type->open(cs, &r->ctx, &o) < 0) {
		char *title = xasprintf("%s (%s)", cs->name, cs->type);
		struct plan_store *ps = plan_add_store(&r->plan, NULL, cs->name, title);
		ps->conf = cs;
		ps->error = plan_store_error(ps, err_msg());
		free(title);
	} else {
		plan_instances(r, &o, hs);
	}
	add_open_notes(r, cs, &o);
	store_open_dispose(&o);
}

void run_plan(struct run *r)
{
	for (size_t i = 0; i < r->res->nstores; i++)
		plan_configured(r, r->res->stores[i].store, &r->res->stores[i]);
	consumers_plan(&r->plan, r->ctx.root);
	plan_count(&r->plan);
	r->planned = true;
	/* plan, show: the effect checks' results, where an apply made the cache */
	if (r->opt.read_cache)
		effect_cache_flush(false);
}

static void save_store(const char *root, struct store_inst *s, const struct trust_set *set)
{
	if (s->read_key)
		readcache_save(root, s, s->read_key, s->read_key_since, set);
}

/* Whether a configured store had steps in this run: its state changed. */
static bool changed_store(const struct plan *p, const struct conf_store *cs)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->stores[i].inst && p->stores[i].inst->conf == cs && p->stores[i].n)
			return true;
	return false;
}

void run_save_read_cache(struct run *r)
{
	/* Unchanged stores: what this run read in full is what they hold. */
	for (size_t i = 0; i < r->plan.n; i++) {
		struct plan_store *ps = &r->plan.stores[i];
		if (ps->inst && !ps->error && !ps->n && !ps->inst->read_cached &&
		    ps->inst->backend->state_key && !changed_store(&r->plan, ps->inst->conf))
			save_store(r->ctx.root, ps->inst, &ps->actual);
	}
	/* Changed ones: fresh instances, read in full after the apply. */
	struct plan scratch;
	plan_init(&scratch);
	for (size_t i = 0; i < r->res->nstores; i++) {
		const struct conf_store *cs = r->res->stores[i].store;
		if (!changed_store(&r->plan, cs))
			continue;
		struct store_open o;
		store_open_init(&o);
		err_clear();
		/* notes made while opening are for plans; a refresh discards them */
		if (cs->store_type->open(cs, &r->ctx, &o) == 0) {
			for (size_t j = 0; j < o.n; j++) {
				o.insts[j]->desired = &r->res->stores[i];
				plan_add_store(&scratch, o.insts[j], o.insts[j]->address,
					       o.insts[j]->title);
			}
			o.n = 0;
		}
		store_open_dispose(&o);
	}
	for (size_t i = 0; i < scratch.n; i++) {
		struct plan_store *ps = &scratch.stores[i];
		if (!ps->inst->backend->state_key)
			continue;
		err_clear();
		take_read_key(ps->inst);
		if (ps->inst->backend->read(ps->inst, &ps->actual) < 0)
			continue;
		trust_set_sort(&ps->actual);
		save_store(r->ctx.root, ps->inst, &ps->actual);
	}
	plan_dispose(&scratch);
	effect_cache_flush(true);
	err_clear();
}

void run_check_params(const struct run *r, struct check_params *p)
{
	*p = (struct check_params){
	    .cfg = r->cfg,
	    .res = r->res,
	    .plan = &r->plan,
	    .root = r->ctx.root,
	    .now = r->opt.now,
	    .timeout_ms = r->opt.timeout_ms,
	};
}

void run_rotations(const struct run *r, const char *not_checked, struct rotation_list *out)
{
	struct rotation_params rp = {.cfg = r->cfg,
				     .res = r->res,
				     .plan = &r->plan,
				     .check = r->check,
				     .not_checked = not_checked,
				     .now = r->opt.now,
				     .targeted = r->opt.ntargets > 0,
				     .host = r->ctx.host};
	rotation_judge(out, &rp);
}
