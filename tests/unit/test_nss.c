/*
 * The nss store's parsers, table-driven: trust strings of the config, trust
 * states of what certutil prints, Firefox's profiles.ini, the users of a
 * --root tree (passwd, group, whose home holds a path), and the records a
 * child sends over its pipe (including a cut-off stream).
 */
#include "harness.h"
#include "stores/nss/nss_int.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_trust_syntax(void)
{
	static const struct {
		const char *s;
		bool ok;
	} rows[] = {
	    {"C,,", true},  {"CT,C,C", true}, {",,", true},   {"p,p,p", true}, {"c,c,c", true},
	    {"Pw,,", true}, {"C", false},     {"C,C", false}, {"C,,,", false}, {"Cu,,", false},
	    {"x,,", false}, {"C ,,", false},  {"", false},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		CHECK_MSG((nss_trust_syntax(rows[i].s) == NULL) == rows[i].ok, "trust \"%s\"",
			  rows[i].s);
}

static void test_trust_state(void)
{
	static const struct {
		const char *flags;
		enum trust_state st;
	} rows[] = {
	    {"C,,", TS_TRUSTED}, {"CT,C,C", TS_TRUSTED}, {",C,", TS_INERT},
	    {"c,c,c", TS_INERT}, {",,", TS_INERT},	 {"p,p,p", TS_DISTRUSTED},
	    {"p,,", TS_INERT},	 {"pC,p,p", TS_TRUSTED}, {"P,p,p", TS_INERT},
	    {"u,u,u", TS_INERT},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		CHECK_MSG(nss_trust_state(rows[i].flags) == rows[i].st, "state of \"%s\"",
			  rows[i].flags);
	CHECK_STR(nss_where(""), "(no nickname)");
	CHECK_STR(nss_where("x"), "x");
}

static void test_profiles(void)
{
	const char *ini = "[Install4F96D1932A9F858E]\r\nDefault=abcd.default-release\r\n"
			  "Locked=1\r\n\r\n[Profile1]\r\nName=work\r\nIsRelative=0\r\n"
			  "Path=/data/ff/work\r\n\r\n[Profile0]\nName=default-release\n"
			  "IsRelative=1\nPath=abcd.default-release\nDefault=1\n\n"
			  "[ProfileX]\nName=no path\n\n[General]\nStartWithLastProfile=1\n"
			  "Path=/not/a/profile\n[Profile2]\nPath=nameless";
	struct ff_profile *p;
	size_t n;
	nss_profiles_parse(ini, &p, &n);
	CHECK(n == 3);
	if (n == 3) {
		CHECK_STR(p[0].name, "work");
		CHECK_STR(p[0].path, "/data/ff/work");
		CHECK(!p[0].relative);
		CHECK_STR(p[1].name, "default-release");
		CHECK_STR(p[1].path, "abcd.default-release");
		CHECK(p[1].relative);
		CHECK(p[2].name == NULL && p[2].relative);
		CHECK_STR(p[2].path, "nameless");
	}
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].path);
	}
	free(p);
	nss_profiles_parse("", &p, &n);
	CHECK(n == 0);
	free(p);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_userdb(void)
{
	char root[] = "/tmp/tf-userdb.XXXXXX";
	CHECK(mkdtemp(root) != NULL);
	char *etc = xasprintf("%s/etc", root), *pw = xasprintf("%s/passwd", etc),
	     *gr = xasprintf("%s/group", etc);
	mkdir(etc, 0755);
	write_file(pw, "root:x:0:0:root:/root:/bin/sh\n"
		       "# a comment line\n"
		       "broken line\n"
		       "alice:x:4242:4242:Alice:/home/alice:/bin/sh\n"
		       "bob:x:4243:100::/home/bob:/bin/sh\n"
		       "deep:x:4244:4244::/home/bob/deep:/bin/sh\n"
		       "nohome:x:4245:4245:::/bin/sh");
	write_file(gr, "root:x:0:\nalice:x:4242:\nusers:x:100:alice,bob\nwheel:x:10:bob\n");
	struct user_info u;
	CHECK(userdb_by_name(&u, root, "alice") == 0);
	CHECK(u.uid == 4242 && u.gid == 4242);
	CHECK_STR(u.home, "/home/alice");
	CHECK(u.ngroups == 2); /* its own and users */
	user_info_dispose(&u);
	CHECK(userdb_by_name(&u, root, "bob") == 0);
	CHECK(u.ngroups == 2 && u.groups[0] == 100); /* primary, then wheel */
	user_info_dispose(&u);
	CHECK(userdb_by_name(&u, root, "carol") == 1);
	CHECK(userdb_by_name(&u, root, "broken line") == 1);
	CHECK(userdb_by_uid(&u, root, 4243) == 0);
	CHECK_STR(u.name, "bob");
	user_info_dispose(&u);
	CHECK(userdb_by_home(&u, root, "/home/bob/deep/.pki/nssdb") == 0);
	CHECK_STR(u.name, "deep"); /* the longest home wins */
	user_info_dispose(&u);
	CHECK(userdb_by_home(&u, root, "/home/bob/.pki/../.pki/nssdb") == 0);
	CHECK_STR(u.name, "bob");
	user_info_dispose(&u);
	CHECK(userdb_by_home(&u, root, "/home/bobby/x") == 1);
	CHECK(userdb_by_home(&u, root, "/etc/pki/nssdb") == 1); /* "/" counts for no one */
	CHECK(userdb_by_name(&u, root, "nohome") == 0);
	CHECK_STR(u.home, "/");
	user_info_dispose(&u);
	CHECK(userdb_name_ok("alice") && userdb_name_ok("svc_ci-1.2"));
	CHECK(!userdb_name_ok("../root") && !userdb_name_ok("-x") && !userdb_name_ok("a b") &&
	      !userdb_name_ok(""));
	unlink(pw);
	unlink(gr);
	rmdir(etc);
	rmdir(root);
	free(pw);
	free(gr);
	free(etc);
}

static void test_wire(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	const unsigned char der[] = {0x30, 0x00, 0xff, 0x00, 0x01};
	const void *f[3] = {"Corp", der, "C,,"};
	size_t len[3] = {4, sizeof(der), 3};
	nss_wire_send_str(p[1], REC_WANT, "C,,", NULL, NULL);
	nss_wire_send(p[1], REC_ENTRY, 3, f, len);
	nss_wire_send_op(p[1], 1, TF_EMODIFIED, "the entry moved");
	nss_wire_send_op(p[1], 0, TF_OK, NULL);
	nss_wire_send_op(p[1], 2, TF_ERROR, "refused");
	nss_wire_send(p[1], REC_END, 0, NULL, NULL);
	close(p[1]);
	struct buf in = BUF_INIT;
	char chunk[4096];
	ssize_t got;
	while ((got = read(p[0], chunk, sizeof(chunk))) > 0)
		buf_add(&in, chunk, (size_t)got);
	close(p[0]);
	struct nss_reply r;
	nss_reply_init(&r, 3);
	CHECK(nss_wire_parse(&r, &in) == 0);
	CHECK(r.complete && r.n == 1 && r.want && !strcmp(r.want, "C,,"));
	CHECK(r.n == 1 && r.items[0].der_len == sizeof(der) &&
	      !memcmp(r.items[0].der, der, sizeof(der)) && !strcmp(r.items[0].nick, "Corp"));
	CHECK(r.ops[0].reported && r.ops[0].code == TF_OK);
	/* stale crosses the pipe as a code: the message need not say so */
	CHECK(r.ops[1].reported && r.ops[1].code == TF_EMODIFIED &&
	      !strcmp(r.ops[1].msg, "the entry moved"));
	CHECK(r.ops[2].reported && r.ops[2].code == TF_ERROR && !strcmp(r.ops[2].msg, "refused"));
	nss_reply_dispose(&r);
	/* cut off in the middle of a record (a child that died): refused */
	for (size_t cut = 1; cut < in.len; cut += 7) {
		struct buf part = BUF_INIT;
		buf_add(&part, in.ptr, cut);
		nss_reply_init(&r, 3);
		int rc = nss_wire_parse(&r, &part);
		CHECK_MSG(rc < 0 || !r.complete, "cut at %zu", cut);
		nss_reply_dispose(&r);
		buf_dispose(&part);
	}
	/* a step index out of range */
	struct buf bad = BUF_INIT;
	buf_add(&bad, "O\3\0\0\0\0019\0\0\0\1\0\0\0\0\0", 16);
	nss_reply_init(&r, 2);
	CHECK(nss_wire_parse(&r, &bad) < 0);
	nss_reply_dispose(&r);
	/* a code that is none of the codes, or a word where the code goes */
	const char *const codes[] = {"O\3\0\0\0\0011\0\0\0\1\3\0\0\0\0",
				     "O\3\0\0\0\0011\0\0\0\2ok\0\0\0\0"};
	const size_t clen[] = {16, 17};
	for (size_t i = 0; i < 2; i++) {
		buf_reset(&bad);
		buf_add(&bad, codes[i], clen[i]);
		nss_reply_init(&r, 2);
		CHECK_MSG(nss_wire_parse(&r, &bad) < 0, "code %zu", i);
		nss_reply_dispose(&r);
	}
	/* and one that is: index 1, stale */
	buf_reset(&bad);
	buf_add(&bad, "O\3\0\0\0\0011\0\0\0\1\2\0\0\0\0", 16);
	nss_reply_init(&r, 2);
	CHECK(nss_wire_parse(&r, &bad) == 0 && r.ops[1].code == TF_EMODIFIED);
	nss_reply_dispose(&r);
	/* the whole job's failure crosses as a code too, its text only to show */
	int q[2];
	CHECK(pipe(q) == 0);
	nss_wire_send_error(q[1], TF_EMODIFIED, "cert9.db changed");
	nss_wire_send(q[1], REC_END, 0, NULL, NULL);
	close(q[1]);
	buf_reset(&bad);
	while ((got = read(q[0], chunk, sizeof(chunk))) > 0)
		buf_add(&bad, chunk, (size_t)got);
	close(q[0]);
	nss_reply_init(&r, 1);
	CHECK(nss_wire_parse(&r, &bad) == 0 && r.error_code == TF_EMODIFIED &&
	      !strcmp(r.error, "cert9.db changed") && !r.ops[0].reported);
	nss_reply_dispose(&r);
	/* an error without a code, or with TF_OK's: refused */
	const char *const errs[] = {"F\1\0\0\0\4oops", "F\2\0\0\0\1\0\0\0\0\4oops"};
	const size_t elen[] = {10, 15};
	for (size_t i = 0; i < 2; i++) {
		buf_reset(&bad);
		buf_add(&bad, errs[i], elen[i]);
		nss_reply_init(&r, 1);
		CHECK_MSG(nss_wire_parse(&r, &bad) < 0, "error record %zu", i);
		nss_reply_dispose(&r);
	}
	buf_dispose(&bad);
	buf_dispose(&in);
}

int main(void)
{
	test_trust_syntax();
	test_trust_state();
	test_profiles();
	test_userdb();
	test_wire();
	return test_report();
}
