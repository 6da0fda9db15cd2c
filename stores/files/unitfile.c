/*
 * systemd unit files and drop-ins under a root, found as systemd finds them
 * (their syntax is read by unitfile_parse.c); see unitfile.h. Only what
 * decides a service's environment is read: the [Service] section's
 * Environment=, EnvironmentFile= and UnsetEnvironment=.
 */
#include "stores/files/unitfile.h"
#include "stores/files/unitfile_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The unit search path, most important first (systemd's lookup paths for the
 * system manager, less the runtime-only control and generator ones). */
static const char *const search_path[] = {
    "/etc/systemd/system",     "/run/systemd/system", "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system", "/lib/systemd/system",
};
#define NSEARCH (sizeof(search_path) / sizeof(*search_path))

bool unit_name_ok(const char *name)
{
	size_t n = strlen(name);
	const char *dot = strrchr(name, '.');
	if (n == 0 || n > 255 || !dot || dot == name || !dot[1])
		return false;
	static const char *const types[] = {"service", "socket", "mount",    "timer",
					    "path",    "swap",	 "scope",    "slice",
					    "target",  "device", "automount"};
	bool type_ok = false;
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
		type_ok |= !strcmp(dot + 1, types[i]);
	if (!type_ok)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(":-_.\\@", *p))
			return false;
	return !strstr(name, "..");
}

void unit_env_dispose(struct unit_env *u)
{
	for (size_t i = 0; i < u->nfiles; i++)
		free(u->files[i]);
	free(u->files);
	for (size_t i = 0; i < u->n; i++) {
		free(u->a[i].name);
		free(u->a[i].value);
		free(u->a[i].src);
	}
	free(u->a);
	for (size_t i = 0; i < u->nenvfiles; i++)
		free(u->envfiles[i]);
	free(u->envfiles);
	for (size_t i = 0; i < u->nexec; i++) {
		free(u->exec[i].cmd);
		free(u->exec[i].src);
	}
	free(u->exec);
	free(u->workdir);
	free(u->workdir_src);
	memset(u, 0, sizeof(*u));
}

/* --- words ------------------------------------------------------------------ */

static void add_file(struct unit_env *u, const char *inroot)
{
	ARRAY_GROW(u->files, u->nfiles + 1, u->files_alloc);
	u->files[u->nfiles++] = xstrdup(inroot);
}

static void parse_file(struct unit_env *u, const char *root, const char *inroot)
{
	struct buf b = BUF_INIT;
	char *host = root_resolve_host(root, inroot);
	add_file(u, inroot);
	if (host && buf_read_file(&b, host) == 0)
		unit_parse_text(u, root, inroot, b.ptr, b.len);
	free(host);
	buf_dispose(&b);
}

/* --- where the files are --------------------------------------------------------- */

/* The names whose drop-in directories apply to unit, most specific first. */
static size_t dropin_names(const char *unit, char **names)
{
	size_t n = 0;
	const char *dot = strrchr(unit, '.');
	names[n++] = xstrdup(unit);
	const char *at = strchr(unit, '@');
	if (at && at + 1 != dot)
		names[n++] = xasprintf("%.*s@%s", (int)(at - unit), unit, dot);
	/* "a-b-c.service" -> "a-b-.service", "a-.service" */
	size_t stem = at ? (size_t)(at - unit) : (size_t)(dot - unit);
	for (size_t i = stem; i-- > 0 && n < 30;)
		if (unit[i] == '-')
			names[n++] = xasprintf("%.*s-%s", (int)i, unit, dot);
	names[n++] = xstrdup(dot + 1); /* "service": drop-ins for every service */
	return n;
}

struct dropin {
	char *base, *inroot;
};

static int dropin_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dropin *)a)->base, ((const struct dropin *)b)->base);
}

static void find_unit_file(struct unit_env *u, const char *root, const char *unit,
			   struct buf *found)
{
	const char *dot = strrchr(unit, '.');
	const char *at = strchr(unit, '@');
	char *templ =
	    at && at + 1 != dot ? xasprintf("%.*s@%s", (int)(at - unit), unit, dot) : NULL;
	for (int pass = 0; pass < 2 && !found->len; pass++) {
		const char *name = pass ? templ : unit;
		for (size_t i = 0; name && i < NSEARCH && !found->len; i++) {
			char *p = xasprintf("%s/%s", search_path[i], name);
			char *host = root_join(root, p);
			struct stat st;
			if (lstat(host, &st) == 0) {
				struct buf r = BUF_INIT;
				if (root_resolve(root, p, &r) == 0 && !strcmp(r.ptr, "/dev/null"))
					u->masked = true;
				else
					buf_puts(found, p);
				buf_dispose(&r);
				if (u->masked) {
					free(host);
					free(p);
					break;
				}
			}
			free(host);
			free(p);
		}
		if (u->masked)
			break;
	}
	free(templ);
}

int unit_env_load(struct unit_env *u, const char *root, const char *unit, const char *ours,
		  const char *ours_text)
{
	memset(u, 0, sizeof(*u));
	u->unit_file = u->ours = SIZE_MAX;
	if (!unit_name_ok(unit)) {
		err_set("\"%s\" is not a systemd unit name", unit);
		return -1;
	}
	struct buf found = BUF_INIT;
	find_unit_file(u, root, unit, &found);
	if (found.len) {
		u->unit_file = 0;
		parse_file(u, root, found.ptr);
	}
	buf_dispose(&found);

	char *names[34];
	size_t nnames = dropin_names(unit, names);
	struct dropin *d = NULL;
	size_t nd = 0, dalloc = 0;
	char *ours_path = ours ? xasprintf("%s/%s.d/%s", search_path[0], unit, ours) : NULL;
	char *seen_dirs[NSEARCH];
	size_t nseen = 0;
	for (size_t i = 0; i < NSEARCH; i++) {
		char *rd = root_resolve_host(root, search_path[i]);
		bool dup = false;
		for (size_t j = 0; rd && j < nseen && !dup; j++)
			dup = !strcmp(seen_dirs[j], rd);
		if (!rd || dup) {
			free(rd);
			continue;
		}
		seen_dirs[nseen++] = rd;
		for (size_t k = 0; k < nnames; k++) {
			char *dir = xasprintf("%s/%s.d", search_path[i], names[k]);
			char *host = root_resolve_host(root, dir);
			DIR *dh = host ? jail_opendir(host) : NULL;
			struct dirent *de;
			while (dh && (de = readdir(dh)) != NULL) {
				size_t l = strlen(de->d_name);
				if (l < 6 || strcmp(de->d_name + l - 5, ".conf") ||
				    de->d_name[0] == '.')
					continue;
				bool masked = false;
				for (size_t j = 0; j < nd && !masked; j++)
					masked = !strcmp(d[j].base, de->d_name);
				if (masked)
					continue; /* a more important directory has this name */
				ARRAY_GROW(d, nd + 1, dalloc);
				d[nd].base = xstrdup(de->d_name);
				d[nd].inroot = xasprintf("%s/%s", dir, de->d_name);
				nd++;
			}
			if (dh)
				closedir(dh);
			free(host);
			free(dir);
		}
	}
	bool ours_listed = false;
	for (size_t j = 0; j < nd && ours_path; j++)
		ours_listed |= !strcmp(d[j].inroot, ours_path);
	if (ours_path && ours_text && !ours_listed) {
		ARRAY_GROW(d, nd + 1, dalloc);
		d[nd].base = xstrdup(ours);
		d[nd].inroot = xstrdup(ours_path);
		nd++;
	}
	if (nd > 1)
		qsort(d, nd, sizeof(*d), dropin_cmp);
	for (size_t j = 0; j < nd; j++) {
		if (ours_path && !strcmp(d[j].inroot, ours_path)) {
			if (ours_text) {
				add_file(u, d[j].inroot);
				u->ours = u->nfiles - 1;
				unit_parse_text(u, root, d[j].inroot, ours_text, strlen(ours_text));
			}
		} else {
			parse_file(u, root, d[j].inroot);
		}
		free(d[j].base);
		free(d[j].inroot);
	}
	free(d);
	free(ours_path);
	for (size_t i = 0; i < nseen; i++)
		free(seen_dirs[i]);
	for (size_t k = 0; k < nnames; k++)
		free(names[k]);
	return 0;
}

const char *unit_env_final(const struct unit_env *u, const char *name, const char **src)
{
	const char *val = NULL, *from = NULL;
	/* Environment= first, then EnvironmentFile= (read at start, so it wins) */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < u->n; i++) {
			const struct unit_assign *a = &u->a[i];
			if (pass == 0 && a->kind == UA_RESET) {
				val = NULL;
				from = a->src;
			} else if (pass == 1 && a->kind == UA_FILE_RESET) {
				/* drops the env files listed before it: their values go */
				for (size_t j = 0; j < i; j++)
					if (u->a[j].from_envfile && !strcmp(u->a[j].name, name) &&
					    from == u->a[j].src) {
						val = NULL;
						from = a->src;
					}
			} else if (a->kind == UA_SET && a->from_envfile == (pass == 1) &&
				   !strcmp(a->name, name)) {
				val = a->value;
				from = a->src;
			}
		}
	}
	for (size_t i = 0; val && i < u->n; i++) {
		const struct unit_assign *a = &u->a[i];
		if (a->kind == UA_UNSET && !strcmp(a->name, name) &&
		    (!a->value || !strcmp(a->value, val))) {
			val = NULL;
			from = a->src;
		}
	}
	if (src)
		*src = from;
	return val;
}
