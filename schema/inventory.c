/* Inventory host names; see inventory.h. */
#include "schema/inventory.h"
#include "schema/yamltree.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct names {
	char **v;
	size_t n;
};

static void add(struct names *nm, const char *s, size_t len)
{
	nm->v = xrealloc(nm->v, (nm->n + 1) * sizeof(*nm->v));
	nm->v[nm->n++] = xstrndup(s, len);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Ansible YAML: every key of a `hosts:` mapping, in any group, at any depth
 * of `children:` (a group's variables under `vars:` are not walked). */
static void walk_group(struct names *nm, const struct ynode *g)
{
	if (!g || g->kind != YNODE_MAP)
		return;
	const struct ynode *hosts = ymap_get(g, "hosts");
	if (hosts && hosts->kind == YNODE_MAP)
		for (size_t i = 0; i < hosts->n; i++)
			add(nm, hosts->keys[i]->text, strlen(hosts->keys[i]->text));
	const struct ynode *children = ymap_get(g, "children");
	if (children && children->kind == YNODE_MAP)
		for (size_t i = 0; i < children->n; i++)
			walk_group(nm, children->items[i]);
}

static int load_yaml(struct names *nm, const char *path, const struct buf *b)
{
	struct ynode *root = ytree_load_buffer(path, b->ptr, b->len);
	if (!root)
		return -1; /* err says file:line:col */
	if (root->kind != YNODE_MAP) {
		err_set("%s:%d:%d: an Ansible YAML inventory is a mapping of groups (all: "
			"{hosts: {NAME: }}); give a YAML inventory, an INI one or one name a line",
			path, root->line, root->col);
		ytree_free(root);
		return -1;
	}
	for (size_t i = 0; i < root->n; i++)
		walk_group(nm, root->items[i]);
	ytree_free(root);
	return 0;
}

/* The host name that starts a line: up to a blank or the line's end (not
 * strcspn, which reads on through the rest of the file when the line holds
 * no blank, making a long inventory quadratic). */
static size_t name_len(const char *s, const char *e)
{
	const char *p = s;
	while (p < e && *p != ' ' && *p != '\t')
		p++;
	return (size_t)(p - s);
}

/* INI: `[group]` sections hold one host a line (then its variables);
 * `[group:vars]` and `[group:children]` hold no host names. */
static int load_ini(struct names *nm, const char *path, const char *text)
{
	bool hosts_section = true;
	int lineno = 0;
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		lineno++;
		const char *s = p;
		const char *e = p + len;
		p = end ? end + 1 : e;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			if (e[-1] != ']') {
				err_set("%s:%d: a section header ends with ]; write [group]", path,
					lineno);
				return -1;
			}
			const char *colon = memchr(s, ':', (size_t)(e - s));
			hosts_section = colon == NULL;
			continue;
		}
		if (!hosts_section)
			continue;
		size_t n = name_len(s, e);
		if (memchr(s, '=', n)) {
			err_set("%s:%d: \"%.*s\" is a variable, not a host name; put variables "
				"after the name (NAME key=value) or under [group:vars]",
				path, lineno, (int)n, s);
			return -1;
		}
		add(nm, s, n);
	}
	return 0;
}

static bool looks_yaml(const char *path, const char *text)
{
	size_t pl = strlen(path);
	if ((pl > 4 && !strcmp(path + pl - 4, ".yml")) ||
	    (pl > 5 && !strcmp(path + pl - 5, ".yaml")))
		return true;
	/* the first line that says something: `all:` or `---` */
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		size_t i = 0;
		while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
			i++;
		if (i < len && p[i] != '#' && p[i] != ';') {
			size_t e = len;
			while (e > i && (p[e - 1] == ' ' || p[e - 1] == '\r'))
				e--;
			return (e - i == 3 && !strncmp(p + i, "---", 3)) || p[e - 1] == ':';
		}
		p += len + (p[len] == '\n');
	}
	return false;
}

int inventory_load(char ***names, size_t *n, const char *path)
{
	struct names nm = {0};
	struct buf b = BUF_INIT;
	int rc = -1;
	*names = NULL;
	*n = 0;
	if (buf_read_file(&b, path) < 0) {
		err_prefix("--inventory %s", path);
		goto out;
	}
	if (memchr(b.ptr, '\0', b.len)) {
		err_set("%s: not a text file; give an Ansible inventory (INI or YAML) or one "
			"host name a line",
			path);
		goto out;
	}
	rc = looks_yaml(path, b.ptr) ? load_yaml(&nm, path, &b) : load_ini(&nm, path, b.ptr);
	if (rc < 0)
		goto out;
	if (!nm.n) {
		err_set("%s: no host names in this inventory; list one a line, or under a [group]",
			path);
		rc = -1;
		goto out;
	}
	qsort(nm.v, nm.n, sizeof(*nm.v), str_cmp);
	size_t k = 0;
	for (size_t i = 0; i < nm.n; i++) {
		if (k && !strcmp(nm.v[k - 1], nm.v[i]))
			free(nm.v[i]);
		else
			nm.v[k++] = nm.v[i];
	}
	*names = nm.v;
	*n = k;
	nm.v = NULL;
	nm.n = 0;
out:
	inventory_free(nm.v, nm.n);
	buf_dispose(&b);
	return rc;
}

void inventory_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
