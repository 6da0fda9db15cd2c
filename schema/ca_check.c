/* CA file loading and checks; see ca_check.h. */
#include "schema/ca_check.h"
#include "model/cert.h"
#include "model/expiry.h"
#include "schema/keys.h"
#include "schema/pin.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <string.h>

char *ca_file_host_path(const struct config *cfg, const char *file, const char *root)
{
	if (file[0] == '/')
		return root_join(root, file);
	if (strcmp(cfg->dir, ".") == 0)
		return xstrdup(file);
	return xasprintf("%s/%s", cfg->dir, file);
}

static int fs_read(const struct config_files *f, const struct config *cfg, const char *file,
		   struct buf *out, char **where)
{
	*where = ca_file_host_path(cfg, file, cfg->root);
	if (buf_read_file(out, *where) < 0) {
		err_set_errno(errno, "%s", *where);
		return -1;
	}
	return 0;
}

const struct config_files config_files_fs = {.read = fs_read};

static void warn_weak(const struct config *cfg, const struct conf_ca *ca, struct diag *d)
{
	const struct cert *c = ca->cert;
	if (c->sig_md_nid == NID_sha1 || c->sig_md_nid == NID_md5)
		diag_add(d, DIAG_WARNING, cfg->path, ca->file_pos.line, ca->file_pos.col,
			 "CA \"%s\" (%s) is signed with %s, which is broken; plan to replace it "
			 "with a SHA-256 CA",
			 ca->name, ca->file, OBJ_nid2sn(c->sig_md_nid));
	if (c->key_nid == NID_rsaEncryption && c->key_bits && c->key_bits < 2048)
		diag_add(d, DIAG_WARNING, cfg->path, ca->file_pos.line, ca->file_pos.col,
			 "CA \"%s\" (%s) has a %d-bit RSA key; keys under 2048 bits are "
			 "refused by current clients, replace it",
			 ca->name, ca->file, c->key_bits);
}

static void check_validity(const struct config *cfg, const struct conf_ca *ca, time_t now,
			   struct diag *d)
{
	const struct cert *c = ca->cert;
	char from[11], to[11], today[11];
	cert_date(from, c->not_before);
	cert_date(to, c->not_after);
	cert_date(today, now);
	int line = ca->file_pos.line, col = ca->file_pos.col;
	if (now < c->not_before) {
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\" (%s) is not valid yet: valid from %s to %s, and today is %s. "
			 "Usually a clock is wrong: check this machine's time (timedatectl), or "
			 "the clock of the machine that made the CA (Caddy's \"not valid yet\" is "
			 "the same skew)",
			 ca->name, ca->file, from, to, today);
	} else if (now > c->not_after) {
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\" (%s) expired on %s (valid %s to %s, today is %s); replace "
			 "the file with the renewed CA, or check the system clock",
			 ca->name, ca->file, to, from, to, today);
	} else if (now >= expiry_ca_renew_at(c->not_after)) { /* its renewal window */
		diag_add(d, DIAG_WARNING, cfg->path, line, col,
			 "CA \"%s\" (%s) expires on %s, in %ld days; renew it and roll the new "
			 "CA out before then",
			 ca->name, ca->file, to, (long)((c->not_after - now) / 86400));
	}
}

static void check_one(struct config *cfg, struct conf_ca *ca, const struct config_load_opts *opts,
		      struct diag *d)
{
	struct buf data = BUF_INIT;
	struct cert_list certs = {0};
	int line = ca->file_pos.line, col = ca->file_pos.col;
	const struct config_files *files = opts->files ? opts->files : &config_files_fs;
	time_t now = opts->now;

	err_clear();
	if (files->read(files, cfg, ca->file, &data, &ca->file_path) < 0) {
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\": cannot read %s: %s; fix the path (a relative path is "
			 "taken from the directory of %s)",
			 ca->name, ca->file, err_msg(), cfg->path);
		goto out;
	}
	if (cert_list_parse(&certs, data.ptr, data.len) < 0) {
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\": %s is not a certificate: %s; the file must hold exactly one "
			 "CA certificate, PEM or DER",
			 ca->name, ca->file, err_msg());
		goto out;
	}
	if (certs.has_private_key) {
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\": %s holds a private key; never keep a CA's key beside the "
			 "trust configuration: keep only the certificate and move the key away",
			 ca->name, ca->file);
		goto out;
	}
	if (certs.n != 1) {
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\": %s holds %zu certificates; trustform needs exactly one per "
			 "CA: put each certificate in its own file and declare each under cas:",
			 ca->name, ca->file, certs.n);
		goto out;
	}
	ca->cert = certs.items[0];
	certs.items[0] = NULL;
	certs.n = 0;
	const struct cert *c = ca->cert;

	if (ca->pin_ok && memcmp(ca->pin_fp, c->fp, FP_LEN) != 0) {
		char hex[FP_HEX_LEN + 1];
		hex_encode(hex, ca->pin_fp, FP_LEN);
		diag_add(d, DIAG_ERROR, cfg->path, ca->pin_pos.line, ca->pin_pos.col,
			 "CA \"%s\": the sha256 pin does not match %s: pinned %s, the file "
			 "is %s. If the CA was rotated on purpose, update the pin to `" PIN_YAML_FMT
			 "`; if not, the file was replaced and must not be trusted",
			 ca->name, ca->file, hex, c->fphex, c->fphex);
	}
	if (!ca->pin && opts->require_pins)
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\" (%s) has no sha256 pin; %s. Review the certificate, then add "
			 "`" PIN_YAML_FMT "` to it (or pass --allow-unpinned)",
			 ca->name, ca->file, opts->require_pins, c->fphex);
	if (ca->ensure != ENSURE_PRESENT)
		goto out; /* a CA being removed may be expired, or even a leaf */
	if (!c->is_ca) {
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\": %s is not a CA certificate (basicConstraints CA:TRUE is "
			 "missing): subject \"%s\", issued by \"%s\". This looks like a server "
			 "(leaf) certificate; trust the CA that issued it instead",
			 ca->name, ca->file, c->subject, c->issuer);
		goto out;
	}
	check_validity(cfg, ca, now, d);
	if (!c->self_issued)
		diag_add(d, DIAG_WARNING, cfg->path, line, col,
			 "CA \"%s\" (%s) is an intermediate issued by \"%s\", not a self-signed "
			 "root: trust the root, so that re-issuing the intermediate (Caddy does "
			 "every few days) does not break clients",
			 ca->name, ca->file, c->issuer);
	warn_weak(cfg, ca, d);
out:
	cert_list_dispose(&certs);
	buf_dispose(&data);
}

void ca_check_all(struct config *cfg, const struct config_load_opts *opts, struct diag *d)
{
	for (size_t i = 0; i < cfg->ncas; i++)
		if (cfg->cas[i].file)
			check_one(cfg, &cfg->cas[i], opts, d);
	/* Identity is the fingerprint: two names for one certificate is a mistake. */
	struct strmap seen;
	strmap_init(&seen);
	for (size_t i = 0; i < cfg->ncas; i++) {
		const struct conf_ca *b = &cfg->cas[i];
		if (!b->cert)
			continue;
		size_t j = strmap_get(&seen, b->cert->fphex);
		if (j == STRMAP_NONE) {
			strmap_put(&seen, b->cert->fphex, i);
			continue;
		}
		const struct conf_ca *a = &cfg->cas[j];
		diag_add(d, DIAG_ERROR, cfg->path, b->pos.line, b->pos.col,
			 "CA \"%s\" is the same certificate as CA \"%s\" (line %d, sha256 "
			 "%.12s…); keep one name for it",
			 b->name, a->name, a->pos.line, a->cert->fphex);
	}
	strmap_dispose(&seen);
}
