/* Chrome's and Chromium's managed policy files, read and parsed; see chrome_int.h. */
#include "stores/chrome/chrome_int.h"
#include "util/dirlist.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* --- policy files ------------------------------------------------------------ */

struct cert *pol_b64_cert(const char *s)
{
	size_t len = strlen(s);
	if (!len || len % 4)
		return NULL;
	unsigned char *der = xmalloc(len);
	int n = EVP_DecodeBlock(der, (const unsigned char *)s, (int)len);
	struct cert *c = NULL;
	if (n > 0) {
		n -= (s[len - 1] == '=') + (s[len - 2] == '=');
		c = cert_from_der(der, (size_t)n);
	}
	free(der);
	return c;
}

char *pol_cert_b64(const struct cert *c)
{
	char *out = xmalloc(4 * ((c->der_len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, c->der, (int)c->der_len);
	return out;
}

void plist_add(struct plist *l, const char *b64, struct cert *c)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 8;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	struct pcert *p = &l->v[l->n++];
	memset(p, 0, sizeof(*p));
	p->b64 = xstrdup(b64);
	p->cert = c;
	if (c)
		memcpy(p->fp, c->fp, FP_LEN);
}

void plist_dispose(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].b64);
		cert_free(l->v[i].cert);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

bool plist_has(const struct plist *l, const unsigned char fp[FP_LEN])
{
	for (size_t i = 0; l && i < l->n; i++)
		if (l->v[i].cert && !memcmp(l->v[i].fp, fp, FP_LEN))
			return true;
	return false;
}

void plist_drop(struct plist *l, const unsigned char fp[FP_LEN])
{
	for (size_t i = l->n; i-- > 0;) {
		if (l->v[i].cert && !memcmp(l->v[i].fp, fp, FP_LEN)) {
			free(l->v[i].b64);
			cert_free(l->v[i].cert);
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
			l->n--;
		}
	}
}

void pfile_dispose(struct pfile *f)
{
	free(f->name);
	free(f->shown);
	free(f->why);
	plist_dispose(&f->ca);
	plist_dispose(&f->dis);
}

static void pol_parse_list(json_t *root, const char *key, struct plist *l)
{
	json_t *a = json_object_get(root, key);
	if (!a)
		return;
	l->set = true;
	if (!json_is_array(a))
		return;
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		const char *s = json_is_string(v) ? json_string_value(v) : "";
		plist_add(l, s, pol_b64_cert(s));
	}
}

/* Parse bytes as a policy file: what Chrome would take from it. */
void pfile_parse(struct pfile *f, const struct buf *bytes)
{
	json_error_t je;
	json_t *root = json_loadb(bytes->ptr ? bytes->ptr : "", bytes->len, 0, &je);
	if (!root) {
		f->bad = true;
		f->why = xasprintf("line %d column %d: %s", je.line, je.column, je.text);
		return;
	}
	if (!json_is_object(root)) {
		f->bad = true;
		f->why = xstrdup("not a JSON object");
	} else {
		pol_parse_list(root, K_CA, &f->ca);
		pol_parse_list(root, K_DIS, &f->dis);
	}
	json_decref(root);
}

static bool other_policy(const char *host, const char *name, void *arg)
{
	(void)arg;
	return name[0] != '.' && strcmp(name, OURS) && dirlist_regular(host, name, NULL);
}

/* The other policy files of the directory, in Chrome's order (file name);
 * hidden files (trustform's temporary files among them) are left out. */
int pol_load_others(const struct cpol *p, struct pfile **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char **names;
	size_t nn;
	if (dirlist(p->dirhost, other_policy, NULL, &names, &nn) < 0)
		return -1;
	*out = xcalloc(nn ? nn : 1, sizeof(**out));
	int rc = 0;
	for (size_t i = 0; i < nn; i++) {
		struct pfile *f = &(*out)[(*n)++];
		f->name = names[i];
		f->shown = xasprintf("%s/%s", p->b->dir, names[i]);
		char *h = xasprintf("%s/%s", p->dirhost, names[i]);
		struct buf b = BUF_INIT;
		if (buf_read_file(&b, h) < 0) {
			err_set_errno(errno, "%s: cannot read", f->shown);
			rc = -1;
		} else {
			pfile_parse(f, &b);
		}
		buf_dispose(&b);
		free(h);
		if (rc < 0)
			break;
	}
	for (size_t i = *n; i < nn; i++)
		free(names[i]); /* not reached after a failure */
	free(names);
	if (rc < 0) { /* the caller gets nothing to free */
		pol_others_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void pol_others_free(struct pfile *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pfile_dispose(&f[i]);
	free(f);
}

/* trustform.json's bytes into p->seen; 1 when missing, -1 with err set. */
int pol_load_ours(const struct cpol *p, struct buf *out)
{
	buf_reset(out);
	if (buf_read_file(out, p->host) == 0)
		return 0;
	if (errno == ENOENT)
		return 1;
	err_set_errno(errno, "%s: cannot read", p->file);
	return -1;
}
