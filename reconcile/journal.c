/* The change journal; see journal.h. */
#include "reconcile/journal.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STATE_DIR  "/var/lib/trustform"
#define STATE_FILE STATE_DIR "/changes"

void journal_dispose(struct journal *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->c[i].address);
		free(j->c[i].boot);
		free(j->c[i].what);
	}
	free(j->c);
	memset(j, 0, sizeof(*j));
}

/* One line per store: address TAB boot TAB mono TAB when TAB what. */
int journal_load(struct journal *j, const char *root)
{
	memset(j, 0, sizeof(*j));
	char *path = root_join(root, STATE_FILE);
	struct buf b = BUF_INIT;
	int rc = 0;
	if (buf_read_file(&b, path) < 0) {
		if (errno != ENOENT) {
			err_set("cannot read the change journal %s: %s; without it trustform "
				"cannot tell which services still run with the old trust: make "
				"it a regular file root can read, or remove it (the next apply "
				"writes it again)",
				path, buf_strerror(errno));
			rc = -1;
		}
	} else {
		char *save = NULL;
		for (char *line = strtok_r(b.ptr, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *f[5];
			size_t nf = 0;
			for (char *t = line; nf < 5; nf++) {
				f[nf] = t;
				char *tab = nf < 4 ? strchr(t, '\t') : NULL;
				if (!tab) {
					nf++;
					break;
				}
				*tab = '\0';
				t = tab + 1;
			}
			if (nf != 5)
				continue; /* not ours: skipped, rewritten on the next change */
			ARRAY_GROW(j->c, j->n + 1, j->alloc);
			j->c[j->n++] = (struct change){xstrdup(f[0]), xstrdup(f[1]), atoll(f[2]),
						       atoll(f[3]), xstrdup(f[4])};
		}
	}
	buf_dispose(&b);
	free(path);
	return rc;
}

const struct change *journal_find(const struct journal *j, const char *address)
{
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->c[i].address, address))
			return &j->c[i];
	return NULL;
}

char *journal_boot_id(void)
{
	struct buf b = BUF_INIT;
	char *id = NULL;
	if (buf_read_file(&b, "/proc/sys/kernel/random/boot_id") == 0)
		id = xstrndup(b.ptr, strcspn(b.ptr, "\r\n"));
	buf_dispose(&b);
	return id ? id : xstrdup("?");
}

long long journal_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* What changed in a store, in one line. */
static char *change_what(const struct plan_store *ps)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < ps->n; i++) {
		const struct plan_step *st = &ps->steps[i];
		if (st->result != STEP_DONE)
			continue;
		buf_printf(&b, "%s%s %s", b.len ? ", " : "", plan_op_name(st->op),
			   *st->name ? st->name : plan_step_resource(st));
	}
	for (size_t i = 0; i < b.len; i++)
		if (b.ptr[i] == '\t' || b.ptr[i] == '\n')
			b.ptr[i] = ' ';
	return buf_detach(&b);
}

/* Record the change of every changed store that has consumers; -1 with err set. */
int journal_record(struct plan *p, const char *root, long long since, time_t since_wall)
{
	struct journal j;
	if (journal_load(&j, root) < 0)
		return -1;
	char *boot = journal_boot_id();
	long long mono = since;
	bool any = false;
	for (size_t i = 0; i < p->n; i++) {
		struct plan_store *ps = &p->stores[i];
		if (!ps->nconsumers || !plan_store_changed(ps))
			continue;
		struct change *c = (struct change *)journal_find(&j, ps->address);
		if (!c) {
			ARRAY_GROW(j.c, j.n + 1, j.alloc);
			c = &j.c[j.n++];
			memset(c, 0, sizeof(*c));
			c->address = xstrdup(ps->address);
		}
		free(c->boot);
		free(c->what);
		c->boot = xstrdup(boot);
		c->mono = mono;
		c->when = (long long)since_wall;
		c->what = change_what(ps);
		any = true;
	}
	int rc = 0;
	if (any) {
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < j.n; i++)
			buf_printf(&b, "%s\t%s\t%lld\t%lld\t%s\n", j.c[i].address, j.c[i].boot,
				   j.c[i].mono, j.c[i].when, j.c[i].what);
		char *dir = own_dir_in_root(root, STATE_DIR);
		char *path = root_join(root, STATE_FILE);
		rc = dir ? atomic_write(path, b.ptr ? b.ptr : "", b.len, 0644) : -1;
		if (rc < 0)
			err_prefix("%s: cannot record which stores changed (their services "
				   "would not be seen to need a restart)",
				   path);
		free(dir);
		free(path);
		buf_dispose(&b);
	}
	free(boot);
	journal_dispose(&j);
	return rc;
}
