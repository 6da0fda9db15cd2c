/*
 * The crash-safety core (util/fsutil.c), modelled on p11-kit's
 * trust/test-save.c: each case builds files in a fresh directory and checks
 * exactly what is on disk afterwards: contents, modes, link targets, and that
 * no temp file is left behind, whether the change was committed or dropped.
 */
#include "harness.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/tmp/tf-fsutil.XXXXXX";
static char dir[256];
static int ncase;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/%d", base, ++ncase);
	CHECK(mkdir(dir, 0755) == 0);
}

static char *at(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void put(const char *name, const char *text)
{
	char *p = at(name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	free(p);
}

/* The file's content, or NULL when missing. */
static char *slurp(const char *name)
{
	char *p = at(name), *out = NULL;
	FILE *f = fopen(p, "r");
	free(p);
	if (!f)
		return NULL;
	char tmp[4096];
	size_t n = fread(tmp, 1, sizeof(tmp) - 1, f);
	fclose(f);
	tmp[n] = 0;
	out = xstrdup(tmp);
	return out;
}

static void check_content(const char *name, const char *want, int line)
{
	char *got = slurp(name);
	if (!want) {
		CHECK_MSG(got == NULL, "line %d: %s exists", line, name);
	} else {
		CHECK_MSG(got && !strcmp(got, want), "line %d: %s holds \"%s\", want \"%s\"", line,
			  name, got ? got : "(missing)", want);
	}
	free(got);
}
#define CONTENT(name, want) check_content(name, want, __LINE__)

/* Names in dir, sorted, space-separated: also proves no temp file is left. */
static char *listing(void)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	struct {
		char *p;
		size_t len;
	} s = {xstrdup(""), 0};
	for (int i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
			char *t = xasprintf("%s%s%s", s.p, *s.p ? " " : "", ents[i]->d_name);
			free(s.p);
			s.p = t;
		}
		free(ents[i]);
	}
	free(ents);
	return s.p;
}
#define LISTING(want)                                                                              \
	do {                                                                                       \
		char *l_ = listing();                                                              \
		CHECK_MSG(!strcmp(l_, want), "listing \"%s\", want \"%s\"", l_, want);             \
		free(l_);                                                                          \
	} while (0)

static mode_t mode_of(const char *name)
{
	char *p = at(name);
	struct stat st;
	mode_t m = stat(p, &st) == 0 ? (st.st_mode & 07777) : 0;
	free(p);
	return m;
}

static void test_atomic_write_new_and_replace(void)
{
	setup();
	char *p = at("bundle.pem");
	CHECK(atomic_write(p, "one\n", 4, 0644) == 0);
	CONTENT("bundle.pem", "one\n");
	CHECK(mode_of("bundle.pem") == 0644);
	CHECK(atomic_write(p, "two\n", 4, 0600) == 0);
	CONTENT("bundle.pem", "two\n");
	CHECK(mode_of("bundle.pem") == 0600);
	LISTING("bundle.pem");
	free(p);
}

static void test_atomic_write_missing_dir(void)
{
	setup();
	char *p = at("nodir/file");
	err_clear();
	CHECK(atomic_write(p, "x", 1, 0644) == -1);
	CHECK_MSG(strstr(err_msg(), "nodir") != NULL, "error names the path: %s", err_msg());
	LISTING("");
	free(p);
}

static void test_txn_commit(void)
{
	setup();
	put("old.pem", "old\n");
	put("gone.pem", "gone\n");
	struct fs_txn t;
	fs_txn_init(&t);
	char *a = at("a.pem"), *old = at("old.pem"), *gone = at("gone.pem"), *l = at("link.0");
	CHECK(fs_txn_write(&t, a, "A\n", 2, 0644, FILE_OWNER_DEFAULT) == 0);
	CHECK(fs_txn_write(&t, old, "new\n", 4, 0644, FILE_OWNER_DEFAULT) == 0);
	CHECK(fs_txn_symlink(&t, "a.pem", l) == 0);
	fs_txn_unlink(&t, gone);
	/* Before commit: targets untouched; only hidden temp files added. */
	CONTENT("old.pem", "old\n");
	CONTENT("a.pem", NULL);
	CONTENT("gone.pem", "gone\n");
	CHECK(fs_txn_commit(&t) == 0);
	fs_txn_dispose(&t);
	CONTENT("a.pem", "A\n");
	CONTENT("old.pem", "new\n");
	CONTENT("gone.pem", NULL);
	char target[64] = "";
	CHECK(readlink(l, target, sizeof(target) - 1) == 5 && !strcmp(target, "a.pem"));
	LISTING("a.pem link.0 old.pem");
	free(a), free(old), free(gone), free(l);
}

static void test_txn_discard(void)
{
	setup();
	put("old.pem", "old\n");
	struct fs_txn t;
	fs_txn_init(&t);
	char *a = at("a.pem"), *old = at("old.pem"), *l = at("link.0");
	CHECK(fs_txn_write(&t, a, "A\n", 2, 0644, FILE_OWNER_DEFAULT) == 0);
	CHECK(fs_txn_write(&t, old, "new\n", 4, 0644, FILE_OWNER_DEFAULT) == 0);
	CHECK(fs_txn_symlink(&t, "a.pem", l) == 0);
	fs_txn_unlink(&t, old);
	fs_txn_dispose(&t); /* dropped: as if never begun */
	CONTENT("old.pem", "old\n");
	LISTING("old.pem");
	free(a), free(old), free(l);
}

static void test_txn_replace_link_with_file(void)
{
	setup();
	put("target.pem", "T\n");
	char *l = at("name.pem");
	CHECK(symlink("target.pem", l) == 0);
	struct fs_txn t;
	fs_txn_init(&t);
	CHECK(fs_txn_write(&t, l, "file now\n", 9, 0644, FILE_OWNER_DEFAULT) == 0);
	CHECK(fs_txn_commit(&t) == 0);
	fs_txn_dispose(&t);
	struct stat st;
	CHECK(lstat(l, &st) == 0 && S_ISREG(st.st_mode));
	CONTENT("name.pem", "file now\n");
	CONTENT("target.pem", "T\n"); /* the old link's target is not written through */
	free(l);
}

static void test_txn_retarget_link(void)
{
	setup();
	char *l = at("abcd1234.0");
	CHECK(symlink("old.pem", l) == 0);
	struct fs_txn t;
	fs_txn_init(&t);
	CHECK(fs_txn_symlink(&t, "/usr/share/ca-certificates/new.crt", l) == 0);
	CHECK(fs_txn_commit(&t) == 0);
	fs_txn_dispose(&t);
	char target[128] = "";
	ssize_t n = readlink(l, target, sizeof(target) - 1);
	CHECK(n > 0 && !strcmp(target, "/usr/share/ca-certificates/new.crt"));
	LISTING("abcd1234.0");
	free(l);
}

static void test_txn_commit_failure_reports(void)
{
	setup();
	struct fs_txn t;
	fs_txn_init(&t);
	char *a = at("a.pem"), *sub = at("sub");
	CHECK(fs_txn_write(&t, a, "A\n", 2, 0644, FILE_OWNER_DEFAULT) == 0);
	/* Unlinking a non-empty directory cannot succeed: commit says so. */
	CHECK(mkdir(sub, 0755) == 0);
	put("sub/x", "x");
	fs_txn_unlink(&t, sub);
	err_clear();
	int rc = fs_txn_commit(&t);
	fs_txn_dispose(&t);
	CHECK(rc == -1);
	CHECK_MSG(strstr(err_msg(), "sub") != NULL, "error names the path: %s", err_msg());
	CONTENT("a.pem", "A\n"); /* earlier ops stay done */
	free(a), free(sub);
}

enum swap { SWAP_FIFO, SWAP_REMOVE, SWAP_FILE, SWAP_LINK };

/* Another process (the owner of a user's directory) changes the last temp
 * file of a prepared transaction of nfiles files before commit: commit must
 * neither block (a FIFO) nor rename anything, and say which file and why. */
static void txn_swapped_case(enum swap how, int nfiles)
{
	setup();
	put("z.pem", "old\n");
	struct fs_txn t;
	fs_txn_init(&t);
	for (int i = 0; i < nfiles - 1; i++) {
		char name[32];
		snprintf(name, sizeof(name), "f%03d.pem", i);
		char *p = at(name);
		CHECK(fs_txn_write(&t, p, "new\n", 4, 0644, FILE_OWNER_DEFAULT) == 0);
		free(p);
	}
	char *z = at("z.pem");
	CHECK(fs_txn_write(&t, z, "new\n", 4, 0644, FILE_OWNER_DEFAULT) == 0);
	char *tmp = fs_txn_tmp_path(&t, t.n - 1);
	CHECK(tmp && unlink(tmp) == 0);
	if (how == SWAP_FIFO)
		CHECK(mkfifo(tmp, 0644) == 0);
	else if (how == SWAP_FILE)
		CHECK(atomic_write(tmp, "evil\n", 5, 0644) == 0);
	else if (how == SWAP_LINK)
		CHECK(symlink("/etc/shadow", tmp) == 0);
	err_clear();
	int rc = fs_txn_commit(&t);
	CHECK(rc == -1);
	CHECK_MSG(strstr(err_msg(), "z.pem") && strstr(err_msg(), "another process") &&
		      strstr(err_msg(), "nothing was changed"),
		  "error names the file and why: %s", err_msg());
	fs_txn_dispose(&t);
	CONTENT("z.pem", "old\n");
	CONTENT("f000.pem", NULL); /* nothing renamed, not even the files before it */
	LISTING("z.pem");	   /* every temp file removed */
	free(tmp);
	free(z);
}

static void test_txn_temp_swapped(void)
{
	for (int n = 2; n <= 20; n += 18) { /* fsync each, and syncfs for many */
		txn_swapped_case(SWAP_FIFO, n);
		txn_swapped_case(SWAP_REMOVE, n);
		txn_swapped_case(SWAP_FILE, n);
		txn_swapped_case(SWAP_LINK, n);
	}
	/* more than are held open: the last one is found again by name (a FIFO
	 * must not block); a new file could reuse its inode number there */
	txn_swapped_case(SWAP_FIFO, FS_TXN_PINNED + 20);
	txn_swapped_case(SWAP_REMOVE, FS_TXN_PINNED + 20);
	txn_swapped_case(SWAP_LINK, FS_TXN_PINNED + 20);
}

/* A prepared symlink replaced by another one is refused too. */
static void test_txn_link_swapped(void)
{
	setup();
	struct fs_txn t;
	fs_txn_init(&t);
	char *a = at("a.pem"), *l = at("abcd1234.0");
	CHECK(fs_txn_write(&t, a, "A\n", 2, 0644, FILE_OWNER_DEFAULT) == 0);
	CHECK(fs_txn_symlink(&t, "a.pem", l) == 0);
	char *tmp = fs_txn_tmp_path(&t, 1);
	CHECK(tmp && unlink(tmp) == 0 && symlink("/etc/shadow", tmp) == 0);
	err_clear();
	CHECK(fs_txn_commit(&t) == -1);
	CHECK_MSG(strstr(err_msg(), "abcd1234.0") != NULL, "names the link: %s", err_msg());
	fs_txn_dispose(&t);
	CONTENT("a.pem", NULL);
	LISTING("");
	free(tmp), free(a), free(l);
}

static void test_stale_temps(void)
{
	setup();
	put(".bundle.pem.tf-tmp-abc123", "partial");
	put("keep.pem", "k");
	CHECK(is_temp_name(".bundle.pem.tf-tmp-abc123"));
	CHECK(!is_temp_name("keep.pem"));
	cleanup_stale_temps(dir);
	LISTING("keep.pem");
}

static void test_durable_unlink(void)
{
	setup();
	put("x", "x");
	char *x = at("x"), *y = at("y");
	CHECK(durable_unlink(x) == 0);
	CHECK(durable_unlink(y) == 0); /* missing: success */
	LISTING("");
	free(x), free(y);
}

static void test_mkdir_p(void)
{
	setup();
	char *p = at("a/b/c");
	CHECK(mkdir_p(p, 0750) == 0);
	CHECK(is_dir(p));
	CHECK(mode_of("a/b") == 0750);
	CHECK(mkdir_p(p, 0750) == 0); /* again: nothing to do */
	free(p);
}

/* The one bounded reader: a FIFO or a device never blocks or runs away, a
 * file over the limit is refused, and each says why (issue 14). */
static void test_bounded_read(void)
{
	struct buf b = BUF_INIT;
	char *fifo = xasprintf("%s/fifo", base), *big = xasprintf("%s/big", base);
	CHECK(mkfifo(fifo, 0600) == 0);
	errno = 0;
	CHECK(buf_read_file(&b, fifo) < 0 && errno == EMEDIUMTYPE);
	CHECK(!strcmp(buf_strerror(errno), "is a FIFO, not a regular file"));
	CHECK(buf_read_file(&b, "/dev/zero") < 0 && errno == EMEDIUMTYPE);
	CHECK(!strcmp(buf_strerror(errno), "is a character device, not a regular file"));
	CHECK(buf_read_file(&b, base) < 0 && errno == EISDIR);
	CHECK(atomic_write(big, "0123456789", 10, 0644) == 0);
	CHECK(buf_read_file_max(&b, big, 10) == 0 && b.len == 10);
	CHECK(buf_read_file_max(&b, big, 9) < 0 && errno == EFBIG);
	CHECK(!strcmp(buf_strerror(errno), "is larger than 9 bytes"));
	CHECK(truncate(big, (off_t)BUF_READ_MAX + 1) == 0);
	CHECK(buf_read_file(&b, big) < 0 && errno == EFBIG);
	err_set_errno(errno, "%s", big);
	CHECK(strstr(err_msg(), "big: is larger than 16 MiB") != NULL);
	CHECK(b.len == 10); /* unchanged on failure */
	buf_dispose(&b);
	free(fifo);
	free(big);
}

int main(void)
{
	CHECK(mkdtemp(base) != NULL);
	test_bounded_read();
	test_atomic_write_new_and_replace();
	test_atomic_write_missing_dir();
	test_txn_commit();
	test_txn_discard();
	test_txn_replace_link_with_file();
	test_txn_retarget_link();
	test_txn_temp_swapped();
	test_txn_link_swapped();
	test_txn_commit_failure_reports();
	test_stale_temps();
	test_durable_unlink();
	test_mkdir_p();
	char *cmd = xasprintf("rm -rf '%s'", base);
	CHECK(system(cmd) == 0);
	free(cmd);
	return test_report();
}
