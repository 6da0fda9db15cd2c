/*
 * The syntax of systemd units and environment files, as systemd reads it for
 * a service's environment: logical lines (continuations, comments), the
 * [Service] section's Environment=, EnvironmentFile= and UnsetEnvironment=,
 * C-style escapes and quoting of their words. Where the files are is
 * unitfile.c's.
 */
#include "stores/files/unitfile.h"
#include "stores/files/unitfile_int.h"
#include "util/buf.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int unhex(char c)
{
	return isdigit((unsigned char)c)    ? c - '0'
	       : isxdigit((unsigned char)c) ? (tolower((unsigned char)c) - 'a' + 10)
					    : -1;
}

/* systemd's extract_first_word(UNQUOTE|CUNESCAPE|RELAX), closely enough. */
size_t unit_split_words(const char *s, char ***out)
{
	size_t n = 0, alloc = 0;
	*out = NULL;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		struct buf w = BUF_INIT;
		char quote = 0;
		for (; *s; s++) {
			if (!quote && (*s == ' ' || *s == '\t' || *s == '\n'))
				break;
			if (!quote && (*s == '"' || *s == '\'')) {
				quote = *s;
				continue;
			}
			if (quote && *s == quote) {
				quote = 0;
				continue;
			}
			if (*s == '\\' && s[1] && quote != '\'') {
				s++;
				switch (*s) {
				case 'n':
					buf_putc(&w, '\n');
					break;
				case 't':
					buf_putc(&w, '\t');
					break;
				case 'x':
					if (unhex(s[1]) >= 0 && unhex(s[2]) >= 0) {
						buf_putc(&w,
							 (char)(unhex(s[1]) * 16 + unhex(s[2])));
						s += 2;
						break;
					}
					/* fall through */
				default:
					buf_putc(&w, *s);
					break;
				}
				continue;
			}
			buf_putc(&w, *s);
		}
		ARRAY_GROW(*out, n + 1, alloc);
		(*out)[n++] = buf_detach(&w);
		buf_dispose(&w);
	}
	return n;
}

static void free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

static bool env_name_ok(const char *s, size_t n)
{
	if (!n || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static void push(struct unit_env *u, int kind, const char *name, size_t nlen, const char *value,
		 const char *src, bool envfile)
{
	ARRAY_GROW(u->a, u->n + 1, u->alloc);
	struct unit_assign *a = &u->a[u->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->name = name ? xstrndup(name, nlen) : NULL;
	a->value = value ? xstrdup(value) : NULL;
	a->src = xstrdup(src);
	a->file = u->nfiles - 1;
	a->from_envfile = envfile;
}

/* --- EnvironmentFile= ------------------------------------------------------------ */

static void read_envfile(struct unit_env *u, const char *root, const char *spec, const char *src)
{
	bool optional = spec[0] == '-';
	const char *path = spec + optional;
	struct buf b = BUF_INIT;
	char *host = path[0] == '/' ? root_resolve_host(root, path) : NULL;
	if (!host || buf_read_file(&b, host) < 0) {
		if (!optional) {
			ARRAY_GROW(u->envfiles, u->nenvfiles + 1, u->envfiles_alloc);
			u->envfiles[u->nenvfiles++] = xstrdup(path);
		}
		free(host);
		return;
	}
	free(host);
	size_t line = 0;
	for (const char *l = b.ptr; *l;) {
		size_t len = strcspn(l, "\n");
		line++;
		char *text = xstrndup(l, len);
		char *p = text;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, "export ", 7))
			p += 7;
		char *eq = strchr(p, '=');
		if (*p && *p != '#' && *p != ';' && eq) {
			size_t nl = (size_t)(eq - p);
			while (nl && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
				nl--;
			char **w;
			size_t nw = unit_split_words(eq + 1, &w);
			struct buf v = BUF_INIT;
			for (size_t i = 0; i < nw; i++)
				buf_printf(&v, "%s%s", i ? " " : "", w[i]);
			free_words(w, nw);
			if (env_name_ok(p, nl)) {
				char *where = xasprintf("%s:%zu", path, line);
				push(u, UA_SET, p, nl, v.ptr, where, true);
				free(where);
			}
			buf_dispose(&v);
		}
		free(text);
		l += len + (l[len] == '\n');
	}
	(void)src;
	buf_dispose(&b);
}

/* --- one file ---------------------------------------------------------------- */

static void parse_setting(struct unit_env *u, const char *root, const char *key, const char *value,
			  const char *src)
{
	if (!strcmp(key, "Environment")) {
		if (!*value) {
			push(u, UA_RESET, NULL, 0, NULL, src, false);
			return;
		}
		char **w;
		size_t nw = unit_split_words(value, &w);
		for (size_t i = 0; i < nw; i++) {
			char *eq = strchr(w[i], '=');
			if (eq && env_name_ok(w[i], (size_t)(eq - w[i])))
				push(u, UA_SET, w[i], (size_t)(eq - w[i]), eq + 1, src, false);
		}
		free_words(w, nw);
	} else if (!strcmp(key, "UnsetEnvironment")) {
		char **w;
		size_t nw = unit_split_words(value, &w);
		for (size_t i = 0; i < nw; i++) {
			char *eq = strchr(w[i], '=');
			size_t nl = eq ? (size_t)(eq - w[i]) : strlen(w[i]);
			if (env_name_ok(w[i], nl))
				push(u, UA_UNSET, w[i], nl, eq ? eq + 1 : NULL, src, false);
		}
		free_words(w, nw);
	} else if (!strcmp(key, "ExecStart")) {
		if (!*value) {
			for (size_t i = 0; i < u->nexec; i++) {
				free(u->exec[i].cmd);
				free(u->exec[i].src);
			}
			u->nexec = 0;
			return;
		}
		ARRAY_GROW(u->exec, u->nexec + 1, u->exec_alloc);
		u->exec[u->nexec].cmd = xstrdup(value);
		u->exec[u->nexec++].src = xstrdup(src);
	} else if (!strcmp(key, "WorkingDirectory")) {
		free(u->workdir);
		free(u->workdir_src);
		u->workdir = *value ? xstrdup(value + (*value == '-')) : NULL;
		u->workdir_src = *value ? xstrdup(src) : NULL;
	} else if (!strcmp(key, "EnvironmentFile")) {
		if (!*value)
			push(u, UA_FILE_RESET, NULL, 0, NULL, src, false);
		else
			read_envfile(u, root, value, src);
	}
}

void unit_parse_text(struct unit_env *u, const char *root, const char *inroot, const char *text,
		     size_t len)
{
	struct buf logical = BUF_INIT;
	bool in_service = false;
	size_t line = 0, first = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		const char *s = p;
		p += n + (nl ? 1 : 0);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		size_t lead = 0;
		while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
			lead++;
		if (lead < n && (s[lead] == '#' || s[lead] == ';'))
			continue; /* comments, also inside a continued line */
		if (!logical.len)
			first = line;
		bool cont = n && s[n - 1] == '\\';
		buf_add(&logical, s + lead, n - lead - cont);
		if (cont) {
			buf_putc(&logical, ' ');
			if (p < end)
				continue;
		}
		char *l = logical.ptr;
		if (l[0] == '[') {
			in_service = !strcmp(l, "[Service]");
		} else if (in_service && strchr(l, '=')) {
			char *eq = strchr(l, '=');
			size_t kl = (size_t)(eq - l);
			while (kl && (l[kl - 1] == ' ' || l[kl - 1] == '\t'))
				kl--;
			char *key = xstrndup(l, kl);
			char *val = eq + 1;
			while (*val == ' ' || *val == '\t')
				val++;
			char *src = xasprintf("%s:%zu", inroot, first);
			parse_setting(u, root, key, val, src);
			free(src);
			free(key);
		}
		buf_reset(&logical);
	}
	buf_dispose(&logical);
}
