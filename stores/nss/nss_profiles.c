/*
 * Firefox's profiles.ini, as nss_discover.c reads it to find every profile's
 * database: bytes from the user's home, so parsed without trusting them
 * (fuzz/profiles).
 */
#include "stores/nss/nss_int.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void ff_add(struct ff_profile **v, size_t *n, const struct ff_profile *p)
{
	if (!p->path) {
		free(p->name); /* a section without a profile */
		return;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = *p;
}

/* [ProfileN] sections: Name, IsRelative, Path. Other sections (General,
 * Install…) say which profile is the default, which does not matter here:
 * every profile gets the CAs. */
void nss_profiles_parse(const char *text, struct ff_profile **out, size_t *n)
{
	struct ff_profile cur = {0};
	bool in_profile = false;
	*out = NULL;
	*n = 0;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '[') {
			if (in_profile)
				ff_add(out, n, &cur);
			else
				free(cur.name), free(cur.path);
			memset(&cur, 0, sizeof(cur));
			cur.relative = true;
			in_profile = !strncmp(line, "[Profile", 8);
		} else if (in_profile) {
			char *eq = strchr(line, '=');
			if (eq) {
				*eq = '\0';
				if (!strcmp(line, "Name"))
					free(cur.name), cur.name = xstrdup(eq + 1);
				else if (!strcmp(line, "Path"))
					free(cur.path), cur.path = xstrdup(eq + 1);
				else if (!strcmp(line, "IsRelative"))
					cur.relative = strcmp(eq + 1, "0") != 0;
			}
		}
		free(line);
	}
	if (in_profile)
		ff_add(out, n, &cur);
	else
		free(cur.name), free(cur.path);
}
