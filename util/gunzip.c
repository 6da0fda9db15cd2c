/* Bounded gzip; see gunzip.h. */
#include "util/gunzip.h"
#include "util/err.h"

#include <zlib.h>

int gunzip_mem(struct buf *out, const void *data, size_t len, size_t max_out)
{
	const unsigned char *in = data;
	if (len > (size_t)1 << 30) {
		err_set("gzip data of more than 1 GiB");
		return -1;
	}
	if (len < 2 || in[0] != 0x1f || in[1] != 0x8b) {
		err_set("not gzip data");
		return -1;
	}
	z_stream z = {0};
	/* 16 + MAX_WBITS: gzip framing, not zlib's */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		err_set("zlib: cannot start inflating");
		return -1;
	}
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	int rc = Z_OK;
	while (rc != Z_STREAM_END || z.avail_in) {
		if (rc == Z_STREAM_END) /* another member follows */
			inflateReset(&z);
		buf_grow(out, 65536);
		z.next_out = (unsigned char *)out->ptr + out->len;
		z.avail_out = (uInt)(out->cap - out->len - 1);
		size_t before = z.avail_out;
		rc = inflate(&z, Z_NO_FLUSH);
		out->len += before - z.avail_out;
		out->ptr[out->len] = 0;
		if (out->len > max_out) {
			err_set("inflates to more than %zu bytes", max_out);
			inflateEnd(&z);
			return -1;
		}
		if (rc != Z_OK && rc != Z_STREAM_END) {
			err_set("damaged gzip data (zlib: %s)", z.msg ? z.msg : "error");
			inflateEnd(&z);
			return -1;
		}
		if (rc == Z_OK && !z.avail_in && z.avail_out) {
			err_set("truncated gzip data");
			inflateEnd(&z);
			return -1;
		}
	}
	inflateEnd(&z);
	return 0;
}

int gunzip_file(struct buf *out, const char *path, size_t max_in, size_t max_out)
{
	struct buf raw = BUF_INIT;
	if (buf_read_file_max(&raw, path, max_in) < 0) {
		buf_dispose(&raw);
		return -1;
	}
	int rc = gunzip_mem(out, raw.ptr, raw.len, max_out);
	buf_dispose(&raw);
	return rc;
}
