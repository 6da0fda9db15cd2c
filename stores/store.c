/* The helpers of store.h that every backend uses: instances, what a type's
 * open found, trustform's file names, state keys. Below the registry. */
#include "stores/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/rootfs.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct store_inst *store_inst_new(const struct store_backend *backend, const struct conf_store *cs,
				  const struct run_ctx *ctx, const char *address, const char *title)
{
	struct store_inst *s = xcalloc(1, sizeof(*s));
	s->backend = backend;
	s->conf = cs;
	s->ctx = ctx;
	s->address = xstrdup(address);
	s->title = xstrdup(title);
	return s;
}

void store_inst_free(struct store_inst *s)
{
	if (!s)
		return;
	if (s->backend && s->backend->free)
		s->backend->free(s);
	free(s->address);
	free(s->title);
	free(s->want_flags);
	free(s->target);
	free(s->read_key);
	for (size_t i = 0; i < s->nconsumers; i++) {
		struct store_consumer *c = &s->consumers[i];
		free(c->unit);
		free(c->source);
		for (size_t j = 0; j < c->nenv; j++)
			free(c->env[j]);
		free(c->env);
	}
	free(s->consumers);
	store_client_free(s->client);
	free(s);
}

struct store_consumer *store_inst_add_consumer(struct store_inst *s, const char *unit,
					       enum consumer_action on_change, const char *source)
{
	for (size_t i = 0; i < s->nconsumers; i++) {
		struct store_consumer *c = &s->consumers[i];
		if (strcmp(c->unit, unit))
			continue;
		if (on_change == CONSUMER_RESTART && c->on_change != CONSUMER_RESTART) {
			c->on_change = CONSUMER_RESTART;
			free(c->source);
			c->source = xstrdup(source);
		}
		return c;
	}
	s->consumers = xrealloc(s->consumers, (s->nconsumers + 1) * sizeof(*s->consumers));
	struct store_consumer *c = &s->consumers[s->nconsumers++];
	memset(c, 0, sizeof(*c));
	c->unit = xstrdup(unit);
	c->on_change = on_change;
	c->source = xstrdup(source);
	return c;
}

void store_client_free(struct store_client *c)
{
	if (!c)
		return;
	free(c->unit);
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->files_from);
	free(c);
}

void store_open_init(struct store_open *o)
{
	memset(o, 0, sizeof(*o));
}

void store_open_dispose(struct store_open *o)
{
	for (size_t i = 0; i < o->n; i++)
		store_inst_free(o->insts[i]);
	free(o->insts);
	for (size_t i = 0; i < o->nnotes; i++)
		free(o->notes[i]);
	free(o->notes);
	memset(o, 0, sizeof(*o));
}

void store_open_add(struct store_open *o, struct store_inst *s)
{
	ARRAY_GROW(o->insts, o->n + 1, o->alloc);
	o->insts[o->n++] = s;
}

void store_open_note(struct store_open *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&o->notes, &o->nnotes, &o->notes_alloc, fmt, ap);
	va_end(ap);
}

char *store_managed_name(const char *base, const char *prefix, const char *suffix)
{
	size_t n = strlen(base), pl = strlen(prefix), sl = strlen(suffix);
	if (strchr(base, '/') || strncmp(base, prefix, pl) != 0 || n < pl + 1 + 13 + sl ||
	    strcmp(base + n - sl, suffix) != 0)
		return NULL;
	const char *dash = base + n - sl - 13;
	if (*dash != '-')
		return NULL;
	for (int i = 1; i <= 12; i++)
		if (!isxdigit((unsigned char)dash[i]) || isupper((unsigned char)dash[i]))
			return NULL;
	char *label = xstrndup(base + pl, (size_t)(dash - base - pl));
	if (!config_name_ok(label)) {
		free(label);
		return NULL;
	}
	return label;
}

char *store_managed_label(const char *path, const char *dir, const char *suffix)
{
	size_t dl = strlen(dir);
	if (strncmp(path, dir, dl) != 0 || path[dl] != '/')
		return NULL;
	return store_managed_name(path + dl + 1, "", suffix);
}

int store_state_key_file(struct buf *key, const char *host_path)
{
	struct stat st;
	struct buf data = BUF_INIT;
	if (lstat(host_path, &st) < 0) {
		if (errno != ENOENT)
			return -1;
		buf_printf(key, "%s: missing\n", host_path);
		return 0;
	}
	if (!S_ISREG(st.st_mode) || buf_read_file(&data, host_path) < 0)
		return -1;
	char hex[FP_HEX_LEN + 1];
	sha256_hex(hex, data.ptr, data.len);
	buf_printf(key, "%s: %lu %lu %o %zu %s\n", host_path, (unsigned long)st.st_uid,
		   (unsigned long)st.st_gid, (unsigned)st.st_mode, data.len, hex);
	buf_dispose(&data);
	return 0;
}

static void store_file_user_free(struct store_file_user *u)
{
	if (!u)
		return;
	free(u->name);
	free(u->home);
	free(u->home_shown);
	free(u);
}

void store_file_for_user(struct store_file *f, const char *name, const char *home,
			 const char *home_shown, uid_t uid, gid_t gid)
{
	store_file_user_free(f->user);
	f->user = xmalloc(sizeof(*f->user));
	*f->user =
	    (struct store_file_user){xstrdup(name), xstrdup(home), xstrdup(home_shown), uid, gid};
}

int store_state_key_stat(struct store_inst *s, struct buf *key, const char *host_path,
			 const struct stat *have)
{
	struct stat st;
	if (have) {
		st = *have;
	} else if (stat(host_path, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return -1;
		buf_printf(key, "missing %zu:%s\n", strlen(host_path), host_path);
		return 0;
	}
	long long m = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	long long c = (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
	buf_printf(key, "stat %zu:%s %llu %llu %o %lu %lu %lld %lld %lld", strlen(host_path),
		   host_path, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		   (unsigned)st.st_mode, (unsigned long)st.st_uid, (unsigned long)st.st_gid,
		   (long long)st.st_size, m, c);
	if (S_ISREG(st.st_mode) && (m > c ? m : c) >= s->key_since - STORE_KEY_RACY_NS) {
		/* racy: changed too recently for its stat to tell a later change */
		struct buf data = BUF_INIT;
		if (buf_read_file(&data, host_path) < 0) {
			buf_dispose(&data);
			return -1;
		}
		char hex[FP_HEX_LEN + 1];
		sha256_hex(hex, data.ptr, data.len);
		buf_printf(key, " racy %zu %s", data.len, hex);
		buf_dispose(&data);
		s->key_racy++;
	}
	buf_putc(key, '\n');
	return 0;
}

struct store_file *store_files_add(struct store_files *fs, const char *host, const char *shown)
{
	ARRAY_GROW(fs->f, fs->n + 1, fs->alloc);
	struct store_file *f = &fs->f[fs->n++];
	memset(f, 0, sizeof(*f));
	f->host = xstrdup(host);
	f->shown = xstrdup(shown);
	buf_init(&f->have);
	buf_init(&f->want);
	strmap_put(&fs->by_host, f->host, fs->n - 1);
	return f;
}

struct store_file *store_files_get(struct store_files *fs, const char *host, const char *shown)
{
	size_t i = strmap_get(&fs->by_host, host);
	return i == STRMAP_NONE ? store_files_add(fs, host, shown) : &fs->f[i];
}

struct store_file *store_files_add_link(struct store_files *fs, const char *host, const char *shown)
{
	struct store_file *f = store_files_add(fs, host, shown);
	f->link = true;
	return f;
}

void store_files_dispose(struct store_files *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->f[i].host);
		free(fs->f[i].shown);
		buf_dispose(&fs->f[i].have);
		buf_dispose(&fs->f[i].want);
		store_file_user_free(fs->f[i].user);
		free(fs->f[i].refused);
	}
	free(fs->f);
	strmap_dispose(&fs->by_host);
	memset(fs, 0, sizeof(*fs));
}

/* Before the engine loaded it, the entry's intent is kept; the engine drops
 * what turns out to be no change once it has loaded it. */
void store_file_set(struct store_file *f, const void *data, size_t len)
{
	buf_truncate(&f->want, 0);
	buf_add(&f->want, data, len);
	f->write = !f->loaded || f->derived || !f->exists || !buf_equal(&f->have, data, len);
	f->remove = false;
}

void store_file_set_link(struct store_file *f, const char *target)
{
	store_file_set(f, target, strlen(target));
}

void store_file_refuse(struct store_file *f)
{
	free(f->refused);
	f->refused = xstrdup(err_code() != TF_OK ? err_msg() : "cannot be read");
	err_clear();
	f->write = false;
	f->remove = false;
}

void store_file_remove(struct store_file *f)
{
	f->write = false;
	f->remove = !f->loaded || f->exists;
}

void store_entry_op_end(struct store_entry_op *op, int code, const char *fmt, ...)
{
	op->ended = true;
	op->code = code == TF_OK || code == TF_EMODIFIED ? code : TF_ERROR;
	free(op->why);
	op->why = NULL;
	if (fmt && op->code != TF_OK) {
		struct buf b = BUF_INIT;
		va_list ap;
		va_start(ap, fmt);
		buf_vprintf(&b, fmt, ap);
		va_end(ap);
		op->why = buf_detach(&b);
	}
}
