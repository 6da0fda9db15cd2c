/*
 * The `nss` store type (see nss.h): its options, its expansion into one
 * instance per database, and on the parent's side read and the entry
 * operations (add, remove, set-trust; stores/store.h), which turn what a
 * database's child process reports into trust entries and operation codes.
 */
#include "stores/nss/nss.h"
#include "model/cert.h"
#include "model/step.h"
#include "stores/nss/nss_int.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const struct store_backend nss_backend;

static const char *const discover_choices[] = {"chrome", "firefox", "electron", "system", NULL};

static const struct store_option nss_keys[] = {
    {.name = "path",
     .kind = OPT_PATH,
     .help = "one NSS database: the directory holding `cert9.db` (no `sql:` prefix)"},
    {.name = "discover",
     .kind = OPT_LIST,
     .choices = discover_choices,
     .flags = OPTF_NONEMPTY,
     .help = "find the databases of chrome, firefox and electron (for each of `users`) and "
	     "system (`/etc/pki/nssdb`); electron: `~/.pki/nssdb`, shared by Chromium and "
	     "every Electron app, and each snap's own `~/snap/<app>/current/.pki/nssdb`"},
    {.name = "users",
     .kind = OPT_LIST,
     .pattern = "^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$",
     .help = "whose browsers `discover` looks at, from `<root>/etc/passwd`"},
    {.name = "trust",
     .kind = OPT_STRING,
     .def = "C,,",
     .pattern = "^[pPcCTw]*,[pPcCTw]*,[pPcCTw]*$",
     .help = "NSS trust flags of a present CA, as `certutil -t` takes them"},
    {.name = "create",
     .kind = OPT_BOOL,
     .def = "false",
     .help = "create a database that does not exist yet, as its owner"},
    {.name = "firefox_policy",
     .kind = OPT_BOOL,
     .def = "false",
     .help = "also list the CAs in Firefox's enterprise policy, "
	     "`/etc/firefox/policies/policies.json` (Certificates.Install)"},
    {0},
};

static const struct store_files_doc nss_files[] = {
    {NULL, "Nicknames `trustform-<name>` in each database (through libnss3); with "
	   "`firefox_policy`: `/etc/firefox/policies/trustform/<name>-<sha256[:12]>.pem` and "
	   "`/etc/firefox/policies/policies.json`"},
    {0},
};

/* One of path, discover, or firefox_policy alone; users with discover, and
 * needed by chrome and firefox. */
static const char nss_schema_rules[] =
    "\"oneOf\": [\n"
    "  { \"required\": [\"path\"], \"not\": { \"required\": [\"discover\"] } },\n"
    "  { \"required\": [\"discover\"], \"not\": { \"required\": [\"path\"] } },\n"
    "  {\n"
    "    \"required\": [\"firefox_policy\"],\n"
    "    \"properties\": { \"firefox_policy\": { \"const\": true } },\n"
    "    \"allOf\": [{ \"not\": { \"required\": [\"path\"] } }, "
    "{ \"not\": { \"required\": [\"discover\"] } }]\n"
    "  }\n"
    "],\n"
    "\"dependentRequired\": { \"users\": [\"discover\"] },\n"
    "\"if\": {\n"
    "  \"required\": [\"discover\"],\n"
    "  \"properties\": { \"discover\": { \"contains\": { \"enum\": [\"chrome\", \"firefox\"] } } "
    "}\n"
    "},\n"
    "\"then\": { \"required\": [\"users\"] }";

/* The instances of one configured store share a pool of children: the first
 * read queues a read of every database, the engine queues each database's
 * operations up front (the entry kind's begin), and each instance then waits
 * for its own. */
struct nss_family {
	struct nss_pool *pool;
	struct store_inst **insts;
	size_t n, refs;
	bool reads_queued;
};

struct nss_priv {
	struct nss_db db;
	struct nss_family *family;
	struct nss_job *read_job, *apply_job;
};

static const char *store_trust(const struct conf_store *cs)
{
	const char *t = conf_store_str(cs, "trust");
	return t ? t : NSS_DEFAULT_TRUST;
}

/* --- validation ------------------------------------------------------------------ */

static bool list_has(const struct ynode *l, const char *s)
{
	for (size_t i = 0; l && l->kind == YNODE_SEQ && i < l->n; i++)
		if (l->items[i]->kind == YNODE_SCALAR && !strcmp(l->items[i]->text, s))
			return true;
	return false;
}

static void nss_validate(const struct conf_store *cs, struct diag *d)
{
	const struct ynode *path = conf_store_node(cs, "path");
	const struct ynode *disc = conf_store_node(cs, "discover");
	const struct ynode *users = conf_store_node(cs, "users");
	const struct ynode *trust = conf_store_node(cs, "trust");
	if (path && disc)
		store_conf_error(d, cs, disc,
				 "give either path: (one database) or discover:, not both");
	else if (!path && !disc && !conf_store_bool(cs, "firefox_policy", false))
		store_conf_error(
		    d, cs, cs->node,
		    "give path: (one database, e.g. /home/ci/.pki/nssdb) or "
		    "discover: [chrome, firefox] with users: (or only firefox_policy: true)");
	if (disc && disc->kind == YNODE_SEQ && !disc->n)
		store_conf_error(d, cs, disc, "discover: is empty; list chrome, firefox or system");
	bool per_user =
	    list_has(disc, "chrome") || list_has(disc, "firefox") || list_has(disc, "electron");
	if (per_user && !users)
		store_conf_error(d, cs, disc,
				 "discover: chrome, firefox and electron look in users' homes; "
				 "list them with users: [alice, …]");
	if (users && !per_user)
		store_conf_error(d, cs, users,
				 "users: is only used with discover: [chrome, firefox, electron]");
	for (size_t i = 0; users && users->kind == YNODE_SEQ && i < users->n; i++) {
		const struct ynode *u = users->items[i];
		if (u->kind == YNODE_SCALAR && !userdb_name_ok(u->text))
			store_conf_error(d, cs, u, "\"%s\" is not a user name", u->text);
	}
	if (path && path->kind == YNODE_SCALAR && !strncmp(path->text, "sql:", 4))
		store_conf_error(d, cs, path, "write the directory without the sql: prefix");
	const char *why =
	    trust && trust->kind == YNODE_SCALAR ? nss_trust_syntax(trust->text) : NULL;
	if (why)
		store_conf_error(d, cs, trust, "trust \"%s\" is not an NSS trust string: %s",
				 trust->text, why);
}

/* --- instances ------------------------------------------------------------------- */

static int nss_open(const struct conf_store *cs, const struct run_ctx *ctx, struct store_open *out)
{
	struct nss_found f;
	if (!conf_store_str(cs, "path") && !conf_store_node(cs, "discover")) {
		memset(&f, 0, sizeof(f)); /* the policy only */
	} else if (nss_discover(&f, cs, ctx) < 0) {
		nss_found_dispose(&f);
		return -1;
	}
	for (size_t i = 0; i < f.nnotes; i++)
		store_open_note(out, "%s", f.notes[i]);
	struct nss_family *fam = xcalloc(1, sizeof(*fam));
	fam->pool = nss_pool_new();
	fam->insts = xcalloc(f.n + 1, sizeof(*fam->insts));
	for (size_t i = 0; i < f.n; i++) {
		struct nss_db *db = &f.dbs[i];
		char *title = strchr(db->address, '[') ? xstrdup(db->address)
						       : xasprintf("%s (nss)", db->address);
		struct store_inst *s = store_inst_new(&nss_backend, cs, ctx, db->address, title);
		s->target = xasprintf("the NSS database %s", db->dir);
		struct nss_priv *p = xcalloc(1, sizeof(*p));
		p->db = *db;
		memset(db, 0, sizeof(*db));
		p->family = fam;
		s->priv = p;
		s->want_flags = xstrdup(store_trust(cs));
		store_open_add(out, s);
		fam->insts[fam->n++] = s;
		fam->refs++;
		free(title);
	}
	if (!fam->refs) {
		nss_pool_free(fam->pool);
		free(fam->insts);
		free(fam);
	}
	if (conf_store_bool(cs, "firefox_policy", false))
		store_open_add(out, nss_policy_open(cs, ctx));
	nss_found_dispose(&f);
	return 0;
}

static void nss_free(struct store_inst *s)
{
	struct nss_priv *p = s->priv;
	if (!p)
		return;
	struct nss_family *fam = p->family;
	for (size_t i = 0; i < fam->n; i++)
		if (fam->insts[i] == s)
			fam->insts[i] = NULL;
	if (--fam->refs == 0) {
		nss_pool_free(fam->pool); /* waits for children still at work */
		free(fam->insts);
		free(fam);
	}
	nss_db_dispose(&p->db);
	free(p);
}

static bool needs_child(const struct nss_priv *p)
{
	return !p->db.problem && !p->db.create;
}

/* Queue a read of every database of the family that has not been read. */
static void queue_reads(struct nss_family *fam)
{
	fam->reads_queued = true;
	for (size_t i = 0; i < fam->n; i++) {
		struct store_inst *s = fam->insts[i];
		struct nss_priv *p = s ? s->priv : NULL;
		if (p && needs_child(p) && !p->read_job && !s->read_cached)
			p->read_job = nss_pool_add(fam->pool, &p->db, s->ctx->root,
						   store_trust(s->conf), NULL);
	}
}

static void add_entry(struct trust_set *out, const struct nss_entry *e)
{
	unsigned char fp[FP_LEN];
	struct cert *c = cert_from_der(e->der, e->der_len);
	if (c)
		memcpy(fp, c->fp, FP_LEN);
	else
		EVP_Digest(e->der, e->der_len, fp, NULL, EVP_sha256(), NULL);
	const char *name = e->nick + strlen(NSS_NICK_PREFIX);
	bool owned =
	    !strncmp(e->nick, NSS_NICK_PREFIX, strlen(NSS_NICK_PREFIX)) && config_name_ok(name);
	const char *where = nss_where(e->nick);
	struct trust_entry *t =
	    trust_set_add(out, fp, owned ? name : where, owned, nss_trust_state(e->flags), where);
	t->flags = xstrdup(e->flags);
	t->can_distrust = true;
	if (c)
		trust_entry_describe(t, c);
	else
		t->subject = xstrdup("(a certificate OpenSSL cannot parse)");
	cert_free(c);
}

static int nss_read(struct store_inst *s, struct trust_set *out)
{
	struct nss_priv *p = s->priv;
	const char *root = s->ctx->root;
	if (p->db.problem) {
		err_set("%s", p->db.problem);
		return -1;
	}
	if (p->db.create) {
		trust_set_note(out, "a new NSS database will be made in %s, as %s", p->db.dir,
			       p->db.owner.name ? p->db.owner.name : "its owner");
		return 0;
	}
	if (!p->family->reads_queued)
		queue_reads(p->family);
	struct nss_reply r;
	if (!p->read_job) /* read again after its first read */
		p->read_job =
		    nss_pool_add(p->family->pool, &p->db, root, store_trust(s->conf), NULL);
	int rc = nss_job_wait(p->family->pool, p->read_job, &r);
	p->read_job = NULL;
	if (rc == 0 && r.error_code != TF_OK) {
		err_set("%s", r.error);
		rc = -1;
	}
	if (rc == 0) {
		if (r.want) {
			free(s->want_flags);
			s->want_flags = xstrdup(r.want);
		}
		for (size_t i = 0; i < r.n; i++)
			add_entry(out, &r.items[i]);
		for (size_t i = 0; i < r.nnotes; i++)
			trust_set_note(out, "%s", r.notes[i]);
	}
	nss_reply_dispose(&r);
	return rc;
}

/* What a read of the database depends on: cert9.db (certificates and trust),
 * key4.db (whether a primary password is set), who owns them (the reader
 * runs as the owner), and the trust the store wants. */
static int nss_state_key(struct store_inst *s, struct buf *key)
{
	struct nss_priv *p = s->priv;
	if (p->db.problem || p->db.create)
		return -1;
	int rc = 0;
	static const char *const files[] = {"cert9.db", "key4.db"};
	for (size_t i = 0; i < 2 && rc == 0; i++) {
		char *inroot = xasprintf("%s/%s", p->db.dir, files[i]);
		char *host = root_join(s->ctx->root, inroot);
		rc = store_state_key_file(key, host);
		free(host);
		free(inroot);
	}
	buf_printf(key, "owner %lu\ntrust %s\n", (unsigned long)p->db.owner.uid,
		   store_trust(s->conf));
	return rc;
}

/* The entry kind's operations (stores/store.h): the database's child carries
 * them out, in parallel with the other databases' (queued by begin), and
 * sends each one's code back; the parent ends each from that code. */
static void nss_ops_begin(struct store_inst *s, struct store_entry_ops *ops)
{
	struct nss_priv *p = s->priv;
	if (!p->apply_job)
		p->apply_job =
		    nss_pool_add(p->family->pool, &p->db, s->ctx->root, store_trust(s->conf), ops);
}

static int nss_ops_run(struct store_inst *s, struct store_entry_ops *ops)
{
	struct nss_priv *p = s->priv;
	struct nss_reply r;
	nss_ops_begin(s, ops);
	int rc = nss_job_wait(p->family->pool, p->apply_job, &r);
	p->apply_job = NULL;
	for (size_t i = 0; i < ops->n && i < r.nops; i++)
		if (r.ops[i].reported)
			store_entry_op_end(&ops->op[i], r.ops[i].code, "%s", r.ops[i].msg);
	/* the database failed as a whole: the operations not done take its code
	 * (as the child sent it) and why, from the engine */
	bool left = false;
	for (size_t i = 0; i < ops->n; i++)
		left = left || !ops->op[i].ended;
	if (rc == 0 && r.error_code == TF_EMODIFIED) {
		err_modified_why(p->db.dir, "%s", r.error);
		rc = -1;
	} else if (rc == 0 && r.error_code != TF_OK) {
		err_set("%s", r.error);
		rc = -1;
	}
	if (rc < 0 && left)
		err_prefix("not done");
	nss_reply_dispose(&r);
	return rc;
}

static const struct store_entry_kind nss_entries = {
    .label_prefix = NSS_NICK_PREFIX,
    .distrust_flags = NSS_DISTRUST,
    .begin = nss_ops_begin,
    .run = nss_ops_run,
};

static const struct store_backend nss_backend = {
    .name = "nss",
    .ops =
	STORE_OPS_CA | STORE_OP(OP_RETRUST) | STORE_OP(OP_DISTRUST) | STORE_OP(OP_ADD_DISTRUSTED),
    .caps = STORE_HAS_TRUST_FLAGS,
    .read = nss_read,
    .state_key = nss_state_key,
    .entries = &nss_entries,
    .free = nss_free,
};

const struct store_type store_type_nss = {
    .name = "nss",
    .summary = "NSS databases of Chrome, Chromium and Firefox: one (`path`) or those found "
	       "(`discover`)",
    .files = nss_files,
    .schema_rules = nss_schema_rules,
    .options = nss_keys,
    .validate = nss_validate,
    .open = nss_open,
    .readers = {.flags = STORE_READ_CHROME},
    .forks_workers = true,
};
