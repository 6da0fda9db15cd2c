/* Paths under --root: chroot-like symlink resolution. */
#include "harness.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *in, *out;
} norm[] = {
    {"/", "/"},	       {"/a/b", "/a/b"},   {"//a///b/", "/a/b"},   {"/a/./b", "/a/b"},
    {"/a/../b", "/b"}, {"/../../x", "/x"}, {"/a/b/../../..", "/"},
};

static void mklink(const char *root, const char *link, const char *target)
{
	char *p = root_join(root, link);
	if (symlink(target, p) != 0)
		perror(p);
	free(p);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(norm) / sizeof(*norm); i++) {
		char *s = path_normalize(norm[i].in);
		CHECK_STR(s, norm[i].out);
		free(s);
	}
	CHECK(path_is_under("/usr/share/x", "/usr/share"));
	CHECK(!path_is_under("/usr/sharex", "/usr/share"));
	CHECK(path_is_under("/usr/share", "/usr/share"));

	char tmpl[] = "/tmp/tf-rootfs-XXXXXX";
	const char *root = mkdtemp(tmpl);
	char *d = xasprintf("%s/etc/ssl/certs", root);
	char *cmd = xasprintf("mkdir -p %s %s/usr/share/ca %s/home/alice", d, root, root);
	CHECK(system(cmd) == 0);
	free(cmd);
	mklink(root, "/etc/ssl/certs/abs.pem", "/usr/share/ca/x.crt");
	mklink(root, "/etc/ssl/certs/rel.pem", "../../../usr/share/ca/x.crt");
	mklink(root, "/etc/ssl/certs/escape.pem", "../../../../../../../../etc/passwd");
	mklink(root, "/etc/ssl/certs/loop1", "loop2");
	mklink(root, "/etc/ssl/certs/loop2", "loop1");
	mklink(root, "/home/alice/.pki", "/");
	mklink(root, "/etc/ssl/certs/chain.pem", "abs.pem");

	static const struct {
		const char *in, *out;
	} res[] = {
	    {"/etc/ssl/certs/abs.pem", "/usr/share/ca/x.crt"},
	    {"/etc/ssl/certs/rel.pem", "/usr/share/ca/x.crt"},
	    {"/etc/ssl/certs/chain.pem", "/usr/share/ca/x.crt"},
	    /* ".." stops at the root: the host's /etc/passwd is out of reach */
	    {"/etc/ssl/certs/escape.pem", "/etc/passwd"},
	    /* an absolute link starts again at the root, not at the host's / */
	    {"/home/alice/.pki/nssdb", "/nssdb"},
	    {"/etc/ssl/certs/missing/x", "/etc/ssl/certs/missing/x"},
	};
	for (size_t i = 0; i < sizeof(res) / sizeof(*res); i++) {
		struct buf b = BUF_INIT;
		CHECK(root_resolve(root, res[i].in, &b) == 0);
		CHECK_STR(b.ptr, res[i].out);
		buf_dispose(&b);
	}
	struct buf b = BUF_INIT;
	CHECK(root_resolve(root, "/etc/ssl/certs/loop1", &b) < 0);
	buf_dispose(&b);

	cmd = xasprintf("rm -rf %s", root);
	CHECK(system(cmd) == 0);
	free(cmd);
	free(d);
	return test_report();
}
