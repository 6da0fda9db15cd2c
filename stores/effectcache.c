/* The effect cache; see effectcache.h. */
#include "stores/effectcache.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/hex.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_DIR     "/var/cache/trustform/read"
#define CACHE_FORMAT  "trustform-effect-cache"
#define CACHE_MAX     ((size_t)1 << 20) /* a result is a few KiB */
#define DIR_MAX_FILES 4096		/* a package directory, not a tree */

static bool use_cache;

static bool cache_off(void)
{
	const char *env = getenv("TRUSTFORM_READ_CACHE");
	return env && !strcmp(env, "off");
}

void effect_cache_use(bool on)
{
	use_cache = on;
}

bool effect_cache_in_use(void)
{
	return use_cache && !cache_off();
}

void effect_key_init(struct effect_key *k, const char *kind, const char *id)
{
	buf_init(&k->text);
	k->id = xasprintf("%s %s", kind, id);
	k->usable = true;
	buf_printf(&k->text, "%s\n", k->id);
}

void effect_key_dispose(struct effect_key *k)
{
	buf_dispose(&k->text);
	free(k->id);
	k->id = NULL;
}

void effect_key_text(struct effect_key *k, const char *what, const char *value)
{
	/* lengths first: no two different lists read the same */
	buf_printf(&k->text, "text %zu:%s %zu:%s\n", strlen(what), what, strlen(value), value);
}

void effect_key_bytes(struct effect_key *k, const char *what, const void *data, size_t len)
{
	char hex[FP_HEX_LEN + 1];
	sha256_hex(hex, data ? data : "", len);
	buf_printf(&k->text, "bytes %zu:%s %zu %s\n", strlen(what), what, len, hex);
}

static void put_stat(struct buf *b, const char *tag, const char *path, const struct stat *st)
{
	buf_printf(b, "%s %zu:%s %llu %llu %o %lu %lu %lld %lld.%09ld %lld.%09ld\n", tag,
		   strlen(path), path, (unsigned long long)st->st_dev,
		   (unsigned long long)st->st_ino, (unsigned)st->st_mode, (unsigned long)st->st_uid,
		   (unsigned long)st->st_gid, (long long)st->st_size, (long long)st->st_mtim.tv_sec,
		   st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

void effect_key_stat(struct effect_key *k, const char *host_path)
{
	struct stat st;
	if (stat(host_path, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			k->usable = false;
		buf_printf(&k->text, "missing %zu:%s\n", strlen(host_path), host_path);
		return;
	}
	put_stat(&k->text, "stat", host_path, &st);
}

void effect_key_hash(struct effect_key *k, const char *host_path)
{
	struct stat st;
	if (stat(host_path, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			k->usable = false;
		buf_printf(&k->text, "missing %zu:%s\n", strlen(host_path), host_path);
		return;
	}
	struct buf data = BUF_INIT;
	if (!S_ISREG(st.st_mode) || buf_read_file(&data, host_path) < 0) {
		k->usable = false;
		err_clear();
		buf_dispose(&data);
		return;
	}
	char hex[FP_HEX_LEN + 1];
	sha256_hex(hex, data.ptr, data.len);
	buf_printf(&k->text, "file %zu:%s %o %lu %lu %zu %s\n", strlen(host_path), host_path,
		   (unsigned)st.st_mode, (unsigned long)st.st_uid, (unsigned long)st.st_gid,
		   data.len, hex);
	buf_dispose(&data);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void effect_key_dir(struct effect_key *k, const char *host_dir)
{
	DIR *d = opendir(host_dir);
	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			k->usable = false;
		buf_printf(&k->text, "nodir %zu:%s\n", strlen(host_dir), host_dir);
		return;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == DIR_MAX_FILES) {
			k->usable = false;
			break;
		}
		ARRAY_GROW(names, n + 1, alloc);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	buf_printf(&k->text, "dir %zu:%s %zu\n", strlen(host_dir), host_dir, n);
	for (size_t i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", host_dir, names[i]);
		struct stat st;
		if (lstat(p, &st) == 0)
			put_stat(&k->text, "entry", names[i], &st);
		else
			k->usable = false;
		free(p);
		free(names[i]);
	}
	free(names);
}

static char *cache_path(const char *root, const struct effect_key *k)
{
	char name[FP_HEX_LEN + 1];
	sha256_hex(name, k->id, strlen(k->id));
	char *inroot = xasprintf(CACHE_DIR "/effect-%s.json", name);
	char *host = root_join(root, inroot);
	free(inroot);
	return host;
}

/* Ours alone: owned by this user, writable by no one else. */
static bool private_stat(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* The cache file's bytes, or -1: not a private regular file (a link is not
 * followed), too large, unreadable, or its directory not private. */
static int read_private(const char *dir, const char *path, struct buf *out)
{
	struct stat st;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || !private_stat(&st))
		return -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && private_stat(&st) &&
	    (size_t)st.st_size <= CACHE_MAX) {
		char chunk[8192];
		ssize_t got;
		while ((got = read(fd, chunk, sizeof(chunk))) > 0 && out->len <= CACHE_MAX)
			buf_add(out, chunk, (size_t)got);
		rc = got == 0 && out->len <= CACHE_MAX ? 0 : -1;
	}
	close(fd);
	return rc;
}

static int hex_decode(const char *hex, char **out, size_t *len)
{
	size_t n = strlen(hex);
	if (n % 2 || strspn(hex, "0123456789abcdef") != n)
		return -1;
	char *b = xmalloc(n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++) {
		char two[3] = {hex[2 * i], hex[2 * i + 1], 0};
		b[i] = (char)strtoul(two, NULL, 16);
	}
	b[n / 2] = 0;
	*out = b;
	*len = n / 2;
	return 0;
}

static char *key_hex(const struct effect_key *k)
{
	char *hex = xmalloc(FP_HEX_LEN + 1);
	sha256_hex(hex, k->text.ptr, k->text.len);
	return hex;
}

int effect_cache_load(const char *root, const struct effect_key *k, char **result, size_t *len)
{
	*result = NULL;
	*len = 0;
	if (!effect_cache_in_use() || !k->usable)
		return -1;
	char *dir = root_join(root, CACHE_DIR), *path = cache_path(root, k), *want = key_hex(k);
	struct buf text = BUF_INIT;
	json_t *doc = NULL;
	int rc = -1;
	if (read_private(dir, path, &text) == 0)
		doc = json_loadb(text.ptr, text.len, 0, NULL);
	if (doc) {
		const char *fmt = json_string_value(json_object_get(doc, "format"));
		const char *id = json_string_value(json_object_get(doc, "id"));
		const char *key = json_string_value(json_object_get(doc, "key"));
		const char *res = json_string_value(json_object_get(doc, "result"));
		if (fmt && !strcmp(fmt, CACHE_FORMAT) &&
		    json_integer_value(json_object_get(doc, "version")) == 1 && id &&
		    !strcmp(id, k->id) && key && !strcmp(key, want) && res)
			rc = hex_decode(res, result, len);
	}
	json_decref(doc);
	buf_dispose(&text);
	free(want);
	free(path);
	free(dir);
	return rc;
}

/* Results of this run, written by effect_cache_flush. */
struct pending {
	char *root, *path, *text;
};
static struct pending *pending;
static size_t npending, pending_alloc;

void effect_cache_save(const char *root, const struct effect_key *k, const void *result, size_t len)
{
	if (cache_off() || !k->usable || len > CACHE_MAX / 4)
		return;
	char *key = key_hex(k);
	char *res = xmalloc(2 * len + 1);
	hex_encode(res, result, len);
	json_t *doc = json_object();
	json_object_set_new(doc, "format", json_string(CACHE_FORMAT));
	json_object_set_new(doc, "version", json_integer(1));
	json_object_set_new(doc, "id", json_string(k->id));
	json_object_set_new(doc, "key", json_string(key));
	json_object_set_new(doc, "result", json_string(res));
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (text) {
		ARRAY_GROW(pending, npending + 1, pending_alloc);
		pending[npending++] =
		    (struct pending){xstrdup(root), cache_path(root, k), xstrdup(text)};
	}
	free(text);
	json_decref(doc);
	free(res);
	free(key);
}

void effect_cache_flush(bool create)
{
	for (size_t i = 0; i < npending; i++) {
		struct pending *e = &pending[i];
		char *dir = root_join(e->root, CACHE_DIR);
		struct stat st;
		if (create)
			mkdir_p(dir, 0700);
		/* never into a directory someone else could swap files in */
		if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && private_stat(&st))
			atomic_write(e->path, e->text, strlen(e->text), 0600);
		free(dir);
	}
	err_clear();
	effect_cache_forget();
}

void effect_cache_forget(void)
{
	for (size_t i = 0; i < npending; i++) {
		free(pending[i].root);
		free(pending[i].path);
		free(pending[i].text);
	}
	free(pending);
	pending = NULL;
	npending = pending_alloc = 0;
}
