/*
 * `unit:` of a java store: the JVMs of a systemd unit read trustform's
 * truststore instead of their JDK's cacerts, which is left as it is (a JDK
 * whose files must not change: vendor support, a read-only image, a checksum
 * the operator verifies).
 *
 *   /etc/systemd/system/<unit>.d/90-trustform-java.conf
 *     [Service]
 *     Environment=JAVA_TOOL_OPTIONS=-Djavax.net.ssl.trustStore=<path>
 *
 * Every JVM reads JAVA_TOOL_OPTIONS when it starts (it prints "Picked up
 * JAVA_TOOL_OPTIONS"), so the unit is a consumer that restarts. The truststore
 * must be JKS: the JVM then loads its trusted entries without a password, so
 * none is written into the unit's environment (a PKCS#12 truststore that
 * trustform writes is encrypted: the JVM would need trustStorePassword). The
 * drop-in sets the whole variable, so a unit that sets JAVA_TOOL_OPTIONS
 * itself (heap sizes, agents) is refused, naming where: trustform will not
 * drop the options the service had.
 *
 * The JVM reads JAVA_TOOL_OPTIONS first, then its command line (to which the
 * java launcher prepends JDK_JAVA_OPTIONS), then _JAVA_OPTIONS: the last
 * -Djavax.net.ssl.trustStore= wins. One in the unit's JDK_JAVA_OPTIONS or
 * _JAVA_OPTIONS, or in ExecStart= (also through a $VAR word), that names
 * another file makes the trust ineffective, reported with the file and line.
 */
#include "model/step.h"
#include "stores/files/envwrite.h"
#include "stores/files/unitfile.h"
#include "stores/java/java_int.h"
#include "stores/storeopt.h"
#include "util/err.h"
#include "util/proc.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DROPIN_NAME "90-trustform-java.conf"
#define VAR	    "JAVA_TOOL_OPTIONS"
#define PROPERTY    "-Djavax.net.ssl.trustStore="

void java_unit_validate(const struct conf_store *cs, struct diag *d)
{
	const struct ynode *u = conf_store_node(cs, "unit");
	if (!u || u->kind != YNODE_SCALAR)
		return;
	if (!unit_name_ok(u->text))
		store_conf_error(d, cs, u,
				 "unit \"%s\" is not a systemd unit name (letters, digits and "
				 ":-_.@\\ with a type suffix such as .service); fix `unit:`",
				 u->text);
	const struct ynode *f = conf_store_node(cs, "format");
	if (!f || f->kind != YNODE_SCALAR || strcmp(f->text, "jks"))
		store_conf_error(d, cs, f ? f : u,
				 "unit: points the JVMs at the truststore without its password, "
				 "which the JVM can do only for JKS; set format: jks (and use a "
				 "JKS file)");
	const char *path = conf_store_str(cs, "path");
	if (path && !envw_value_ok(path))
		store_conf_error(d, cs, conf_store_node(cs, "path"),
				 "with unit:, the path goes into the unit's environment and may "
				 "use only letters, digits and /._-+@; move the truststore");
}

int java_unit_open(struct store_inst *s)
{
	struct java *j = s->priv;
	const char *unit = conf_store_str(s->conf, "unit");
	if (!unit)
		return 0;
	j->unit = xstrdup(unit);
	j->dropin = xasprintf("/etc/systemd/system/%s.d/" DROPIN_NAME, unit);
	j->dropin_host = root_resolve_host(s->ctx->root, j->dropin);
	if (!j->dropin_host)
		return -1;
	struct store_consumer *c = store_inst_add_consumer(
	    s, unit, CONSUMER_RESTART, "its JVMs read the truststore (JAVA_TOOL_OPTIONS)");
	c->env = xcalloc(1, sizeof(*c->env));
	c->env[c->nenv++] = xasprintf(VAR "=" PROPERTY "%s", j->path);
	return 0;
}

void java_unit_dispose(struct java *j)
{
	free(j->unit);
	free(j->dropin);
	free(j->dropin_host);
}

static void render(struct buf *b, const struct store_inst *s)
{
	const struct java *j = s->priv;
	envw_comment(b, "Written by trustform (store \"%s\"): the JVMs of %s trust %s",
		     s->conf->name, j->unit, j->path);
	envw_comment(b, "instead of their JDK's cacerts. trustform rewrites this file.");
	buf_printf(b, "[Service]\nEnvironment=" VAR "=" PROPERTY "%s\n", j->path);
}

/* Why the drop-in cannot work, with the fix; NULL when it can. */
static char *refusal(const struct store_inst *s, bool jks)
{
	const struct java *j = s->priv;
	char *pos = store_opt_pos(s->conf, "unit");
	char *why = NULL;
	struct unit_env u;
	if (!jks)
		why = xasprintf("%s: %s is PKCS#12, which the JVM reads only with its password, "
				"and trustform does not put a password into %s's environment: "
				"convert it to JKS (keytool -importkeystore -deststoretype JKS) or "
				"point unit: at a JKS truststore",
				pos, j->path, j->unit);
	else if (unit_env_load(&u, s->ctx->root, j->unit, DROPIN_NAME, NULL) < 0)
		why = xasprintf("%s: %s", pos, err_msg());
	else {
		const char *src = NULL;
		const char *v = unit_env_final(&u, VAR, &src);
		if (v)
			why = xasprintf("%s: %s sets " VAR "=%s in %s, which trustform's drop-in "
					"would replace: add " PROPERTY "%s to that setting "
					"yourself and remove unit: from this store",
					pos, j->unit, v, src ? src : "its environment", j->path);
		unit_env_dispose(&u);
	}
	free(pos);
	return why;
}

/* The truststore the last -Djavax.net.ssl.trustStore= in text names (NULL:
 * none). With u, a word that is $NAME or ${NAME} (systemd expands those in
 * ExecStart=) is read as NAME's value in the unit's environment. */
static char *property_in(const char *text, const struct unit_env *u)
{
	char *val = NULL;
	char **w;
	size_t nw = unit_split_words(text, &w);
	for (size_t i = 0; i < nw; i++) {
		const char *word = w[i];
		if (u && word[0] == '$') {
			char *name = xstrdup(word + 1 + (word[1] == '{'));
			if (word[1] == '{' && *name && name[strlen(name) - 1] == '}')
				name[strlen(name) - 1] = '\0';
			const char *v = unit_env_final(u, name, NULL);
			free(name);
			char *inner = v ? property_in(v, NULL) : NULL;
			if (inner) {
				free(val);
				val = inner;
			}
			continue;
		}
		for (const char *p = strstr(word, PROPERTY); p; p = strstr(p + 1, PROPERTY)) {
			const char *v = p + strlen(PROPERTY);
			free(val);
			val = xstrndup(v, strcspn(v, " \t\n\"'"));
		}
	}
	for (size_t i = 0; i < nw; i++)
		free(w[i]);
	free(w);
	return val;
}

/* Settings of the unit the JVM reads after JAVA_TOOL_OPTIONS that name
 * another truststore: the drop-in is in place, its trust is not. */
static size_t check_overrides(const struct store_inst *s, struct trust_set *out)
{
	const struct java *j = s->priv;
	struct unit_env u;
	size_t found = 0;
	if (unit_env_load(&u, s->ctx->root, j->unit, DROPIN_NAME, NULL) < 0) {
		err_clear();
		return 0;
	}
	static const char *const later[] = {"JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"};
	for (size_t i = 0; i < sizeof(later) / sizeof(*later); i++) {
		const char *src = NULL;
		const char *v = unit_env_final(&u, later[i], &src);
		char *ts = v ? property_in(v, NULL) : NULL;
		if (ts && strcmp(ts, j->path)) {
			char *shown = envw_printable(v), *where = envw_printable(src ? src : "?");
			char *other = envw_printable(ts);
			trust_set_ineffective(
			    out,
			    "%s: %s=\"%s\" reaches %s, and its JVMs read %s after "
			    "trustform's " VAR ": they read the truststore %s, not "
			    "%s; remove that option, or make it " PROPERTY "%s",
			    where, later[i], shown, j->unit, later[i], other, j->path, j->path);
			free(other);
			free(shown);
			free(where);
			found++;
		}
		free(ts);
	}
	for (size_t i = 0; i < u.nexec; i++) {
		char *ts = property_in(u.exec[i].cmd, &u);
		if (ts && strcmp(ts, j->path)) {
			char *shown = envw_printable(ts), *where = envw_printable(u.exec[i].src);
			trust_set_ineffective(
			    out,
			    "%s: ExecStart= of %s passes " PROPERTY "%s, and the "
			    "command line wins over trustform's " VAR ": its JVMs "
			    "read %s, not %s; remove that option, or make it " PROPERTY "%s",
			    where, j->unit, shown, shown, j->path, j->path);
			free(shown);
			free(where);
			found++;
		}
		free(ts);
	}
	unit_env_dispose(&u);
	return found;
}

int java_unit_read(struct store_inst *s, bool jks, struct trust_set *out)
{
	const struct java *j = s->priv;
	char *why = refusal(s, jks);
	if (why) {
		err_set("%s", why);
		free(why);
		return -1;
	}
	struct buf want = BUF_INIT, have = BUF_INIT;
	render(&want, s);
	bool exists = buf_read_file(&have, j->dropin_host) == 0;
	int rc = 0;
	if (!exists && errno != ENOENT) {
		err_set_errno(errno, "%s: cannot read", j->dropin);
		rc = -1;
	} else if (!exists || !buf_equal(&have, want.ptr, want.len))
		out->stale = xasprintf("%s %s: " VAR "=" PROPERTY "%s", j->dropin,
				       exists ? "is out of date" : "will be written", j->path);
	if (rc == 0 && !check_overrides(s, out))
		trust_set_note(out,
			       "%s's JVMs read %s instead of their JDK's cacerts (" VAR
			       "): it holds what this store holds and nothing else",
			       j->unit, j->path);
	buf_dispose(&want);
	buf_dispose(&have);
	return rc;
}

int java_unit_render(struct store_inst *s, bool jks, struct buf *want)
{
	char *why = refusal(s, jks);
	if (why) {
		err_set("%s", why);
		free(why);
		return -1;
	}
	render(want, s);
	return 0;
}

void java_unit_reload(const struct store_inst *s)
{
	/* systemd reads a new drop-in only after daemon-reload; the engine's
	 * consumer restart follows. Under --root the host's systemd is not the
	 * tree's. */
	if (*s->ctx->root)
		return;
	const char *argv[] = {"systemctl", "daemon-reload", NULL};
	struct buf out = BUF_INIT;
	(void)proc_run(argv, NULL, &out);
	buf_dispose(&out);
}
