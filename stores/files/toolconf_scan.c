/*
 * What overrides a configuration-file store's setting: the files its tool
 * reads, in the tool's order, for each reader (the system file alone, and for
 * each listed user the system file then their own files; git's include.path
 * and includeIf.<condition>.path files read where they are named), and the
 * settings after trustform's that win over it.
 *
 *   pip   /etc/pip.conf, ~/.pip/pip.conf, ~/.config/pip/pip.conf, then the
 *         `venvs:`' own pip.conf; a `cert` in a command's section ([install],
 *         [download]) wins over [global]'s
 *   npm   /etc/npmrc, ~/.npmrc; the last `cafile` wins
 *   git   /etc/gitconfig, ~/.config/git/config, ~/.gitconfig; the last
 *         value wins, and `http.<url>.sslCAInfo` wins for its URLs over
 *         `http.sslCAInfo` wherever it is
 *
 * and after them, for each of the store's projects (`projects:`, its
 * consumers' WorkingDirectory=), npm's <project>/.npmrc and git's
 * <gitdir>/config. A setting that wins but names a bundle holding every CA the
 * store must hold (and none it must not) is a note, not an error.
 *
 * Settings that turn verification off are reported as well (pip
 * `trusted-host`, npm `strict-ssl=false`, git `http.sslVerify=false`).
 */
#include "model/cert.h"
#include "stores/files/cfgsyntax.h"
#include "stores/files/toolconf.h"
#include "stores/storeopt.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define INCLUDE_DEPTH 10 /* git's own limit */
/* What one reader's files may hold before the rest is not read: git reads an
 * included file again each time it is named, so ten sections that include
 * ~/.gitconfig would be 10^10 reads. */
#define READ_FILES   64
#define READ_ENTRIES 100000

struct tc_set {
	char *src; /* "FILE:LINE", and how the file is read */
	char *name, *value;
	bool ours;
};

struct tc_seq {
	struct tc_set *s;
	size_t n, alloc;
};

struct scan_ctx {
	const struct tc_store *p;
	const struct tc_user *u; /* the reader, or NULL (the system file alone) */
	struct trust_set *out;
	char ***seen; /* messages already given (a file read by many readers) */
	size_t *nseen, *seen_alloc;
	/* this reader's files read so far (resolved), and their entries */
	char **read;
	size_t nread, nentries;
	const struct host_store *hs; /* the store's CAs, or NULL */
};

static void push(struct tc_seq *q, char *src, const char *name, const char *value, bool ours)
{
	if (q->n == q->alloc) {
		q->alloc = q->alloc ? 2 * q->alloc : 16;
		q->s = xrealloc(q->s, q->alloc * sizeof(*q->s));
	}
	q->s[q->n++] = (struct tc_set){src, xstrdup(name), value ? xstrdup(value) : NULL, ours};
}

static void seq_dispose(struct tc_seq *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->s[i].src);
		free(q->s[i].name);
		free(q->s[i].value);
	}
	free(q->s);
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

static const struct tc_file *written(const struct tc_store *p, const char *shown)
{
	for (size_t i = 0; i < p->nfiles; i++)
		if (!strcmp(p->files[i].shown, shown))
			return &p->files[i];
	return NULL;
}

/* Say msg (freed) unless something was said of key already: a line that
 * defeats trustform for several readers (a venv's, the system file's) is
 * named once, for the first. */
static void say_once(struct scan_ctx *c, bool ineffective, const char *key, char *msg)
{
	for (size_t i = 0; i < *c->nseen; i++)
		if (!strcmp((*c->seen)[i], key)) {
			free(msg);
			return;
		}
	if (ineffective)
		trust_set_ineffective(c->out, "%s", msg);
	else
		trust_set_note(c->out, "%s", msg);
	free(msg);
	if (*c->nseen == *c->seen_alloc) {
		*c->seen_alloc = *c->seen_alloc ? 2 * *c->seen_alloc : 8;
		*c->seen = xrealloc(*c->seen, *c->seen_alloc * sizeof(**c->seen));
	}
	(*c->seen)[(*c->nseen)++] = xstrdup(key);
}

/* An included file's in-root path: ~/ is the reader's home, a relative path
 * the including file's directory. NULL when it cannot be known. */
static char *include_path(const struct scan_ctx *c, const char *from, const char *path)
{
	if (!path || !*path)
		return NULL;
	if (!strncmp(path, "~/", 2))
		return c->u ? xasprintf("%s/%s", c->u->home, path + 2) : NULL;
	if (path[0] == '/')
		return xstrdup(path);
	const char *slash = strrchr(from, '/');
	return xasprintf("%.*s/%s", (int)(slash - from), from, path);
}

/* Has this reader read host already (on the include chain or before)? Keeps
 * it otherwise; false and a finding once the reader's cap is reached. */
static bool read_before(struct scan_ctx *c, const char *shown, const char *host)
{
	for (size_t i = 0; i < c->nread; i++)
		if (!strcmp(c->read[i], host))
			return true;
	if (c->nread >= READ_FILES || c->nentries >= READ_ENTRIES) {
		say_once(c, true, shown,
			 xasprintf("%s is not read: the files %s reads%s%s hold more than %d "
				   "files or %d settings (include.path, includeIf), so what it "
				   "sets is not checked; include fewer files",
				   shown, c->p->t->tool, c->u ? " for user " : "",
				   c->u ? c->u->name : "", READ_FILES, READ_ENTRIES));
		return true;
	}
	c->read = xrealloc(c->read, (c->nread + 1) * sizeof(*c->read));
	c->read[c->nread++] = xstrdup(host);
	return false;
}

static void reader_reset(struct scan_ctx *c)
{
	for (size_t i = 0; i < c->nread; i++)
		free(c->read[i]);
	free(c->read);
	c->read = NULL;
	c->nread = c->nentries = 0;
}

static void load(struct scan_ctx *c, struct tc_seq *q, const char *shown, const char *via,
		 int depth)
{
	char *host = root_resolve_host(c->p->root, shown);
	struct buf b = BUF_INIT;
	if (!host) { /* a link the jail refuses (a user's dotfile managed by stow) */
		say_once(c, true, shown,
			 xasprintf("%s%s is not read (%s): what it sets for %s is not checked "
				   "and may override trustform's setting; replace the link with "
				   "the file it points to",
				   shown, via, err_msg(), c->p->t->tool));
		err_clear();
		return;
	}
	if (read_before(c, shown, host)) {
		free(host);
		return;
	}
	if (buf_read_file(&b, host) < 0) {
		if (errno != ENOENT)
			say_once(c, false, shown,
				 xasprintf("%s cannot be read (%s): what it sets for %s is not "
					   "checked",
					   shown, buf_strerror(errno), c->p->t->tool));
		if (errno == ENOENT && written(c->p, shown)) /* apply creates it */
			push(q, xasprintf("%s", shown), c->p->name, c->p->bundle, true);
		free(host);
		buf_dispose(&b);
		return;
	}
	free(host);
	struct cfg_doc d;
	cfg_parse(&d, c->p->t->syn, b.ptr, b.len);
	c->nentries += d.n;
	const struct tc_file *mine = written(c->p, shown);
	size_t bb = 0, be = 0;
	bool block = mine && cfg_block(&d, c->p->store, &bb, &be) == 1;
	for (size_t i = 0; i < d.n; i++) {
		const struct cfg_entry *e = &d.e[i];
		if (!e->name)
			continue;
		bool ours = block && i > bb && i < be && !strcmp(e->name, c->p->name);
		push(q, xasprintf("%s:%zu%s", shown, e->line, via), e->name, e->value, ours);
		bool inc = !strcmp(e->name, "include.path") ||
			   (!strncmp(e->name, "includeif.", 10) && has_suffix(e->name, ".path"));
		if (c->p->t->syn != CFG_GIT || !inc || depth >= INCLUDE_DEPTH)
			continue;
		char *path = include_path(c, shown, e->value);
		if (!path)
			continue;
		char *cond = cfg_printable(e->name);
		char *v = xasprintf(
		    " (read through %s:%zu, %s%s)", shown, e->line, cond,
		    strncmp(e->name, "includeif.", 10) ? "" : ": wherever its condition holds");
		load(c, q, path, v, depth + 1);
		free(v);
		free(cond);
		free(path);
	}
	if (mine && !block) /* not written yet: where apply puts it */
		push(q, xasprintf("%s", shown), c->p->name, c->p->bundle, true);
	cfg_doc_dispose(&d);
	buf_dispose(&b);
}

static bool is_false(const char *v)
{
	return v && (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
		     !strcmp(v, "0") || !*v);
}

/* Turns verification off? Its why, or NULL. */
static const char *insecure(const struct tool_def *t, const struct tc_set *s)
{
	if (t->syn == CFG_PIP && has_suffix(s->name, ".trusted-host") && s->value && *s->value)
		return "pip then accepts any certificate from those hosts";
	if (t->syn == CFG_NPMRC && !strcmp(s->name, "strict-ssl") && is_false(s->value))
		return "npm then accepts any certificate";
	if (t->syn == CFG_GIT && !strncmp(s->name, "http.", 5) &&
	    has_suffix(s->name, ".sslverify") && is_false(s->value))
		return "git then accepts any certificate";
	return NULL;
}

/* Does s win over trustform's setting (at index o of the sequence)? */
static bool wins(const struct tc_store *p, const struct tc_set *s, size_t i, size_t o)
{
	const char *n = s->name;
	if (s->ours || (s->value && !strcmp(s->value, p->bundle)))
		return false;
	if (i > o && !strcmp(n, p->name))
		return true;
	if (p->t->syn == CFG_PIP) /* a command's section */
		return has_suffix(n, ".cert") && strlen(n) > 5 && strncmp(n, "global.", 7);
	if (p->t->syn != CFG_GIT || strncmp(n, "http.", 5) || !has_suffix(n, ".sslcainfo"))
		return false;
	/* a per-URL value wins over a less specific one for its URLs */
	size_t ours_len = strlen(p->name), len = strlen(n);
	return len > ours_len && !strncmp(n, p->section, strlen(p->section)) &&
	       (p->url || len > strlen("http..sslcainfo"));
}

/* Does the file a winning setting names hold every CA the store must hold,
 * and none it must not? Then the tool still trusts what trustform says. */
static bool holds_cas(const struct scan_ctx *c, const char *value)
{
	const struct host_store *hs = c->hs;
	char *path = value && !strncmp(value, "~/", 2) && c->u
			 ? xasprintf("%s/%s", c->u->home, value + 2)
		     : value && value[0] == '/' ? xstrdup(value)
						: NULL;
	char *host = path ? root_resolve_host(c->p->root, path) : NULL;
	struct buf b = BUF_INIT;
	struct cert_list l = {0};
	bool ok =
	    hs && host && buf_read_file(&b, host) == 0 && cert_list_parse(&l, b.ptr, b.len) == 0;
	size_t npresent = 0;
	for (size_t i = 0; ok && i < hs->ncas; i++) {
		const struct conf_ca *ca = hs->cas[i];
		bool in = false;
		for (size_t k = 0; ca->cert && k < l.n && !in; k++)
			in = !memcmp(l.items[k]->fp, ca->cert->fp, FP_LEN);
		npresent += ca->ensure == ENSURE_PRESENT;
		ok = ca->cert && in == (ca->ensure == ENSURE_PRESENT);
	}
	err_clear();
	cert_list_dispose(&l);
	buf_dispose(&b);
	free(host);
	free(path);
	return ok && npresent;
}

static void judge(struct scan_ctx *c, const struct tc_seq *q)
{
	const struct tc_store *p = c->p;
	size_t o = q->n;
	for (size_t i = 0; i < q->n; i++)
		if (q->s[i].ours)
			o = i;
	if (o == q->n)
		return; /* this reader reads none of trustform's files */
	const char *ours = q->s[o].src;
	for (size_t i = 0; i < q->n; i++) {
		const struct tc_set *s = &q->s[i];
		char *key = xasprintf("%s\n%s", s->src, s->name);
		const char *why = insecure(p->t, s);
		char *val = cfg_printable(s->value);
		char *name = cfg_printable(s->name);
		if (why)
			say_once(
			    c, true, key,
			    xasprintf("%s: %s=%s: %s; remove that line", s->src, name, val, why));
		else if (wins(p, s, i, o) && holds_cas(c, s->value))
			say_once(
			    c, false, key,
			    xasprintf("%s: %s=%s wins over trustform's %s (%s)%s%s; it holds "
				      "every CA of this store, so %s trusts them (keep it in step, "
				      "or remove that line)",
				      s->src, name, val, p->t->key, ours, c->u ? " for user " : "",
				      c->u ? c->u->name : "", p->t->tool));
		else if (wins(p, s, i, o))
			say_once(c, true, key,
				 xasprintf("%s: %s=%s wins over trustform's %s (%s)%s%s, so %s "
					   "does not use %s; remove that line, or set it to %s",
					   s->src, name, val, p->t->key, ours,
					   c->u ? " for user " : "", c->u ? c->u->name : "",
					   p->t->tool, p->bundle, p->bundle));
		free(val);
		free(name);
		free(key);
	}
}

/* A venv's own pip.conf: its pip reads it after every other file. */
static void load_venvs(struct scan_ctx *c, struct tc_seq *q)
{
	for (size_t i = 0; i < c->p->nvenvs; i++) {
		char *path = xasprintf("%s/pip.conf", c->p->venvs[i]);
		char *via = xasprintf(" (read by the pip of %s)", c->p->venvs[i]);
		load(c, q, path, via, 0);
		free(via);
		free(path);
	}
}

/* Each project's own file: npm's <project>/.npmrc, git's <gitdir>/config. */
static void load_projects(struct scan_ctx *c, struct tc_seq *q)
{
	for (size_t i = 0; i < c->p->nprojects; i++) {
		const struct tc_project *pr = &c->p->projects[i];
		char *path = tc_project_file(c->p, pr->dir);
		if (!path)
			continue;
		char *via =
		    xasprintf(" (read by %s run in %s: %s)", c->p->t->tool, pr->dir, pr->why);
		load(c, q, path, via, 0);
		free(via);
		free(path);
	}
}

void tc_check_overrides(const struct store_inst *s, const struct tc_store *p, struct trust_set *out)
{
	char **seen = NULL;
	size_t nseen = 0, seen_alloc = 0;
	struct resolved *r;
	struct scan_ctx c = {p, NULL, out, &seen, &nseen, &seen_alloc, NULL, 0, 0, NULL};
	c.hs = store_desired(s, &r);
	if (!p->user_scope) {
		struct tc_seq q = {0};
		load(&c, &q, p->files[0].shown, "", 0);
		load_venvs(&c, &q);
		load_projects(&c, &q);
		judge(&c, &q);
		seq_dispose(&q);
		reader_reset(&c);
	}
	for (size_t i = 0; i < p->nusers; i++) {
		struct tc_seq q = {0};
		c.u = &p->users[i];
		load(&c, &q, p->user_scope ? p->t->sys_path : p->files[0].shown, "", 0);
		for (const char *const *f = p->t->user_files; *f; f++) {
			char *path = xasprintf("%s/%s", c.u->home, *f);
			load(&c, &q, path, "", 0);
			free(path);
		}
		load_venvs(&c, &q);
		load_projects(&c, &q);
		judge(&c, &q);
		seq_dispose(&q);
		reader_reset(&c);
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	resolved_free(r);
}
