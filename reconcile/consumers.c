/* Consumers of stores, and whether their running processes hold the old
 * trust; see consumers.h. */
#include "reconcile/consumers.h"
#include "reconcile/consumers_int.h"
#include "reconcile/journal.h"
#include "schema/consumers.h"
#include "stores/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/rootfs.h"
#include "util/strmap.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --- who consumes what ------------------------------------------------------- */

static struct plan_consumer *add(struct plan_store *ps, const char *unit, enum consumer_action a,
				 const char *source, bool store_restarts)
{
	for (size_t i = 0; i < ps->nconsumers; i++) {
		struct plan_consumer *c = &ps->consumers[i];
		if (strcmp(c->unit, unit))
			continue;
		if (a == CONSUMER_RESTART && c->on_change != CONSUMER_RESTART) {
			c->on_change = CONSUMER_RESTART;
			free(c->source);
			c->source = xstrdup(source);
		}
		c->store_restarts |= store_restarts;
		return c;
	}
	ARRAY_GROW(ps->consumers, ps->nconsumers + 1, ps->consumers_alloc);
	struct plan_consumer *c = &ps->consumers[ps->nconsumers++];
	memset(c, 0, sizeof(*c));
	c->unit = xstrdup(unit);
	c->on_change = a;
	c->source = xstrdup(source);
	c->store_restarts = store_restarts;
	return c;
}

static bool client_reads(const struct store_client *cl, const struct conf_store *cs)
{
	const char *path = cs->section ? NULL : conf_store_str(cs, "path");
	if (!path)
		return false;
	char *want = path_normalize(path);
	bool found = false;
	for (size_t i = 0; i < cl->nfiles && !found; i++) {
		char *f = path_normalize(cl->files[i]);
		found = !strcmp(f, want);
		free(f);
	}
	free(want);
	return found;
}

static void collect(struct plan *p, struct plan_store *ps)
{
	const struct store_inst *s = ps->inst;
	for (size_t i = 0; i < s->nconsumers; i++)
		add(ps, s->consumers[i].unit, s->consumers[i].on_change, s->consumers[i].source,
		    true)
		    ->manual |= s->consumers[i].manual;
	for (size_t i = 0; i < s->conf->consumers.n; i++) {
		const struct conf_consumer *c = &s->conf->consumers.items[i];
		char *src = xasprintf("declared at %s:%d:%d", s->conf->config_file, c->pos.line,
				      c->pos.col);
		add(ps, c->unit, c->on_change, src, false);
		free(src);
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct store_inst *o = p->stores[i].inst;
		const struct store_client *cl = o ? o->client : NULL;
		if (!cl || o == s)
			continue;
		if (cl->system_roots && store_reads(s->conf, STORE_READ_SYSTEM))
			add(ps, cl->unit, CONSUMER_RESTART,
			    "Caddy (the caddy role) reads the system roots once per process: a "
			    "reload keeps the old ones",
			    false);
		if (client_reads(cl, s->conf)) {
			char *src = xasprintf("Caddy reads it (named in %s); a reload re-reads it",
					      cl->files_from ? cl->files_from : "its config");
			add(ps, cl->unit, CONSUMER_RELOAD, src, false);
			free(src);
		}
	}
}

/* --- asking systemd ----------------------------------------------------------- */

bool consumers_systemd_usable(const char *root, const char **why)
{
	if (*root) {
		*why = "under --root trustform does not ask this machine's systemd about the "
		       "image's services";
		return false;
	}
	if (!is_dir("/run/systemd/system")) {
		*why = "systemd is not running here (no /run/systemd/system: a chroot or a "
		       "container without it)";
		return false;
	}
	char *sc = proc_which("systemctl");
	free(sc);
	if (!sc) {
		*why = "systemctl is not installed";
		return false;
	}
	return true;
}

/* A unit's main process is active from its fork, but runs the service's
 * program only once systemd's child (PID 1 forked, or systemd-executor since
 * systemd 255) has executed it; until then /proc/PID/environ is systemd's,
 * not the unit's. True while PID still runs systemd's own binary. */
static bool still_systemd(long long pid)
{
	char path[64], exe[PATH_MAX];
	snprintf(path, sizeof(path), "/proc/%lld/exe", pid);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	const char *base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	return !strcmp(base, "systemd-executor") || !strcmp(base, "systemd");
}

/* The first of want ("NAME=value") the process does not carry, or NULL;
 * *why set when its environment cannot be read. */
static const char *env_missing(long long pid, char *const *want, size_t n, char **why)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%lld/environ", pid);
	/* a unit (re)started a moment ago: wait for its program, a while at most */
	for (int i = 0; i < 100 && still_systemd(pid); i++)
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	if (still_systemd(pid)) {
		*why = xasprintf("pid %lld has not started its program yet (it still runs "
				 "systemd's own binary): run the plan again",
				 pid);
		return NULL;
	}
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, path) < 0) {
		*why = xasprintf("%s cannot be read (%s)", path, err_msg());
		buf_dispose(&b);
		return NULL;
	}
	const char *missing = NULL;
	for (size_t i = 0; i < n && !missing; i++) {
		bool found = false;
		for (size_t off = 0; off < b.len && !found;) {
			const char *e = b.ptr + off;
			size_t len = strnlen(e, b.len - off);
			found = len == strlen(want[i]) && !memcmp(e, want[i], len);
			off += len + 1;
		}
		if (!found)
			missing = want[i];
	}
	buf_dispose(&b);
	return missing;
}

static void fmt_time(char out[32], long long when)
{
	time_t t = (time_t)when;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void judge(struct plan_store *ps, struct plan_consumer *c, const struct change *ch,
		  const char *boot, struct unit_cache *uc)
{
	const struct unit_seen *seen = unit_get(uc, c->unit);
	if (seen->rc < 0) {
		c->state = CONSUMER_UNKNOWN;
		c->detail = xstrdup(seen->why);
		return;
	}
	const struct unit_state u = seen->u;
	if (!strcmp(u.load, "not-found")) {
		c->state = CONSUMER_NOT_RUNNING;
		c->detail = xasprintf("%s is not installed", c->unit);
		return;
	}
	if (strcmp(u.active, "active") && strcmp(u.active, "reloading")) {
		c->state = CONSUMER_NOT_RUNNING;
		c->detail = xasprintf("%s is %s: it reads the store when it starts", c->unit,
				      *u.active ? u.active : "not running");
		return;
	}
	c->state = CONSUMER_CURRENT;
	const struct store_inst *s = ps->inst;
	/* the environment only once the store is as configured: before that the
	 * drop-in itself is a change of the plan, and apply restarts the unit */
	for (size_t i = 0; s && u.pid > 0 && !ps->n && i < s->nconsumers; i++) {
		const struct store_consumer *sc = &s->consumers[i];
		if (strcmp(sc->unit, c->unit) || !sc->nenv)
			continue;
		char *err = NULL;
		const char *miss = env_missing(u.pid, sc->env, sc->nenv, &err);
		if (miss) {
			c->state = CONSUMER_PENDING;
			c->detail =
			    xasprintf("its running process (pid %lld) does not have %s, which "
				      "the drop-in sets: it started before the drop-in; "
				      "restart it: systemctl restart %s",
				      u.pid, miss, c->unit);
			return;
		}
		if (err) {
			c->detail = err; /* judged by the timestamps alone */
		}
	}
	if (!ch || !u.start_mono || strcmp(ch->boot, boot))
		return; /* no change recorded in this boot: every start came after it */
	if (u.start_mono < ch->mono) {
		char when[32];
		fmt_time(when, ch->when);
		free(c->detail);
		c->state = CONSUMER_PENDING;
		c->detail = xasprintf("its process (pid %lld) started before the store changed at "
				      "%s (%s): it holds the old trust until it %ss; apply %ss it, "
				      "or run systemctl %s %s",
				      u.pid, when, *ch->what ? ch->what : "changed",
				      consumer_action_name(c->on_change),
				      consumer_action_name(c->on_change),
				      consumer_action_name(c->on_change), c->unit);
	}
}

void consumers_plan(struct plan *p, const char *root)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->stores[i].inst && !p->stores[i].error)
			collect(p, &p->stores[i]);
	const char *why = NULL;
	bool usable = consumers_systemd_usable(root, &why);
	struct journal j = {0};
	char *unreadable = NULL;
	if (usable && journal_load(&j, root) < 0) {
		/* never "current" for want of the record of the last change */
		unreadable = xstrdup(err_msg());
		usable = false;
		why = unreadable;
	}
	char *boot = journal_boot_id();
	struct unit_cache uc = {0};
	if (usable)
		unit_cache_fill(&uc, p);
	for (size_t i = 0; i < p->n; i++) {
		struct plan_store *ps = &p->stores[i];
		for (size_t k = 0; k < ps->nconsumers; k++) {
			struct plan_consumer *c = &ps->consumers[k];
			if (!usable) {
				c->state = CONSUMER_UNKNOWN;
				c->detail = xasprintf("whether %s still runs with the old trust is "
						      "not known: %s",
						      c->unit, why);
				continue;
			}
			judge(ps, c, journal_find(&j, ps->address), boot, &uc);
		}
	}
	unit_cache_dispose(&uc);
	free(boot);
	journal_dispose(&j);
	free(unreadable);
}

/* --- apply ------------------------------------------------------------------- */

/* Whether apply acts on c: the consumers of a store it changed (but those the
 * store's own apply restarts), and any consumer still restart pending. */
static bool acts(const struct plan_store *ps, const struct plan_consumer *c)
{
	if (c->manual)
		return false;
	if (plan_store_changed(ps))
		return !c->store_restarts;
	return c->state == CONSUMER_PENDING;
}

/* The action for unit over every store apply acts for: restart wins. */
static enum consumer_action unit_action(const struct plan *p, const char *unit)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_store *ps = &p->stores[i];
		for (size_t k = 0; k < ps->nconsumers; k++)
			if (acts(ps, &ps->consumers[k]) && !strcmp(ps->consumers[k].unit, unit) &&
			    ps->consumers[k].on_change == CONSUMER_RESTART)
				return CONSUMER_RESTART;
	}
	return CONSUMER_RELOAD;
}

static void set_result(struct plan *p, const char *unit, enum step_result r, const char *error)
{
	for (size_t i = 0; i < p->n; i++) {
		struct plan_store *ps = &p->stores[i];
		for (size_t k = 0; k < ps->nconsumers; k++) {
			struct plan_consumer *c = &ps->consumers[k];
			if (!acts(ps, c) || strcmp(c->unit, unit))
				continue;
			c->result = r;
			free(c->error);
			c->error = error ? xstrdup(error) : NULL;
		}
	}
}

static int restart_unit(const char *unit, enum consumer_action a, char **error)
{
	/* try-: a unit that is not running reads the store when it starts */
	const char *verb = a == CONSUMER_RESTART ? "try-restart" : "try-reload-or-restart";
	const char *argv[] = {"systemctl", verb, "--", unit, NULL};
	struct buf out = BUF_INIT;
	err_clear();
	int st = proc_run(argv, NULL, &out);
	if (st != 0) {
		char *last = st < 0 ? xstrdup(err_msg()) : proc_last_line(&out);
		*error = xasprintf("systemctl %s %s failed (%s): it still holds the old trust; "
				   "free the cause and run systemctl %s %s (the plan shows it as "
				   "restart pending until then)",
				   verb, unit, last, consumer_action_name(a), unit);
		free(last);
	}
	buf_dispose(&out);
	return st == 0 ? 0 : -1;
}

void consumers_mark(struct consumers_mark *m)
{
	m->mono = journal_clock();
	m->wall = time(NULL);
}

size_t consumers_apply(struct plan *p, const char *root, const struct consumers_mark *mark,
		       FILE *out)
{
	size_t failed = 0;
	bool any = false;
	for (size_t i = 0; i < p->n; i++)
		for (size_t k = 0; k < p->stores[i].nconsumers; k++)
			any |= acts(&p->stores[i], &p->stores[i].consumers[k]);
	if (!any)
		return 0;
	/* the journal first: a restart that does not happen stays visible */
	if (journal_record(p, root, mark->mono, mark->wall) < 0) {
		fprintf(out, "trustform: warning: %s\n", text_disp(err_msg()));
		err_clear();
	}
	const char *why = NULL;
	bool usable = consumers_systemd_usable(root, &why);
	struct strmap done;
	strmap_init(&done);
	for (size_t i = 0; i < p->n; i++) {
		struct plan_store *ps = &p->stores[i];
		for (size_t k = 0; k < ps->nconsumers; k++) {
			struct plan_consumer *c = &ps->consumers[k];
			if (!acts(ps, c) || strmap_get(&done, c->unit) != STRMAP_NONE)
				continue;
			strmap_put(&done, c->unit, 0);
			enum consumer_action a = unit_action(p, c->unit);
			if (!usable) {
				fprintf(out, "%s: not %sed: %s; %s it where it runs\n", c->unit,
					consumer_action_name(a), why, consumer_action_name(a));
				continue;
			}
			if (c->state == CONSUMER_NOT_RUNNING) {
				fprintf(out,
					"%s: not running: it reads the stores when it starts\n",
					c->unit);
				continue;
			}
			char *error = NULL;
			if (restart_unit(c->unit, a, &error) < 0) {
				fprintf(out, "trustform: error: %s\n", text_disp(error));
				set_result(p, c->unit, STEP_FAILED, error);
				failed++;
			} else {
				fprintf(out, "%s: %sed\n", c->unit, consumer_action_name(a));
				set_result(p, c->unit, STEP_DONE, NULL);
			}
			free(error);
		}
	}
	strmap_dispose(&done);
	return failed;
}
