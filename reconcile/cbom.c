/* The inventory's certificates, to and from the plan's JSON; see cbom.h. */
#include "reconcile/cbom.h"
#include "model/cert.h"
#include "reconcile/plan.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void cbom_init(struct cbom *b)
{
	memset(b, 0, sizeof(*b));
	strmap_init(&b->index);
}

void cbom_dispose(struct cbom *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct cbom_cert *c = &b->certs[i];
		char *strs[] = {c->subject, c->issuer,	 c->not_before, c->not_after, c->sig_name,
				c->sig_oid, c->key_name, c->key_oid,	c->key_curve};
		for (size_t k = 0; k < sizeof(strs) / sizeof(*strs); k++)
			free(strs[k]);
		free(c->sha256);
		for (size_t k = 0; k < c->nplaces; k++) {
			free(c->places[k].host);
			free(c->places[k].store);
			free(c->places[k].where);
			free(c->places[k].state);
		}
		free(c->places);
	}
	free(b->certs);
	strmap_dispose(&b->index);
	memset(b, 0, sizeof(*b));
}

/* --- an entry as JSON ------------------------------------------------------------ */

static json_t *time_or_null(time_t t)
{
	if (!t)
		return json_null();
	char out[32];
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(out);
}

static json_t *oid_json(int nid)
{
	char oid[128];
	const ASN1_OBJECT *o = nid != NID_undef ? OBJ_nid2obj(nid) : NULL;
	if (!o || OBJ_obj2txt(oid, sizeof(oid), o, 1) <= 0)
		return json_null();
	return json_string(oid);
}

static json_t *name_json(int nid)
{
	const char *ln = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
	return ln ? json_string(ln) : json_null();
}

/* The key size of an EC key from its curve; 0 when OpenSSL does not know it. */
static long long curve_bits(int nid)
{
	EC_GROUP *g = nid != NID_undef ? EC_GROUP_new_by_curve_name(nid) : NULL;
	long long bits = g ? EC_GROUP_order_bits(g) : 0;
	EC_GROUP_free(g);
	return bits;
}

static json_t *public_key_json(const struct cert *c)
{
	if (c->key_nid == NID_undef)
		return json_null();
	json_t *k = json_object();
	json_object_set_new(k, "algorithm", name_json(c->key_nid));
	json_object_set_new(k, "oid", oid_json(c->key_nid));
	long long bits = c->key_bits;
	if (c->key_nid == NID_X9_62_id_ecPublicKey)
		bits = curve_bits(c->key_param_nid);
	else if (c->key_nid == NID_ED25519)
		bits = 256;
	else if (c->key_nid == NID_ED448)
		bits = 456;
	json_object_set_new(k, "bits", bits > 0 ? json_integer(bits) : json_null());
	json_object_set_new(
	    k, "curve", c->key_param_nid != NID_undef ? name_json(c->key_param_nid) : json_null());
	return k;
}

json_t *cbom_entry_json(const struct trust_entry *e)
{
	const struct cert *c = e->cert;
	/* RFC 4514, the form other tools read (not the plan's display order) */
	char *subject = c ? cert_name_rfc4514(c, false) : NULL;
	char *issuer = c ? cert_name_rfc4514(c, true) : NULL;
	json_t *o = json_object();
	json_object_set_new(o, "sha256", json_string(e->fphex));
	jtext_set(o, "where", e->where);
	json_object_set_new(o, "owned", json_boolean(e->owned));
	json_object_set_new(o, "state", json_string(trust_state_name(e->state)));
	jtext_set(o, "subject", subject ? subject : e->subject);
	jtext_set(o, "issuer", issuer);
	free(subject);
	free(issuer);
	json_object_set_new(o, "not_before", time_or_null(c ? c->not_before : 0));
	json_object_set_new(o, "not_after", time_or_null(c ? c->not_after : e->not_after));
	json_t *sig = json_null();
	if (c && c->sig_nid != NID_undef) {
		sig = json_object();
		json_object_set_new(sig, "name", name_json(c->sig_nid));
		json_object_set_new(sig, "oid", oid_json(c->sig_nid));
	}
	json_object_set_new(o, "signature_algorithm", sig);
	json_object_set_new(o, "public_key", c ? public_key_json(c) : json_null());
	return o;
}

/* --- reading it back --------------------------------------------------------------- */

/* o[key]: absent or null gives *out NULL and 0; a string (jtext) gives a copy;
 * anything else -1. */
static int opt_text(json_t *o, const char *key, char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = jtext_get(o, key);
	return *out ? 0 : -1;
}

/* "2026-12-07T19:03:20Z", as trustform writes times */
static bool is_rfc3339(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != form[i])
			return false;
	return true;
}

static bool is_oid(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 100 || s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))
		return false;
	return strspn(s, "0123456789.") == n;
}

/* A field the inventory takes as it is, unless it is malformed. */
static int opt_time(json_t *o, const char *key, char **out)
{
	if (opt_text(o, key, out) < 0 || (*out && !is_rfc3339(*out)))
		return -1;
	return 0;
}

static int opt_oid(json_t *o, const char *key, char **out)
{
	if (opt_text(o, key, out) < 0 || (*out && !is_oid(*out)))
		return -1;
	return 0;
}

/* A nested object (signature_algorithm, public_key): absent or null is fine. */
static int opt_obj(json_t *o, const char *key, json_t **out)
{
	*out = json_object_get(o, key);
	if (*out && json_is_null(*out))
		*out = NULL;
	return *out && !json_is_object(*out) ? -1 : 0;
}

static void take(char **dst, char *src)
{
	if (!*dst)
		*dst = src;
	else
		free(src);
}

/* What an item says of its certificate; fields another host's plan already
 * gave are kept (the same DER has the same details). */
static int read_details(struct cbom_cert *c, json_t *o)
{
	char *s[9] = {0};
	json_t *sig = NULL, *key = NULL;
	int rc = 0;
	if (opt_text(o, "subject", &s[0]) < 0 || opt_text(o, "issuer", &s[1]) < 0 ||
	    opt_time(o, "not_before", &s[2]) < 0 || opt_time(o, "not_after", &s[3]) < 0 ||
	    opt_obj(o, "signature_algorithm", &sig) < 0 || opt_obj(o, "public_key", &key) < 0 ||
	    (sig && (opt_text(sig, "name", &s[4]) < 0 || opt_oid(sig, "oid", &s[5]) < 0)) ||
	    (key && (opt_text(key, "algorithm", &s[6]) < 0 || opt_oid(key, "oid", &s[7]) < 0 ||
		     opt_text(key, "curve", &s[8]) < 0)))
		rc = -1;
	json_t *bits = key ? json_object_get(key, "bits") : NULL;
	if (bits && !json_is_null(bits) &&
	    (!json_is_integer(bits) || json_integer_value(bits) < 1 ||
	     json_integer_value(bits) > 1000000))
		rc = -1;
	if (rc < 0) {
		for (size_t k = 0; k < 9; k++)
			free(s[k]);
		return -1;
	}
	char **dst[9] = {&c->subject, &c->issuer,   &c->not_before, &c->not_after, &c->sig_name,
			 &c->sig_oid, &c->key_name, &c->key_oid,    &c->key_curve};
	for (size_t k = 0; k < 9; k++)
		take(dst[k], s[k]);
	if (!c->key_bits && bits && json_is_integer(bits))
		c->key_bits = (long long)json_integer_value(bits);
	return 0;
}

int cbom_add_json(struct cbom *b, const char *host, const char *store, json_t *o)
{
	unsigned char fp[FP_LEN];
	const char *fphex = json_string_value(json_object_get(o, "sha256"));
	json_t *owned = json_object_get(o, "owned");
	char *where = NULL, *state = NULL;
	if (!json_is_object(o) || !fphex || strlen(fphex) != FP_HEX_LEN || !fp_parse(fp, fphex) ||
	    (owned && !json_is_boolean(owned)) || opt_text(o, "where", &where) < 0 ||
	    opt_text(o, "state", &state) < 0) {
		free(where);
		return -1;
	}
	char hex[FP_HEX_LEN + 1];
	hex_encode(hex, fp, FP_LEN);
	size_t at = strmap_get(&b->index, hex);
	bool known = at != STRMAP_NONE;
	struct cbom_cert fresh = {0};
	struct cbom_cert *c = known ? &b->certs[at] : &fresh;
	if (read_details(c, o) < 0) {
		free(where);
		free(state);
		return -1;
	}
	if (!known) {
		fresh.sha256 = xstrdup(hex);
		ARRAY_GROW(b->certs, b->n + 1, b->alloc);
		b->certs[b->n] = fresh;
		strmap_put(&b->index, fresh.sha256, b->n++);
		c = &b->certs[b->n - 1];
	}
	c->places = xrealloc(c->places, (c->nplaces + 1) * sizeof(*c->places));
	c->places[c->nplaces++] = (struct cbom_place){
	    .host = xstrdup(host ? host : "?"),
	    .store = xstrdup(store ? store : "?"),
	    .where = where,
	    .state = state ? state : xstrdup("trusted"),
	    .owned = json_is_true(owned),
	};
	return 0;
}

void cbom_add_plan(struct cbom *b, const char *host, const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_store *ps = &p->stores[i];
		for (size_t j = 0; !ps->error && j < ps->actual.n; j++) {
			const struct trust_entry *e = &ps->actual.items[j];
			if (trust_entry_is_damaged(e))
				continue;
			json_t *o = cbom_entry_json(e);
			cbom_add_json(b, host, ps->address, o);
			json_decref(o);
		}
	}
}

int cbom_add_plan_json(struct cbom *b, const char *host, const json_t *doc, char **why)
{
	size_t i, j;
	json_t *st, *c;
	*why = NULL;
	json_array_foreach(json_object_get(doc, "stores"), i, st)
	{
		const char *addr = json_string_value(json_object_get(st, "address"));
		const char *status = json_string_value(json_object_get(st, "status"));
		json_t *certs = json_object_get(st, "certificates");
		/* a store that could not be read is the plan's error already */
		if (!addr || !status || strcmp(status, "ok"))
			continue;
		if (!json_is_array(certs)) {
			*why = xasprintf("store \"%s\" lists no certificates (a plan older than "
					 "format_version 1.4); make the plan again with "
					 "`trustplan --json` of this version",
					 addr);
			return -1;
		}
		json_array_foreach(certs, j, c)
		{
			if (cbom_add_json(b, host, addr, c) < 0) {
				*why =
				    xasprintf("stores[%zu].certificates[%zu] is not a certificate "
					      "of the inventory; give the output of `trustplan "
					      "--json` as it was written",
					      i, j);
				return -1;
			}
		}
	}
	return 0;
}
