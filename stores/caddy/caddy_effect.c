/*
 * `caddy validate` of the file Caddy runs with, answered from the effect
 * cache (stores/effectcache.h) while nothing that decides Caddy's answer
 * changed: the binary (by identity: device, inode, size, mtime, ctime), the
 * adapter, the file's bytes, for a Caddyfile every file it imports (as
 * trustform follows them), and every absolute path the config names: each
 * word of a Caddyfile, each string value of a JSON document (certificate and
 * key files, trusted CA PEM files, roots: by identity, or that they are
 * missing). Validate loads those files, so a changed certificate must not
 * reuse "valid".
 *
 * Validated every time: a Caddyfile whose imports trustform cannot follow
 * (placeholders), a config that reads the environment ({$VAR}, {env.VAR}),
 * and one with a relative word or string that names something that exists
 * from Caddy's working directory (trustform's: Caddy would read it, and what
 * it names depends on where trustform runs). A relative name that exists
 * nowhere cannot change the answer until it does. A directory counts only
 * when the name has a '/' ("certs/", "./certs"): bare words such as `root` or
 * `log` name directories of / when trustform runs there, and are directives.
 */
#include "stores/caddy/caddy.h"
#include "stores/caddy/caddy_int.h"
#include "stores/caddy/caddyfile.h"
#include "stores/effectcache.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool reads_env(const struct buf *b)
{
	for (size_t i = 0; i + 1 < b->len; i++)
		if (b->ptr[i] == '{' &&
		    (b->ptr[i + 1] == '$' || !strncmp(b->ptr + i + 1, "env.", 4)))
			return true;
	return false;
}

/* A path Caddy would open, keyed; a relative one that names something makes
 * the key unusable (see above). */
static void path_input(struct effect_key *k, const char *text)
{
	/* Caddy runs outside any --root: a path is the host's */
	if (!text || !*text)
		return;
	if (text[0] == '/') {
		effect_key_stat(k, text);
		return;
	}
	struct stat st;
	if (stat(text, &st) == 0 && (!S_ISDIR(st.st_mode) || strchr(text, '/')))
		k->usable = false;
}

/* Every string value of the document (object keys are Caddy's names). */
static void json_inputs(struct effect_key *k, const json_t *v)
{
	if (json_is_string(v)) {
		path_input(k, json_string_value(v));
	} else if (json_is_array(v)) {
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e) json_inputs(k, e);
	} else if (json_is_object(v)) {
		const char *name;
		const json_t *e;
		json_object_foreach((json_t *)v, name, e) json_inputs(k, e);
	}
}

static void json_config_inputs(struct effect_key *k, const struct buf *src)
{
	effect_key_bytes(k, "json", src->ptr, src->len);
	if (reads_env(src))
		k->usable = false;
	/* JSON that does not parse is rejected whatever files it names */
	json_t *doc = src->ptr ? json_loadb(src->ptr, src->len, 0, NULL) : NULL;
	if (doc)
		json_inputs(k, doc);
	json_decref(doc);
}

static void caddyfile_inputs(struct effect_key *k, const struct caddy_opts *o,
			     const struct buf *src)
{
	struct cf_doc d;
	if (cf_doc_load_buffer(&d, o->root, o->caddyfile, src->ptr ? src->ptr : "", src->len) < 0 ||
	    d.nskipped) {
		k->usable = false; /* Caddy says what is wrong, or reads what we cannot */
		err_clear();
		cf_doc_dispose(&d);
		return;
	}
	for (size_t f = 0; f < d.nfiles; f++) {
		const struct cf_file *cf = &d.files[f];
		if (reads_env(&cf->src))
			k->usable = false;
		effect_key_text(k, "caddyfile", cf->path);
		effect_key_bytes(k, "bytes", cf->src.ptr, cf->src.len);
		for (size_t t = 0; t < cf->toks.n; t++)
			path_input(k, cf->toks.items[t].text);
	}
	cf_doc_dispose(&d);
}

int caddy_validate_cached(const struct caddy_opts *o, const char *bin, const char *host,
			  const struct buf *src, struct buf *msg)
{
	struct effect_key k;
	effect_key_init(&k, "caddy-validate", host);
	effect_key_stat(&k, bin);
	effect_key_text(&k, "binary", bin);
	effect_key_text(&k, "adapter", o->caddyfile ? "caddyfile" : "json");
	if (o->caddyfile)
		caddyfile_inputs(&k, o, src);
	else
		json_config_inputs(&k, src);
	char *res;
	size_t len;
	int rc;
	if (effect_cache_load(o->root, &k, &res, &len) == 0 && len >= 2 &&
	    (res[0] == '0' || res[0] == '1') && res[1] == '\n') {
		rc = res[0] - '0';
		if (rc)
			buf_add(msg, res + 2, len - 2);
	} else {
		rc = caddy_validate(bin, host, o->caddyfile != NULL, msg);
		if (rc >= 0) {
			struct buf r = BUF_INIT;
			buf_printf(&r, "%d\n", rc);
			if (rc && msg->len)
				buf_add(&r, msg->ptr, msg->len);
			effect_cache_save(o->root, &k, r.ptr, r.len);
			buf_dispose(&r);
		}
	}
	free(res);
	effect_key_dispose(&k);
	return rc;
}
