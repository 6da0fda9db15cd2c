/* What systemd says of the consumers' units; see consumers_int.h. */
#include "reconcile/consumers_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/proc.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_PROPS                                                                                 \
	"-p", "LoadState", "-p", "ActiveState", "-p", "MainPID", "-p",                             \
	    "ExecMainStartTimestampMonotonic"

/* One unit's block of `systemctl show` output ("K=V" lines) into u. */
static void parse_props(char *block, struct unit_state *u)
{
	memset(u, 0, sizeof(*u));
	char *save = NULL;
	for (char *l = strtok_r(block, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(l, "LoadState"))
			snprintf(u->load, sizeof(u->load), "%s", eq);
		else if (!strcmp(l, "ActiveState"))
			snprintf(u->active, sizeof(u->active), "%s", eq);
		else if (!strcmp(l, "MainPID"))
			u->pid = atoll(eq);
		else if (!strcmp(l, "ExecMainStartTimestampMonotonic"))
			u->start_mono = atoll(eq);
	}
}

static int unit_show(const char *unit, struct unit_state *u, char **why)
{
	memset(u, 0, sizeof(*u));
	const char *argv[] = {"systemctl", "show", UNIT_PROPS, "--", unit, NULL};
	struct buf out = BUF_INIT;
	err_clear();
	int st = proc_run(argv, NULL, &out);
	if (st != 0) {
		char *last = st < 0 ? xstrdup(err_msg()) : proc_last_line(&out);
		*why = xasprintf("systemctl show %s failed: %s", unit, last);
		free(last);
		buf_dispose(&out);
		return -1;
	}
	parse_props(out.ptr ? out.ptr : "", u);
	buf_dispose(&out);
	return 0;
}

const struct unit_seen *unit_get(struct unit_cache *uc, const char *unit)
{
	for (size_t i = 0; i < uc->n; i++)
		if (!strcmp(uc->v[i].unit, unit))
			return &uc->v[i];
	uc->v = xrealloc(uc->v, (uc->n + 1) * sizeof(*uc->v));
	struct unit_seen *e = &uc->v[uc->n++];
	e->unit = unit;
	e->why = NULL;
	e->rc = unit_show(unit, &e->u, &e->why);
	return e;
}

/* Every unit of the plan's consumers asked at once: one `systemctl show` for
 * all (systemd prints one block per unit, in the order asked, separated by an
 * empty line). Anything else (it fails, a block is missing) leaves the units
 * to be asked one by one, for a message naming the unit. */
void unit_cache_fill(struct unit_cache *uc, const struct plan *p)
{
	const char **argv = NULL;
	size_t n = 0, alloc = 0;
	static const char *const head[] = {"systemctl", "show", UNIT_PROPS, "--"};
	size_t nhead = sizeof(head) / sizeof(*head);
	for (size_t i = 0; i < nhead; i++) {
		ARRAY_GROW(argv, n + 1, alloc);
		argv[n++] = head[i];
	}
	for (size_t i = 0; i < p->n; i++)
		for (size_t k = 0; k < p->stores[i].nconsumers; k++) {
			const char *unit = p->stores[i].consumers[k].unit;
			bool dup = strpbrk(unit, "*?[") != NULL; /* a glob: asked alone */
			for (size_t j = nhead; j < n && !dup; j++)
				dup = !strcmp(argv[j], unit);
			if (dup)
				continue;
			ARRAY_GROW(argv, n + 2, alloc);
			argv[n++] = unit;
		}
	size_t nunits = n - nhead;
	ARRAY_GROW(argv, n + 1, alloc);
	argv[n] = NULL;
	struct buf out = BUF_INIT;
	err_clear();
	if (nunits > 1 && proc_run(argv, NULL, &out) == 0) {
		struct unit_seen *v = xcalloc(nunits, sizeof(*v));
		char *text = out.ptr ? out.ptr : "";
		size_t got = 0;
		while (got < nunits && *text) {
			char *end = strstr(text, "\n\n");
			if (end)
				*end = '\0';
			v[got].unit = argv[nhead + got];
			parse_props(text, &v[got].u);
			got++;
			text = end ? end + 2 : text + strlen(text);
		}
		if (got == nunits && !*text) {
			uc->v = v;
			uc->n = nunits;
		} else {
			free(v);
		}
	}
	err_clear();
	buf_dispose(&out);
	free(argv);
}

void unit_cache_dispose(struct unit_cache *uc)
{
	for (size_t i = 0; i < uc->n; i++)
		free(uc->v[i].why);
	free(uc->v);
}
