/* CA file loading and checks; see ca_check.h. */
#include "schema/ca_check.h"
#include "model/cert.h"
#include "schema/keys.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/strmap.h"
#include "util/goduration.h"
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

const struct config_files config_files_fs = { .read = fs_read };

static void warn_weak(const struct config *cfg, const struct conf_ca *ca, struct diag *d)
{
	const struct cert *c = ca->cert;
	if (c->sig_md_nid == NID_sha1 || c->sig_md_nid == NID_md5)
		diag_add(d, DIAG_WARNING, cfg->path, ca->file_pos.line, ca->file_pos.col,
			 "CA \"%s\" (%s) is signed with %s, which is broken; plan to replace it "
			 "with a SHA-256 CA", ca->name, ca->file, OBJ_nid2sn(c->sig_md_nid));
	if (c->key_nid == NID_rsaEncryption && c->key_bits && c->key_bits < 2048)
		diag_add(d, DIAG_WARNING, cfg->path, ca->file_pos.line, ca->file_pos.col,
			 "CA \"%s\" (%s) has a %d-bit RSA key; keys under 2048 bits are "
			 "refused by current clients, replace it", ca->name, ca->file,
			 c->key_bits);
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
			 "the same skew)", ca->name, ca->file, from, to, today);
	} else if (now > c->not_after) {
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\" (%s) expired on %s (valid %s to %s, today is %s); replace "
			 "the file with the renewed CA, or check the system clock", ca->name,
			 ca->file, to, from, to, today);
	} else if (c->not_after - now < (time_t)EXPIRY_WARN_DAYS * 86400) {
		diag_add(d, DIAG_WARNING, cfg->path, line, col,
			 "CA \"%s\" (%s) expires on %s, in %ld days; renew it and roll the new "
			 "CA out before then", ca->name, ca->file, to,
			 (long)((c->not_after - now) / 86400));
	}
}

static void check_one(struct config *cfg, struct conf_ca *ca,
		      const struct config_load_opts *opts, struct diag *d)
{
	struct buf data = BUF_INIT;
	struct cert_list certs = { 0 };
	int line = ca->file_pos.line, col = ca->file_pos.col;
	const struct config_files *files = opts->files ? opts->files : &config_files_fs;
	time_t now = opts->now;

	err_clear();
	if (files->read(files, cfg, ca->file, &data, &ca->file_path) < 0) {
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\": cannot read %s: %s; fix the path (a relative path is "
			 "taken from the directory of %s)", ca->name, ca->file, err_msg(),
			 cfg->path);
		goto out;
	}
	if (cert_list_parse(&certs, data.ptr, data.len) < 0) {
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\": %s is not a certificate: %s; the file must hold exactly one "
			 "CA certificate, PEM or DER", ca->name, ca->file, err_msg());
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

	if (ca->pin) {
		unsigned char pin[FP_LEN];
		if (fp_parse(pin, ca->pin) && memcmp(pin, c->fp, FP_LEN) != 0) {
			char hex[FP_HEX_LEN + 1];
			hex_encode(hex, pin, FP_LEN);
			diag_add(d, DIAG_ERROR, cfg->path, ca->pin_pos.line, ca->pin_pos.col,
				 "CA \"%s\": the sha256 pin does not match %s: pinned %s, the file "
				 "is %s. If the CA was rotated on purpose, update the pin; if not, "
				 "the file was replaced and must not be trusted", ca->name, ca->file,
				 hex, c->fphex);
		}
	}
	if (!ca->pin && opts->require_pins)
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\" (%s) has no sha256 pin; %s. Review the certificate, then add "
			 "`sha256: \"%s\"` to it (or pass --allow-unpinned)", ca->name, ca->file,
			 opts->require_pins, c->fphex);
	if (ca->ensure != ENSURE_PRESENT)
		goto out;	/* a CA being removed may be expired, or even a leaf */
	if (!c->is_ca) {
		diag_add(d, DIAG_ERROR, cfg->path, line, col,
			 "CA \"%s\": %s is not a CA certificate (basicConstraints CA:TRUE is "
			 "missing): subject \"%s\", issued by \"%s\". This looks like a server "
			 "(leaf) certificate; trust the CA that issued it instead", ca->name,
			 ca->file, c->subject, c->issuer);
		goto out;
	}
	check_validity(cfg, ca, now, d);
	if (!c->self_issued)
		diag_add(d, DIAG_WARNING, cfg->path, line, col,
			 "CA \"%s\" (%s) is an intermediate issued by \"%s\", not a self-signed "
			 "root: trust the root, so that re-issuing the intermediate (Caddy does "
			 "every few days) does not break clients", ca->name, ca->file, c->issuer);
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
			 "%.12s…); keep one name for it", b->name, a->name, a->pos.line,
			 a->cert->fphex);
	}
	strmap_dispose(&seen);
}

static const struct key_spec caddy_keys[] = {
	{ "data_dir", true }, { "caddyfile", false }, { "json", false }, { "ca", false },
	{ "intermediate_lifetime", false }, { "binary", false }, { "stop", false },
	{ "start", false }, { "reload", false }, { NULL, false },
};

void config_check_caddy(struct config *cfg, const struct ynode *caddy, struct diag *d)
{
	for (size_t i = 0; i < caddy->n; i++) {
		const struct ynode *k = caddy->keys[i], *v = caddy->items[i];
		if (!key_check(caddy_keys, k, "caddy", cfg->path, d))
			continue;
		if (v->kind != YNODE_SCALAR) {
			diag_add(d, DIAG_ERROR, cfg->path, v->line, v->col,
				 "caddy: %s must be a value, not %s", k->text, ykind_name(v->kind));
			continue;
		}
		bool is_path = !strcmp(k->text, "data_dir") || !strcmp(k->text, "caddyfile") ||
			       !strcmp(k->text, "json") || !strcmp(k->text, "binary");
		if (is_path && v->text[0] != '/')
			diag_add(d, DIAG_ERROR, cfg->path, v->line, v->col,
				 "caddy: %s must be an absolute path, not \"%s\"", k->text, v->text);
		if (!strcmp(k->text, "ca") && !config_name_ok(v->text))
			diag_add(d, DIAG_ERROR, cfg->path, v->line, v->col,
				 "caddy: ca must be a Caddy CA id such as \"local\"");
		long long ns;
		const char *why;
		if (!strcmp(k->text, "intermediate_lifetime") &&
		    !go_duration_parse(v->text, &ns, &why))
			diag_add(d, DIAG_ERROR, cfg->path, v->line, v->col,
				 "caddy: intermediate_lifetime \"%s\" is not a duration Caddy "
				 "reads (%s); write it as Caddy does, e.g. 43800h (5 years), "
				 "720h or 30d", v->text, why);
		else if (!strcmp(k->text, "intermediate_lifetime") && ns < 0)
			diag_add(d, DIAG_ERROR, cfg->path, v->line, v->col,
				 "caddy: intermediate_lifetime \"%s\" is negative: Caddy reads it, "
				 "but no certificate can be issued for it; write a positive "
				 "duration such as 43800h", v->text);
	}
	if (!ymap_get(caddy, "data_dir"))
		diag_add(d, DIAG_ERROR, cfg->path, caddy->line, caddy->col,
			 "caddy: data_dir is required (Caddy's data directory, e.g. "
			 "/var/lib/caddy/.local/share/caddy)");
	const struct ynode *life = ymap_get(caddy, "intermediate_lifetime");
	if (life && !ymap_get(caddy, "caddyfile") && !ymap_get(caddy, "json"))
		diag_add(d, DIAG_ERROR, cfg->path, life->line, life->col,
			 "caddy: intermediate_lifetime is set in Caddy's config: give its file as "
			 "caddyfile (e.g. /etc/caddy/Caddyfile) or json");
	for (size_t i = 0; i < caddy->n; i++) {
		const struct ynode *v = caddy->items[i];
		const char *k = caddy->keys[i]->text;
		if ((!strcmp(k, "stop") || !strcmp(k, "start") || !strcmp(k, "reload")) &&
		    v->kind == YNODE_SCALAR && !*v->text)
			diag_add(d, DIAG_ERROR, cfg->path, v->line, v->col,
				 "caddy: %s is empty; give the shell command (e.g. systemctl %s "
				 "caddy), or leave the key out for the default", k, k);
	}
	if (ymap_get(caddy, "caddyfile") && ymap_get(caddy, "json")) {
		const struct ynode *j = ymap_get(caddy, "json");
		diag_add(d, DIAG_ERROR, cfg->path, j->line, j->col,
			 "caddy: give caddyfile or json, not both");
	}
}
