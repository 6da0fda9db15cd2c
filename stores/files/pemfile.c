/*
 * Marked blocks in a PEM file; see pemfile.h. The file is split into
 * trustform's blocks and the PEM blocks outside them (certificates others put
 * there); the text between is never interpreted and never rewritten.
 */
#include "stores/files/pemfile.h"
#include "model/step.h"
#include "schema/config.h"
#include "stores/store.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MARK_BEGIN "# trustform:begin "
#define MARK_END   "# trustform:end "

static bool starts(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && !memcmp(p, prefix, k);
}

static void seg_dispose(struct pem_seg *s)
{
	free(s->name);
	cert_free(s->cert);
}

void pem_file_dispose(struct pem_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		seg_dispose(&f->segs[i]);
	free(f->segs);
	free(f->host);
	free(f->shown);
	buf_dispose(&f->raw);
	memset(f, 0, sizeof(*f));
}

static struct pem_seg *push_seg(struct pem_file *f)
{
	ARRAY_GROW(f->segs, f->n + 1, f->alloc);
	struct pem_seg *s = &f->segs[f->n++];
	memset(s, 0, sizeof(*s));
	return s;
}

/* The single certificate of a byte range, or NULL. */
static struct cert *one_cert(const char *p, size_t n, size_t *ncerts, size_t *other)
{
	struct cert_list l = {0};
	struct cert *c = NULL;
	*ncerts = *other = 0;
	if (cert_list_parse(&l, p, n) == 0) {
		*ncerts = l.n;
		*other = l.other_blocks;
		if (l.n == 1 && !l.other_blocks) {
			c = l.items[0];
			l.items[0] = NULL;
			l.n = 0;
		}
	}
	cert_list_dispose(&l);
	return c;
}

/* "<name> sha256=<hex>" after the begin marker. */
static bool parse_begin(const char *p, size_t n, char **name, unsigned char fp[FP_LEN])
{
	const char *sp = memchr(p, ' ', n);
	if (!sp || (size_t)(p + n - sp) != 1 + 7 + FP_HEX_LEN || memcmp(sp + 1, "sha256=", 7))
		return false;
	char hexbuf[FP_HEX_LEN + 1];
	memcpy(hexbuf, sp + 8, FP_HEX_LEN);
	hexbuf[FP_HEX_LEN] = '\0';
	*name = xstrndup(p, (size_t)(sp - p));
	if (!config_name_ok(*name) || !fp_parse(fp, hexbuf)) {
		free(*name);
		*name = NULL;
		return false;
	}
	return true;
}

struct cursor {
	const char *base;
	size_t off, len, line;
};

/* The next line: its start, length without newline; advances past it. */
static bool next_line(struct cursor *c, const char **p, size_t *n)
{
	if (c->off >= c->len)
		return false;
	*p = c->base + c->off;
	const char *nl = memchr(*p, '\n', c->len - c->off);
	*n = nl ? (size_t)(nl - *p) : c->len - c->off;
	c->off += *n + (nl ? 1 : 0);
	c->line++;
	return true;
}

static int scan(struct pem_file *f)
{
	struct cursor c = {f->raw.ptr, 0, f->raw.len, 0};
	const char *p;
	size_t n;
	bool other_text = false;
	while (c.off < c.len) {
		size_t start = c.off, line = c.line + 1;
		next_line(&c, &p, &n);
		if (starts(p, n, MARK_BEGIN)) {
			struct pem_seg *s = push_seg(f);
			unsigned char want[FP_LEN];
			s->kind = SEG_OURS;
			s->start = start;
			s->line = line;
			if (!parse_begin(p + strlen(MARK_BEGIN), n - strlen(MARK_BEGIN), &s->name,
					 want)) {
				err_set(
				    "%s:%zu: a trustform begin marker is damaged (wanted "
				    "\"%s<name> "
				    "sha256=<64 hex>\"); fix the line or remove the block by hand",
				    f->shown, line, MARK_BEGIN);
				return -1;
			}
			size_t body = c.off;
			bool closed = false;
			while (!closed && next_line(&c, &p, &n)) {
				if (starts(p, n, MARK_END) &&
				    n - strlen(MARK_END) == strlen(s->name) &&
				    !memcmp(p + strlen(MARK_END), s->name, strlen(s->name)))
					closed = true;
				else if (starts(p, n, MARK_BEGIN))
					break;
			}
			if (!closed) {
				err_set("%s:%zu: trustform block \"%s\" has no \"%s%s\" line; "
					"restore it "
					"or remove the block by hand",
					f->shown, line, s->name, MARK_END, s->name);
				return -1;
			}
			s->end = c.off;
			size_t bodyend = c.off - n - (c.base[c.off - 1] == '\n' ? 1 : 0);
			size_t ncerts, other;
			s->cert = one_cert(f->raw.ptr + body, bodyend - body, &ncerts, &other);
			s->intact = s->cert && !memcmp(s->cert->fp, want, FP_LEN);
			continue;
		}
		if (starts(p, n, "-----BEGIN ")) {
			bool closed = false;
			while (!closed && next_line(&c, &p, &n))
				closed = starts(p, n, "-----END ");
			if (!closed) {
				err_set(
				    "%s:%zu: a PEM block has no -----END line; this is not a PEM "
				    "file trustform can edit: fix it by hand",
				    f->shown, line);
				return -1;
			}
			size_t ncerts, other;
			struct cert *cert =
			    one_cert(f->raw.ptr + start, c.off - start, &ncerts, &other);
			if (!cert && !other) {
				err_set("%s:%zu: a PEM block is damaged (%s); fix it by hand",
					f->shown, line, err_msg());
				return -1;
			}
			if (cert) {
				struct pem_seg *s = push_seg(f);
				s->kind = SEG_PEM;
				s->start = start;
				s->end = c.off;
				s->line = line;
				s->cert = cert;
			}
			continue;
		}
		if (n && p[0] == '#')
			continue; /* a comment, as certifi's "# Issuer:" lines */
		for (size_t i = 0; i < n && !other_text; i++)
			other_text = p[i] != ' ' && p[i] != '\t' && p[i] != '\r';
	}
	if (other_text && f->n == 0) {
		err_set(
		    "%s is not a PEM file (no -----BEGIN line, and text that is not a comment); "
		    "trustform edits PEM bundles only: point the store at a PEM file",
		    f->shown);
		return -1;
	}
	return 0;
}

static int parse(struct pem_file *f)
{
	if (memchr(f->raw.ptr, '\0', f->raw.len)) {
		err_set("%s is not a PEM file (it holds binary data: DER or a keystore?); "
			"trustform edits PEM bundles only",
			f->shown);
		return -1;
	}
	return scan(f);
}

int pem_file_load(struct pem_file *f, const char *host, const char *shown)
{
	memset(f, 0, sizeof(*f));
	buf_init(&f->raw);
	f->host = xstrdup(host);
	f->shown = xstrdup(shown);
	if (stat(host, &f->st) < 0) {
		if (errno == ENOENT)
			return 0;
		err_set_errno(errno, "%s: cannot read", shown);
		return -1;
	}
	if (!S_ISREG(f->st.st_mode)) {
		err_set("%s is not a regular file; point the store at a PEM file", shown);
		return -1;
	}
	if (buf_read_file(&f->raw, host) < 0) {
		err_set_errno(errno, "%s: cannot read", shown);
		return -1;
	}
	f->exists = true;
	return parse(f);
}

int pem_file_from(struct pem_file *f, const struct store_file *sf)
{
	memset(f, 0, sizeof(*f));
	buf_init(&f->raw);
	f->host = xstrdup(sf->host);
	f->shown = xstrdup(sf->shown);
	f->exists = sf->exists;
	if (!f->exists)
		return 0;
	f->st = sf->st;
	buf_add(&f->raw, sf->have.ptr, sf->have.len);
	return parse(f);
}

void pem_file_entries(const struct pem_file *f, struct trust_set *out)
{
	static const unsigned char zero[FP_LEN];
	const char *base = strrchr(f->shown, '/');
	base = base ? base + 1 : f->shown;
	for (size_t i = 0; i < f->n; i++) {
		const struct pem_seg *s = &f->segs[i];
		char *where, *label;
		if (s->kind == SEG_OURS) {
			where = xasprintf("%s:%zu (block %s)", f->shown, s->line, s->name);
			struct trust_entry *e = trust_set_add(out, s->intact ? s->cert->fp : zero,
							      s->name, true, TS_TRUSTED, where);
			if (s->intact)
				trust_entry_describe(e, s->cert);
			else
				e->subject = xstrdup("(hand-edited: the block does not hold the "
						     "certificate its marker names)");
			free(where);
			continue;
		}
		where = xasprintf("%s:%zu", f->shown, s->line);
		label = xasprintf("%s:%zu", base, s->line);
		struct trust_entry *e =
		    trust_set_add(out, s->cert->fp, label, false, TS_TRUSTED, where);
		trust_entry_describe(e, s->cert);
		free(where);
		free(label);
	}
}

void pem_block_render(struct buf *out, const char *name, const struct cert *c)
{
	size_t len;
	char *pem = cert_to_pem(c, &len);
	buf_printf(out, MARK_BEGIN "%s sha256=%s\n", name, c->fphex);
	buf_add(out, pem, len);
	buf_printf(out, MARK_END "%s\n", name);
	free(pem);
}

/* The segment the plan saw for this step, if it is still there. */
static struct pem_seg *find_seen(struct pem_file *f, const struct trust_entry *seen)
{
	static const unsigned char zero[FP_LEN];
	for (size_t i = 0; i < f->n; i++) {
		struct pem_seg *s = &f->segs[i];
		if (s->drop || s->put)
			continue;
		if (seen->owned != (s->kind == SEG_OURS))
			continue;
		if (seen->owned && strcmp(s->name, seen->label))
			continue;
		const unsigned char *fp = s->kind == SEG_OURS && !s->intact ? zero : s->cert->fp;
		if (!memcmp(fp, seen->fp, FP_LEN))
			return s;
	}
	return NULL;
}

static struct pem_seg *find_ours(struct pem_file *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->segs[i].kind == SEG_OURS && !strcmp(f->segs[i].name, name))
			return &f->segs[i];
	return NULL;
}

static int do_step(struct pem_file *f, struct plan_step *st, struct buf *append)
{
	struct pem_seg *s;
	switch (st->op) {
	case OP_ADD:
		s = find_ours(f, st->ca->name);
		if (s && s->intact && s->cert == st->ca->cert)
			return 0; /* already there */
		if (s) {
			err_modified_why(f->shown, "block \"%s\" appeared", st->ca->name);
			return -1;
		}
		pem_block_render(append, st->ca->name, st->ca->cert);
		return 0;
	case OP_REMOVE:
		s = find_seen(f, &st->seen);
		if (s)
			s->drop = true; /* gone already is fine too */
		return 0;
	case OP_REPLACE:
	case OP_UPDATE:
		s = find_seen(f, &st->seen);
		if (!s) {
			err_modified_why(f->shown, "%s is not there any more", st->seen.where);
			return -1;
		}
		s->put = st->ca->cert;
		s->put_name = st->ca->name;
		return 0;
	case OP_REFRESH:
		return 0;
	case OP_RETRUST:
	case OP_DISTRUST:
	case OP_ADD_DISTRUSTED:
	case OP_ROOT_DRIFT:
	case OP_REISSUE:
	case OP_SET:
		break;
	}
	return plan_step_unexpected(st);
}

int pem_file_render(struct pem_file *f, struct plan_store *ps, struct buf *out)
{
	struct buf append = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < ps->n; i++) {
		if (do_step(f, &ps->steps[i], &append) < 0) {
			plan_step_fail_err(&ps->steps[i]);
			rc = -1;
		}
	}
	size_t at = 0;
	if (f->foreign) {
		buf_add(out, f->foreign->ptr, f->foreign->len);
		if (out->len && out->ptr[out->len - 1] != '\n')
			buf_putc(out, '\n');
	}
	for (size_t i = 0; i < f->n; i++) {
		const struct pem_seg *s = &f->segs[i];
		if (f->foreign) {
			at = s->end;
			if (s->kind == SEG_OURS && s->put)
				pem_block_render(out, s->put_name, s->put);
			else if (s->kind == SEG_OURS && !s->drop)
				buf_add(out, f->raw.ptr + s->start, s->end - s->start);
			continue;
		}
		buf_add(out, f->raw.ptr + at, s->start - at);
		if (s->put)
			pem_block_render(out, s->put_name, s->put);
		else if (!s->drop)
			buf_add(out, f->raw.ptr + s->start, s->end - s->start);
		at = s->end;
	}
	if (!f->foreign)
		buf_add(out, f->raw.ptr + at, f->raw.len - at);
	if (append.len && out->len && out->ptr[out->len - 1] != '\n')
		buf_putc(out, '\n');
	buf_add(out, append.ptr, append.len);
	buf_dispose(&append);
	return rc;
}

int pem_file_apply(struct pem_file *f, struct plan_store *ps, struct fs_txn *txn, bool *changed)
{
	struct buf out = BUF_INIT;
	*changed = false;
	int rc = pem_file_render(f, ps, &out);
	if (!f->exists || !buf_equal(&f->raw, out.ptr, out.len)) {
		struct file_owner own = FILE_OWNER_DEFAULT;
		mode_t mode = 0644;
		if (f->exists) {
			own = (struct file_owner){f->st.st_uid, f->st.st_gid};
			mode = f->st.st_mode & 07777;
		}
		if (fs_txn_write(txn, f->host, out.ptr, out.len, mode, own) < 0) {
			plan_steps_fail_pending(ps);
			rc = -1;
		} else
			*changed = true;
	}
	buf_dispose(&out);
	return rc;
}

int pem_file_render_store(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	(void)s;
	struct pem_file f;
	struct buf out = BUF_INIT;
	int rc = pem_file_from(&f, &fs->f[0]);
	if (rc == 0) {
		rc = pem_file_render(&f, ps, &out);
		store_file_set(&fs->f[0], out.ptr, out.len);
	}
	buf_dispose(&out);
	pem_file_dispose(&f);
	return rc;
}
