/*
 * What an NSS child sends its parent: typed records of length-prefixed fields,
 * written as each result is known, so that whatever a child finished before it
 * died is still known to the parent. See nss.h for the record types.
 */
#include "stores/nss/nss_int.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FIELDS 3

void nss_reply_init(struct nss_reply *r, size_t nops)
{
	memset(r, 0, sizeof(*r));
	r->nops = nops;
	r->ops = xcalloc(nops ? nops : 1, sizeof(*r->ops));
}

void nss_reply_dispose(struct nss_reply *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->items[i].nick);
		free(r->items[i].der);
		free(r->items[i].flags);
	}
	free(r->items);
	for (size_t i = 0; i < r->nops; i++)
		free(r->ops[i].msg);
	free(r->ops);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->want);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void nss_wire_put(struct buf *b, enum nss_rec type, size_t nfields, const void *const *data,
		  const size_t *len)
{
	buf_putc(b, (char)type);
	buf_putc(b, (char)nfields);
	for (size_t i = 0; i < nfields; i++) {
		uint32_t n = (uint32_t)len[i];
		unsigned char be[4] = {n >> 24, n >> 16, n >> 8, n};
		buf_add(b, be, 4);
		buf_add(b, data[i], len[i]);
	}
}

int nss_wire_send(int fd, enum nss_rec type, size_t nfields, const void *const *data,
		  const size_t *len)
{
	struct buf b = BUF_INIT;
	nss_wire_put(&b, type, nfields, data, len);
	int rc = write_all(fd, b.ptr, b.len);
	buf_dispose(&b);
	return rc;
}

int nss_wire_write(int fd, const struct buf *b)
{
	return write_all(fd, b->ptr, b->len);
}

int nss_wire_send_str(int fd, enum nss_rec type, const char *a, const char *b, const char *c)
{
	const void *data[MAX_FIELDS] = {a, b, c};
	size_t len[MAX_FIELDS], n = 0;
	for (; n < MAX_FIELDS && data[n]; n++)
		len[n] = strlen(data[n]);
	return nss_wire_send(fd, type, n, data, len);
}

int nss_wire_send_op(int fd, size_t idx, int code, const char *msg)
{
	char num[32];
	snprintf(num, sizeof(num), "%zu", idx);
	unsigned char c = (unsigned char)-code;
	if (!msg)
		msg = "";
	const void *data[MAX_FIELDS] = {num, &c, msg};
	size_t len[MAX_FIELDS] = {strlen(num), 1, strlen(msg)};
	return nss_wire_send(fd, REC_OP, MAX_FIELDS, data, len);
}

int nss_wire_send_error(int fd, int code, const char *msg)
{
	unsigned char c = (unsigned char)-code;
	const void *data[2] = {&c, msg};
	size_t len[2] = {1, strlen(msg)};
	return nss_wire_send(fd, REC_ERROR, 2, data, len);
}

/* An operation's code from its byte: -1 if it is none of the codes. */
static int op_code(const unsigned char *f, size_t n)
{
	if (n != 1)
		return -1;
	switch (-(int)f[0]) {
	case TF_OK:
	case TF_ERROR:
	case TF_EMODIFIED:
		return 0;
	}
	return -1;
}

/* One record at *pos: its type and fields (pointers into in). */
static int next_record(const struct buf *in, size_t *pos, char *type, size_t *nfields,
		       const unsigned char **field, size_t *flen)
{
	const unsigned char *p = (const unsigned char *)in->ptr;
	size_t at = *pos;
	if (in->len - at < 2)
		return -1;
	*type = (char)p[at];
	*nfields = p[at + 1];
	at += 2;
	if (*nfields > MAX_FIELDS)
		return -1;
	for (size_t i = 0; i < *nfields; i++) {
		if (in->len - at < 4)
			return -1;
		size_t n = (size_t)p[at] << 24 | (size_t)p[at + 1] << 16 | (size_t)p[at + 2] << 8 |
			   p[at + 3];
		at += 4;
		if (in->len - at < n)
			return -1;
		field[i] = p + at;
		flen[i] = n;
		at += n;
	}
	*pos = at;
	return 0;
}

static char *field_str(const unsigned char *f, size_t n)
{
	return xstrndup((const char *)f, n);
}

int nss_wire_parse(struct nss_reply *r, const struct buf *in)
{
	size_t pos = 0;
	while (pos < in->len) {
		char type;
		size_t nf, flen[MAX_FIELDS] = {0};
		const unsigned char *f[MAX_FIELDS] = {NULL};
		if (next_record(in, &pos, &type, &nf, f, flen) < 0)
			goto bad;
		switch (type) {
		case REC_WANT:
			if (nf != 1)
				goto bad;
			free(r->want);
			r->want = field_str(f[0], flen[0]);
			break;
		case REC_ENTRY: {
			if (nf != 3)
				goto bad;
			ARRAY_GROW(r->items, r->n + 1, r->alloc);
			struct nss_entry *e = &r->items[r->n++];
			e->nick = field_str(f[0], flen[0]);
			e->der = xmalloc(flen[1] ? flen[1] : 1);
			memcpy(e->der, f[1], flen[1]);
			e->der_len = flen[1];
			e->flags = field_str(f[2], flen[2]);
			break;
		}
		case REC_OP: {
			if (nf != 3)
				goto bad;
			char *idx = field_str(f[0], flen[0]), *end;
			unsigned long i = strtoul(idx, &end, 10);
			bool valid = *idx && !*end && i < r->nops && op_code(f[1], flen[1]) == 0;
			free(idx);
			if (!valid)
				goto bad;
			struct nss_op_result *s = &r->ops[i];
			s->reported = true;
			s->code = -(int)f[1][0];
			free(s->msg);
			s->msg = field_str(f[2], flen[2]);
			break;
		}
		case REC_NOTE:
			if (nf != 1)
				goto bad;
			r->notes = xrealloc(r->notes, (r->nnotes + 1) * sizeof(*r->notes));
			r->notes[r->nnotes++] = field_str(f[0], flen[0]);
			break;
		case REC_ERROR: /* a failure: any code but TF_OK */
			if (nf != 2 || op_code(f[0], flen[0]) < 0 || f[0][0] == 0)
				goto bad;
			r->error_code = -(int)f[0][0];
			free(r->error);
			r->error = field_str(f[1], flen[1]);
			break;
		case REC_STATE:
			if (nf != 0)
				goto bad;
			r->has_state = true;
			break;
		case REC_END:
			r->complete = true;
			break;
		default:
			goto bad;
		}
	}
	return 0;
bad:
	err_set("the NSS helper process sent a malformed reply (at byte %zu of %zu)", pos, in->len);
	return -1;
}
