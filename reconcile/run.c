/* The shared load → resolve → read → diff pipeline; see run.h. */
#include "reconcile/run.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/progress.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void run_init(struct run *r, struct options *o)
{
	memset(r, 0, sizeof(*r));
	r->opt = o;
	r->lock.fd = -1;
	diag_init(&r->diag);
	plan_init(&r->plan);
}

void run_dispose(struct run *r)
{
	plan_dispose(&r->plan);
	resolved_free(r->res);
	config_free(r->cfg);
	diag_dispose(&r->diag);
	lock_release(&r->lock);
	free(r->roles_text);
	free((char *)r->ctx.host);
}

void run_error(const char *msg)
{
	fprintf(stderr, "trustform: error: %s\n", msg);
}

static char *default_config(const char *root)
{
	if (path_exists("trust.yaml"))
		return xstrdup("trust.yaml");
	return root_join(root, "/etc/trustform/trust.yaml");
}

int run_load(struct run *r)
{
	char *path = r->opt->config ? xstrdup(r->opt->config) : default_config(r->opt->root);
	struct config_load_opts lo = { .root = r->opt->root, .now = r->opt->now };
	r->cfg = config_load(path, &lo, &r->diag);
	free(path);
	diag_print(&r->diag, stderr, r->opt->color && isatty(STDERR_FILENO));
	if (!r->cfg || r->diag.errors) {
		if (r->diag.errors)
			fprintf(stderr, "trustform: %zu error(s) in the configuration; nothing was "
				"read or changed\n", r->diag.errors);
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
	char *host = r->opt->host ? xstrdup(r->opt->host) : default_host(r->opt->root);
	r->res = resolve_host(r->cfg, host, r->opt->targets, r->opt->ntargets);
	if (!r->res && !r->opt->host && strchr(host, '.')) {
		/* a FQDN hostname: the config usually says the short name */
		host[strcspn(host, ".")] = '\0';
		r->res = resolve_host(r->cfg, host, r->opt->targets, r->opt->ntargets);
	}
	if (!r->res) {
		free(host);
		return -1;
	}
	r->ctx.root = r->opt->root;
	r->ctx.host = host;
	r->ctx.now = r->opt->now;
	r->ctx.cfg = r->cfg;
	struct buf roles = BUF_INIT;
	for (size_t i = 0; i < r->res->nroles; i++)
		buf_printf(&roles, "%s%s", i ? ", " : "", r->res->roles[i]->name);
	r->roles_text = buf_detach(&roles);
	return 0;
}

int run_lock(struct run *r, bool create)
{
	return lock_acquire(&r->lock, r->opt->root, r->opt->command, create,
			    r->opt->lock_timeout);
}

/* What opening a store said that belongs to none of its instances. */
static void add_open_notes(struct run *r, const struct conf_store *cs)
{
	char **notes;
	size_t n = store_notes_take(&notes);
	if (n) {
		char *title = xasprintf("%s (%s)", cs->name, cs->type);
		struct plan_store *ps = plan_add_store(&r->plan, NULL, cs->name, title);
		for (size_t i = 0; i < n; i++)
			trust_set_note(&ps->actual, "%s", notes[i]);
		free(title);
	}
	for (size_t i = 0; i < n; i++)
		free(notes[i]);
	free(notes);
}

void run_plan(struct run *r)
{
	for (size_t i = 0; i < r->res->nstores; i++) {
		const struct host_store *hs = &r->res->stores[i];
		const struct conf_store *cs = hs->store;
		struct store_inst **insts = NULL;
		size_t n = 0;
		err_clear();
		if (cs->ops->open(cs, &r->ctx, &insts, &n) < 0) {
			char *title = xasprintf("%s (%s)", cs->name, cs->type);
			struct plan_store *ps = plan_add_store(&r->plan, NULL, cs->name, title);
			ps->error = xstrdup(err_msg());
			free(title);
			add_open_notes(r, cs);
			continue;
		}
		for (size_t j = 0; j < n; j++) {
			struct store_inst *s = insts[j];
			struct plan_store *ps = plan_add_store(&r->plan, s, s->address, s->title);
			if (n > 1)
				progress_show("reading", s->address, j + 1, n);
			err_clear();
			if (s->ops->read(s, &ps->actual) < 0) {
				ps->error = xstrdup(err_msg());
				continue;
			}
			trust_set_sort(&ps->actual);
			plan_diff_store(ps, hs, r->cfg);
		}
		progress_done();
		free(insts);
		add_open_notes(r, cs);
	}
	if (r->res->caddy && !r->opt->ntargets) {
		/* SPEC §3's caddy checks are not in this build: say so, never skip silently. */
		struct plan_store *ps = plan_add_store(&r->plan, NULL, "caddy", "caddy");
		ps->error = xasprintf("host \"%s\" has a role with caddy: true, but this build of "
				      "trustform cannot check Caddy's PKI yet; use --target to plan "
				      "the other stores", r->ctx.host);
	}
	plan_count(&r->plan);
}
