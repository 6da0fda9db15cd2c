/*
 * Emulation of OpenSSL's `openssl rehash` (apps/rehash.c, 3.0 series),
 * reimplemented from its documented behaviour and observed output:
 *   - entries are visited in strcmp order of their names;
 *   - a symlink whose name looks like a hash link records "old id" for its
 *     target name; any other entry with a .pem/.crt/.cer/.crl extension that
 *     holds exactly one certificate or CRL is hashed (subject name hash) and
 *     identified by its SHA-1 digest; a second file with the same digest in a
 *     bucket is skipped as a duplicate;
 *   - per bucket, entries whose old id is below the number of files needing a
 *     link keep their link as is; others get the lowest free ids in bucket
 *     order; the remaining old links are removed.
 * The result must equal what the real command leaves; tests compare both.
 */
#include "stores/system/rehash.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_COLLISIONS 256
#define NO_ID	       0xffff

struct hentry {
	char *filename;
	unsigned short old_id;
	bool need_symlink;
	unsigned char digest[20];
};

struct bucket {
	int type; /* 0 cert, 1 CRL */
	unsigned long hash;
	struct hentry *e;
	size_t n, alloc;
	unsigned num_needed;
};

/* Buckets in order of first use (the order links are made in), found by an
 * open-addressing index on (type, hash) so that 100k CAs stay linear. */
struct table {
	struct bucket *b;
	size_t n, alloc;
	size_t *idx; /* slot -> bucket index + 1; 0 is empty */
	size_t cap;  /* slots, a power of two, kept over twice n */
};

static size_t bucket_slot(const struct table *t, int type, unsigned long hash)
{
	uint64_t k = ((uint64_t)hash << 1 | (uint64_t)type) * 0x9e3779b97f4a7c15ULL;
	size_t mask = t->cap - 1, i = (size_t)(k >> 32) & mask;
	while (t->idx[i]) {
		const struct bucket *b = &t->b[t->idx[i] - 1];
		if (b->type == type && b->hash == hash)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

static void table_grow(struct table *t)
{
	size_t *old = t->idx, oldcap = t->cap;
	t->cap = oldcap ? oldcap * 2 : 64;
	t->idx = xcalloc(t->cap, sizeof(*t->idx));
	for (size_t i = 0; i < oldcap; i++)
		if (old[i]) {
			const struct bucket *b = &t->b[old[i] - 1];
			t->idx[bucket_slot(t, b->type, b->hash)] = old[i];
		}
	free(old);
}

static struct bucket *bucket_get(struct table *t, int type, unsigned long hash)
{
	if (2 * (t->n + 1) > t->cap)
		table_grow(t);
	size_t slot = bucket_slot(t, type, hash);
	if (t->idx[slot])
		return &t->b[t->idx[slot] - 1];
	ARRAY_GROW(t->b, t->n + 1, t->alloc);
	struct bucket *b = &t->b[t->n++];
	memset(b, 0, sizeof(*b));
	b->type = type;
	b->hash = hash;
	t->idx[slot] = t->n;
	return b;
}

static void add_entry(struct table *t, int type, unsigned long hash, const char *filename,
		      const unsigned char *digest, bool need_symlink, unsigned short old_id)
{
	struct bucket *b = bucket_get(t, type, hash);
	struct hentry *found = NULL;
	for (size_t i = 0; i < b->n; i++) {
		struct hentry *e = &b->e[i];
		if (digest && e->need_symlink && memcmp(digest, e->digest, 20) == 0)
			return; /* "skipping duplicate certificate" */
		if (strcmp(filename, e->filename) == 0) {
			found = e;
			if (!digest)
				break;
		}
	}
	if (!found) {
		if (b->num_needed >= MAX_COLLISIONS)
			return; /* "hash table overflow" */
		ARRAY_GROW(b->e, b->n + 1, b->alloc);
		found = &b->e[b->n++];
		memset(found, 0, sizeof(*found));
		found->old_id = NO_ID;
		found->filename = xstrdup(filename);
	}
	if (old_id < found->old_id)
		found->old_id = old_id;
	if (need_symlink && !found->need_symlink) {
		found->need_symlink = true;
		b->num_needed++;
		memcpy(found->digest, digest, 20);
	}
}

bool rehash_is_hash_name(const char *name)
{
	for (int i = 0; i < 8; i++)
		if (!isxdigit((unsigned char)name[i]))
			return false;
	const char *p = name + 8;
	if (*p++ != '.')
		return false;
	if (*p == 'r' || *p == 'R')
		p++;
	/* strtoul accepts an empty number as 0 and leading space/sign; mirror that. */
	char *end;
	strtoul(p, &end, 10);
	return *end == '\0';
}

static void handle_symlink(struct table *t, const struct rh_entry *e)
{
	unsigned long hash = 0;
	for (int i = 0; i < 8; i++) {
		int c = tolower((unsigned char)e->name[i]);
		hash = (hash << 4) | (unsigned long)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	const char *p = e->name + 9;
	int type = 0;
	if (*p == 'r' || *p == 'R') {
		type = 1;
		p++;
	}
	unsigned long id = strtoul(p, NULL, 10);
	add_entry(t, type, hash, e->target, NULL, false, (unsigned short)id);
}

static bool has_cert_extension(const char *name)
{
	const char *ext = strrchr(name, '.');
	if (!ext)
		return false;
	ext++;
	return !strcasecmp(ext, "pem") || !strcasecmp(ext, "crt") || !strcasecmp(ext, "cer") ||
	       !strcasecmp(ext, "crl");
}

static size_t count_cert_begins(const char *p, size_t len)
{
	static const char mark[] = "-----BEGIN CERTIFICATE-----";
	size_t n = 0;
	const char *end = p + len;
	while ((p = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1)) != NULL) {
		n++;
		p += sizeof(mark) - 1;
	}
	return n;
}

void rehash_info_from_bytes(const void *data, size_t len, struct rh_info *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = RH_SKIP;
	/* Two certificate blocks always mean "not exactly one" (or a parse error):
	 * skip without parsing a whole bundle. */
	if (count_cert_begins(data, len) >= 2)
		return;
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	STACK_OF(X509_INFO) *inf = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (inf && sk_X509_INFO_num(inf) == 1) {
		X509_INFO *x = sk_X509_INFO_value(inf, 0);
		unsigned int dlen = 0;
		if (x->x509) {
			out->kind = RH_CERT;
			X509_digest(x->x509, EVP_sha1(), out->sha1, &dlen);
			out->hash =
			    X509_NAME_hash_ex(X509_get_subject_name(x->x509), NULL, NULL, NULL);
		} else if (x->crl) {
			out->kind = RH_CRL;
			X509_CRL_digest(x->crl, EVP_sha1(), out->sha1, &dlen);
			out->hash =
			    X509_NAME_hash_ex(X509_CRL_get_issuer(x->crl), NULL, NULL, NULL);
		}
	}
	sk_X509_INFO_pop_free(inf, X509_INFO_free);
}

static void do_file(struct table *t, const struct rh_entry *e, rh_info_fn info, void *ctx)
{
	struct rh_info i;
	if (!has_cert_extension(e->name))
		return;
	info(ctx, e->name, &i);
	if (i.kind != RH_SKIP)
		add_entry(t, i.kind == RH_CRL, i.hash, e->name, i.sha1, true, NO_ID);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct rh_entry *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static void push_link(struct rh_link **out, size_t *n, size_t *alloc, const struct bucket *b,
		      unsigned id, const char *target)
{
	ARRAY_GROW(*out, *n + 1, *alloc);
	(*out)[*n].name = xasprintf("%08lx.%s%u", b->hash, b->type ? "r" : "", id);
	(*out)[*n].target = xstrdup(target);
	(*n)++;
}

void rehash_compute(const struct rh_entry *entries, size_t n, rh_info_fn info, void *ctx,
		    struct rh_link **out, size_t *nout)
{
	struct table t = {0};
	const struct rh_entry **sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	size_t alloc = 0;

	*out = NULL;
	*nout = 0;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &entries[i];
	qsort(sorted, n, sizeof(*sorted), entry_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct rh_entry *e = sorted[i];
		if (e->is_link && rehash_is_hash_name(e->name) && e->target)
			handle_symlink(&t, e);
		else
			do_file(&t, e, info, ctx);
	}
	for (size_t bi = 0; bi < t.n; bi++) {
		struct bucket *b = &t.b[bi];
		/* One flag per id in use. Old links (as c_rehash leaves them, any
		 * number) can hold ids below num_needed, pushing new ids past
		 * MAX_COLLISIONS: at most b->n ids are taken, so b->n + 1 flags
		 * always hold the next free one (OpenSSL's fixed 32-byte mask
		 * overflows here). */
		bool *idmask = xcalloc(b->n + 1, sizeof(*idmask));
		unsigned nextid = 0;
		for (size_t i = 0; i < b->n; i++)
			if (b->e[i].old_id < b->num_needed)
				idmask[b->e[i].old_id] = true;
		for (size_t i = 0; i < b->n; i++) {
			struct hentry *e = &b->e[i];
			if (e->old_id < b->num_needed) {
				push_link(out, nout, &alloc, b, e->old_id, e->filename);
			} else if (e->need_symlink) {
				while (idmask[nextid])
					nextid++;
				push_link(out, nout, &alloc, b, nextid, e->filename);
				idmask[nextid] = true;
			}
			free(e->filename);
		}
		free(idmask);
		free(b->e);
	}
	free(t.b);
	free(t.idx);
	free(sorted);
}

void rehash_links_free(struct rh_link *links, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(links[i].name);
		free(links[i].target);
	}
	free(links);
}
