/* containerd's hosts.toml for a registry directory; see certsd_int.h. */
#include "stores/container/certsd_int.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* --- containerd's hosts.toml ---------------------------------------------------- */

static void toml_str(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

const char *toml_skip_reason(const char *name, const struct dstate *st)
{
	if (!text_is_utf8(name))
		return "its name is not UTF-8, which a TOML string cannot hold";
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->f[i].base, name) && !st->f[i].parsed)
			return "it holds no certificate that parses";
	return NULL;
}

/* The hosts.toml for the directory's `*.crt` names (sorted) and client pairs:
 * the same CAs containerd trusts without a hosts.toml, from its fallback.
 * A name TOML cannot hold, or a file without a certificate, is left out
 * (toml_skip_reason; the read warns). */
void toml_render(struct buf *out, const struct certsd *p, char *const *names, size_t n,
		 const struct dstate *st)
{
	buf_printf(out,
		   TOML_MARK
		   " for the registry %s: containerd trusts the\n"
		   "# CA files listed in ca, every *.crt of this directory (trustform's\n"
		   "# own and others'). trustform rewrites this file on apply and removes it\n"
		   "# with its last CA; to configure this registry yourself, remove the\n"
		   "# registry from trustform's configuration first.\n",
		   p->host);
	buf_puts(out, "server = ");
	char *url = xasprintf("https://%s", p->host);
	toml_str(out, url);
	buf_puts(out, "\n\n[host.");
	toml_str(out, url);
	buf_puts(out, "]\n  capabilities = [\"pull\", \"resolve\", \"push\"]\n  ca = [");
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (toml_skip_reason(names[i], st))
			continue;
		if (!first)
			buf_puts(out, ", ");
		first = false;
		toml_str(out, names[i]);
	}
	buf_puts(out, "]\n");
	if (st->nclients) {
		buf_puts(out, "  client = [");
		bool firstc = true;
		for (size_t i = 0; i < st->nclients; i++) {
			if (!text_is_utf8(st->clients[i]))
				continue;
			char *c = xasprintf("%s.cert", st->clients[i]);
			char *k = xasprintf("%s.key", st->clients[i]);
			buf_puts(out, firstc ? "[" : ", [");
			firstc = false;
			toml_str(out, c);
			buf_puts(out, ", ");
			toml_str(out, k);
			buf_putc(out, ']');
			free(c);
			free(k);
		}
		buf_puts(out, "]\n");
	}
	free(url);
}

bool has_owned(char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *label = store_managed_name(names[i], PREFIX, ".crt");
		free(label);
		if (label)
			return true;
	}
	return false;
}

char *toml_stale(const struct certsd *p, const struct dstate *st)
{
	char **names = xcalloc(st->n + 1, sizeof(*names));
	for (size_t i = 0; i < st->n; i++)
		names[i] = st->f[i].base;
	char *why = NULL;
	if (has_owned(names, st->n)) {
		struct buf want = BUF_INIT;
		toml_render(&want, p, names, st->n, st);
		if (!st->toml_exists)
			why = xasprintf("%s/" HOSTS_TOML " is missing: containerd reads the CA "
					"files here only through it",
					p->dir);
		else if (st->toml.len != want.len || memcmp(st->toml.ptr, want.ptr, want.len))
			why = xasprintf("%s/" HOSTS_TOML " does not list the *.crt files here "
					"as they are now",
					p->dir);
		buf_dispose(&want);
	} else if (st->toml_exists) {
		why = xasprintf("%s/" HOSTS_TOML " is trustform's and no CA of trustform's "
				"is left here: apply removes it",
				p->dir);
	}
	free(names);
	return why;
}

char *foreign_toml_text(const struct certsd *p)
{
	return xasprintf("%s/" HOSTS_TOML " was not written by trustform, and trustform "
			 "does not edit another's hosts.toml (containerd then reads only the CA "
			 "files it lists): add the CA files to its ca = [...] yourself and "
			 "leave containerd out of this store's engines, or move the file away "
			 "so that trustform writes its own",
			 p->dir);
}

bool toml_sets_config_path(const char *text, const char *dir)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		size_t len = strcspn(l, "\n");
		while (len && (*l == ' ' || *l == '\t')) {
			l++;
			len--;
		}
		if (len < 11 || strncmp(l, "config_path", 11))
			continue; /* a comment, or another key */
		const char *v = l + 11;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v++ != '=')
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '"' && *v != '\'')
			continue;
		char q = *v++;
		const char *end = memchr(v, q, len - (size_t)(v - l));
		if (!end)
			continue;
		/* a list of directories separated by ':' */
		for (const char *d = v; d < end;) {
			const char *c = memchr(d, ':', (size_t)(end - d));
			size_t dl = (size_t)((c ? c : end) - d);
			if (dl == strlen(dir) && !strncmp(d, dir, dl))
				return true;
			d += dl + 1;
		}
	}
	return false;
}

/* containerd's CRI reads certs.d only when its config points there. */
void containerd_config_note(const struct store_inst *s, struct trust_set *out)
{
	struct buf cfg = BUF_INIT;
	char *h = root_resolve_host(s->ctx->root, CONTAINERD_CONFIG);
	bool said = h && buf_read_file(&cfg, h) == 0 &&
		    toml_sets_config_path(cfg.ptr, engines[ENGINE_CONTAINERD].certs_d);
	if (!said)
		trust_set_note(out,
			       "%s does not set config_path = \"%s\" (containerd 1.x's CRI "
			       "reads this tree only then; ctr needs --hosts-dir %s)",
			       CONTAINERD_CONFIG, engines[ENGINE_CONTAINERD].certs_d,
			       engines[ENGINE_CONTAINERD].certs_d);
	free(h);
	buf_dispose(&cfg);
}

/* containerd looks for "host_port_" before "host:port" (hostDirectory in
 * its remotes/docker/config/hosts.go): such a directory hides trustform's.
 * Its in-root path, or NULL for a host without a port. */
char *containerd_shadow(const struct certsd *p)
{
	const char *colon = strrchr(p->host, ':');
	if (!colon || colon == p->host)
		return NULL;
	return xasprintf("%s/%.*s_%s_", p->eng->certs_d, (int)(colon - p->host), p->host,
			 colon + 1);
}

bool shadow_exists(const struct store_inst *s, const char *alt)
{
	char *h = alt ? root_resolve_host(s->ctx->root, alt) : NULL;
	struct stat sb;
	bool there = h && stat(h, &sb) == 0;
	free(h);
	return there;
}

void containerd_shadow_check(const struct store_inst *s, struct trust_set *out)
{
	const struct certsd *p = s->priv;
	char *alt = containerd_shadow(p);
	if (shadow_exists(s, alt))
		trust_set_ineffective(out,
				      "%s exists, and containerd reads it instead of %s: move "
				      "what it holds into %s (or remove it)",
				      alt, p->dir, p->dir);
	free(alt);
}
