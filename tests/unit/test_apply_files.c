/*
 * The engine's apply of a file store (reconcile/apply_files.c): a fake store
 * of two files in a temp directory supplies only which files it owns and
 * what they must hold; the engine writes them in one transaction, keeps a
 * file's mode where asked, compares-and-swaps each against what render saw
 * (another writer meanwhile: every step stale, nothing written), and a store
 * that fails as a whole writes nothing. Derived entries (links, a bundle)
 * and files render names late go in the same transaction; changed runs
 * after any commit when render asks. A file in a user's home
 * (store_file_for_user): the directories made for it and a new file are the
 * user's, an existing one keeps its owner, and a link (or a FIFO) in its
 * place is that user's alone: left as it is and reported, the shared file and
 * the other user's still written. A directory where a link goes fails the
 * store before any write; a derived bundle rewritten in place (size and mtime
 * put back) is caught by its ctime; under a root, an absolute link inside the
 * image is read as the image's.
 */
#include "harness.h"
#include "reconcile/apply_files.h"
#include "reconcile/plan.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static enum {
	RENDER_OK,
	RENDER_MEDDLE,
	RENDER_FAIL,
	RENDER_STEP,
	RENDER_DERIVE,
	RENDER_NOOP,
	RENDER_INPLACE
} mode;
static int changed_calls;

static char *path_of(const char *base)
{
	return xasprintf("%s/%s", dir, base);
}

static void put(const char *base, const char *text, mode_t m)
{
	char *p = path_of(base);
	FILE *f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	chmod(p, m);
	free(p);
}

static char *get(const char *base)
{
	char *p = path_of(base);
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, p) < 0)
		buf_puts(&b, "(missing)");
	free(p);
	return buf_detach(&b);
}

static int fake_owned(struct store_inst *s, struct store_files *fs)
{
	(void)s;
	char *a = path_of("a.pem"), *b = path_of("sub/b.conf");
	store_files_add(fs, a, "/a.pem")->keep_mode = true;
	store_files_add(fs, b, "/sub/b.conf");
	free(a);
	free(b);
	return 0;
}

static int fake_render(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	(void)s;
	CHECK(fs->n == 2 && fs->f[0].exists && !fs->f[1].exists);
	CHECK(buf_equal(&fs->f[0].have, "old a\n", 6));
	if (mode == RENDER_FAIL) {
		err_set("the store cannot go on");
		return -1;
	}
	if (mode == RENDER_NOOP) {
		fs->run_changed = true; /* a journal of an interrupted run, say */
		return 0;
	}
	store_file_set(&fs->f[0], "new a\n", 6);
	store_file_set(&fs->f[1], "new b\n", 6);
	if (mode == RENDER_DERIVE) {
		/* named late: loaded once render returns; gone.pem is removed */
		char *g = path_of("gone.pem"), *n = path_of("never.pem");
		store_file_remove(store_files_get(fs, g, "/gone.pem"));
		store_file_remove(store_files_get(fs, n, "/never.pem"));
		free(g);
		free(n);
	}
	if (mode == RENDER_MEDDLE)
		put("a.pem", "someone else's\n", 0600); /* another writer, after render */
	if (mode == RENDER_STEP) {
		err_modified_why("/a.pem", "its entry is gone");
		plan_step_fail_err(&ps->steps[0]);
		return -1; /* that step alone: the others are still written */
	}
	return 0;
}

static int fake_changed(struct store_inst *s, struct plan_store *ps)
{
	(void)s;
	(void)ps;
	changed_calls++;
	return 0;
}

/* A derived bundle whose identity the store took from the descriptor it read
 * (as Debian's does), then rewritten in place: same inode, same size, the
 * mtime put back; only the ctime tells. */
static int derive_inplace(struct store_files *fs)
{
	char *bundle = path_of("bundle");
	struct store_file *f = store_files_add(fs, bundle, "/bundle");
	f->derived = true;
	int fd = open(bundle, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0 && fstat(fd, &f->st) == 0);
	f->loaded = f->exists = true;
	usleep(50000); /* past the file system's clock tick */
	CHECK(pwrite(fd, "OLD BUNDLE\n", 11, 0) == 11);
	struct timespec ts[2] = {f->st.st_atim, f->st.st_mtim};
	CHECK(futimens(fd, ts) == 0);
	close(fd);
	store_file_set(f, "new a\nnew b\n", 12);
	free(bundle);
	return 0;
}

/* What follows from the sources: a link to a.pem, a stale link removed, and
 * a bundle compared by identity only. */
static int fake_derive(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	(void)s;
	(void)ps;
	if (mode == RENDER_INPLACE)
		return derive_inplace(fs);
	if (mode != RENDER_DERIVE)
		return 0;
	CHECK(fs->n == 4 && fs->f[2].loaded && fs->f[2].exists && !fs->f[3].exists);
	char *l = path_of("l.pem"), *old = path_of("old.0"), *bundle = path_of("bundle");
	store_file_set_link(store_files_add_link(fs, l, "/l.pem"), "a.pem");
	store_file_remove(store_files_add_link(fs, old, "/old.0"));
	struct store_file *f = store_files_add(fs, bundle, "/bundle");
	f->derived = true;
	store_file_set(f, "new a\nnew b\n", 12);
	free(l);
	free(old);
	free(bundle);
	return 0;
}

static const struct store_file_kind fake_kind = {
    .files = fake_owned, .render = fake_render, .derive = fake_derive, .changed = fake_changed};
static const struct store_backend fake = {.name = "fake", .ops = STORE_OPS_CA, .file = &fake_kind};

/* A store of one file in the home "home" of uid 4242 (gid 4243). */
static int user_owned(struct store_inst *s, struct store_files *fs)
{
	(void)s;
	char *home = path_of("home"), *f = path_of("home/.config/tool/conf");
	struct store_file *sf = store_files_add(fs, f, "/home/u/.config/tool/conf");
	sf->keep_mode = true;
	store_file_for_user(sf, "u", home, "/home/u", 4242, 4243);
	free(home);
	free(f);
	return 0;
}

static int user_render(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	(void)s;
	(void)ps;
	store_file_set(&fs->f[0], "new\n", 4);
	return 0;
}

static const struct store_file_kind user_kind = {.files = user_owned, .render = user_render};
static const struct store_backend user_fake = {
    .name = "user", .ops = STORE_OPS_CA, .file = &user_kind};

static int run_user(struct plan *p)
{
	plan_init(p);
	struct store_inst *s = store_inst_new(&user_fake, NULL, NULL, "user", "user");
	struct plan_store *ps = plan_add_store(p, s, "user", "user");
	err_clear();
	return apply_files(s, ps);
}

static void user_files(void)
{
	struct plan p;
	struct stat st;
	char *home = path_of("home"), *cfg = path_of("home/.config"),
	     *tool = path_of("home/.config/tool"), *f = path_of("home/.config/tool/conf");
	CHECK(mkdir(home, 0755) == 0);
	/* a new file: it and the directories made for it are the user's */
	CHECK(run_user(&p) == 0);
	plan_dispose(&p);
	CHECK(lstat(cfg, &st) == 0 && st.st_uid == 4242 && st.st_gid == 4243);
	CHECK(lstat(tool, &st) == 0 && st.st_uid == 4242 && S_ISDIR(st.st_mode));
	CHECK(lstat(f, &st) == 0 && st.st_uid == 4242 && (st.st_mode & 07777) == 0644);
	/* an existing file keeps its owner and mode */
	CHECK(chown(f, 0, 0) == 0 && chmod(f, 0600) == 0);
	put("home/.config/tool/conf", "old\n", 0600);
	CHECK(run_user(&p) == 0);
	plan_dispose(&p);
	CHECK(lstat(f, &st) == 0 && st.st_uid == 0 && (st.st_mode & 07777) == 0600);
	/* a link the user put in its place is not followed: nothing written */
	char *victim = path_of("victim");
	put("victim", "root's\n", 0644);
	CHECK(unlink(f) == 0 && symlink(victim, f) == 0);
	CHECK(run_user(&p) == 0 && err_code() == TF_OK);
	CHECK(p.n == 1 && p.stores[0].apply_error &&
	      strstr(p.stores[0].apply_error, "/home/u/.config/tool/conf") != NULL);
	plan_dispose(&p);
	char *t = get("victim");
	CHECK_STR(t, "root's\n");
	free(t);
	err_clear();
	unlink(f);
	unlink(victim);
	rmdir(tool);
	rmdir(cfg);
	rmdir(home);
	free(victim);
	free(home);
	free(cfg);
	free(tool);
	free(f);
}

/* A shared file and the files of two users, a (home, uid 4242) and b (home2,
 * uid 4244): one user's file that cannot be read is left alone and reported,
 * never a veto over the shared file and the other user's. */
static int users_owned(struct store_inst *s, struct store_files *fs)
{
	(void)s;
	char *sh = path_of("shared"), *ha = path_of("home"), *fa = path_of("home/.npmrc"),
	     *hb = path_of("home2"), *fb = path_of("home2/.npmrc");
	store_files_add(fs, sh, "/shared");
	store_file_for_user(store_files_add(fs, fa, "/home/a/.npmrc"), "a", ha, "/home/a", 4242,
			    4243);
	store_file_for_user(store_files_add(fs, fb, "/home/b/.npmrc"), "b", hb, "/home/b", 4244,
			    4245);
	free(sh), free(ha), free(fa), free(hb), free(fb);
	return 0;
}

static int users_render(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	(void)s;
	(void)ps;
	for (size_t i = 0; i < fs->n; i++)
		store_file_set(&fs->f[i], "new\n", 4); /* a refused one too: the engine skips it */
	return 0;
}

static const struct store_file_kind users_kind = {.files = users_owned, .render = users_render};
static const struct store_backend users_fake = {
    .name = "users", .ops = STORE_OPS_CA, .file = &users_kind};

static void users_one_broken(void)
{
	struct plan p;
	char *ha = path_of("home"), *hb = path_of("home2"), *fa = path_of("home/.npmrc");
	CHECK(mkdir(ha, 0755) == 0 && mkdir(hb, 0755) == 0 && mkfifo(fa, 0644) == 0);
	plan_init(&p);
	struct store_inst *s = store_inst_new(&users_fake, NULL, NULL, "users", "users");
	struct plan_store *ps = plan_add_store(&p, s, "users", "users");
	plan_store_add_step(ps, ACT_DELETE, OP_REMOVE, "x", NULL, NULL);
	err_clear();
	CHECK(apply_files(s, ps) == 0 && err_code() == TF_OK);
	CHECK(ps->steps[0].result == STEP_DONE);
	CHECK(ps->apply_error && strstr(ps->apply_error, "/home/a/.npmrc") &&
	      strstr(ps->apply_error, "FIFO") && !strstr(ps->apply_error, "/home/b"));
	char *t;
	CHECK_STR((t = get("shared")), "new\n");
	free(t);
	CHECK_STR((t = get("home2/.npmrc")), "new\n");
	free(t);
	struct stat st;
	CHECK(lstat(fa, &st) == 0 && S_ISFIFO(st.st_mode));
	plan_dispose(&p);
	char *sh = path_of("shared"), *fb = path_of("home2/.npmrc");
	unlink(sh), unlink(fb), unlink(fa), rmdir(ha), rmdir(hb);
	free(sh), free(fb), free(fa), free(ha), free(hb);
}

/* Under a root (the jail): a file that is an absolute link inside the image
 * is read as the image's, never as this machine's file of that name. */
static bool jail_seen;

static int jail_owned(struct store_inst *s, struct store_files *fs)
{
	(void)s;
	char *f = path_of("j.conf");
	store_files_add(fs, f, "/j.conf");
	free(f);
	return 0;
}

static int jail_render(struct store_inst *s, struct plan_store *ps, struct store_files *fs)
{
	(void)s;
	(void)ps;
	jail_seen = fs->f[0].exists && buf_equal(&fs->f[0].have, "image\n", 6);
	return 0;
}

static const struct store_file_kind jail_kind = {.files = jail_owned, .render = jail_render};
static const struct store_backend jail_fake = {
    .name = "jail", .ops = STORE_OPS_CA, .file = &jail_kind};

static void jail_links(void)
{
	char *f = path_of("j.conf");
	CHECK(access("/tf-apply-files-image-only.conf", F_OK) < 0);
	put("tf-apply-files-image-only.conf", "image\n", 0644);
	CHECK(symlink("/tf-apply-files-image-only.conf", f) == 0);
	CHECK(jail_set_root(dir) == 0);
	struct plan p;
	plan_init(&p);
	struct store_inst *s = store_inst_new(&jail_fake, NULL, NULL, "jail", "jail");
	struct plan_store *ps = plan_add_store(&p, s, "jail", "jail");
	err_clear();
	jail_seen = false;
	CHECK(apply_files(s, ps) == 0);
	CHECK(jail_seen);
	plan_dispose(&p);
	jail_reset();
	char *img = path_of("tf-apply-files-image-only.conf");
	unlink(f), unlink(img);
	free(f), free(img);
}

/* One run: a.pem holds "old a" (0600), sub/b.conf is missing. */
static int run(struct plan *p, struct plan_store **out)
{
	char *sub = path_of("sub/b.conf");
	unlink(sub);
	free(sub);
	put("a.pem", "old a\n", 0600);
	plan_init(p);
	struct store_inst *s = store_inst_new(&fake, NULL, NULL, "fake", "fake");
	struct plan_store *ps = plan_add_store(p, s, "fake", "fake");
	plan_store_add_step(ps, ACT_CREATE, OP_ADD, "x", NULL, NULL);
	plan_store_add_step(ps, ACT_CREATE, OP_ADD, "y", NULL, NULL);
	changed_calls = 0;
	err_clear();
	*out = ps;
	return apply_files(s, ps);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tf-apply-files-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	struct plan p;
	struct plan_store *ps;
	struct stat st;
	char *t;

	/* both written; the kept mode stays, the other file is 0644 */
	mode = RENDER_OK;
	CHECK(run(&p, &ps) == 0);
	CHECK(ps->steps[0].result == STEP_DONE && ps->steps[1].result == STEP_DONE);
	CHECK_STR((t = get("a.pem")), "new a\n");
	free(t);
	CHECK_STR((t = get("sub/b.conf")), "new b\n");
	free(t);
	char *a = path_of("a.pem"), *b = path_of("sub/b.conf");
	CHECK(stat(a, &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK(stat(b, &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK(changed_calls == 1);
	plan_dispose(&p);

	/* another writer between render and commit: stale, nothing renamed */
	mode = RENDER_MEDDLE;
	CHECK(run(&p, &ps) == -1);
	CHECK(ps->steps[0].result == STEP_STALE && ps->steps[1].result == STEP_STALE);
	CHECK(ps->steps[0].error && strstr(ps->steps[0].error, "/a.pem"));
	CHECK_STR((t = get("a.pem")), "someone else's\n");
	free(t);
	CHECK_STR((t = get("sub/b.conf")), "(missing)");
	free(t);
	CHECK(changed_calls == 0 && err_code() == TF_OK);
	plan_dispose(&p);

	/* the store failed as a whole: nothing written, the steps left pending
	 * for the applier (apply_settle) with the current error */
	mode = RENDER_FAIL;
	CHECK(run(&p, &ps) == -1);
	CHECK(err_code() != TF_OK && strstr(err_msg(), "cannot go on"));
	CHECK(ps->steps[0].result == STEP_PENDING && ps->steps[1].result == STEP_PENDING);
	CHECK_STR((t = get("a.pem")), "old a\n");
	free(t);
	err_clear();
	plan_dispose(&p);

	/* one step failed (stale) alone: the files are still written, the other
	 * step done */
	mode = RENDER_STEP;
	CHECK(run(&p, &ps) == -1);
	CHECK(ps->steps[0].result == STEP_STALE && ps->steps[1].result == STEP_DONE);
	CHECK_STR((t = get("a.pem")), "new a\n");
	free(t);
	plan_dispose(&p);

	/* late and derived entries: one transaction */
	mode = RENDER_DERIVE;
	put("gone.pem", "old\n", 0644);
	put("bundle", "old bundle\n", 0644);
	char *l = path_of("l.pem"), *old = path_of("old.0"), *g = path_of("gone.pem");
	char *bundle = path_of("bundle"), target[64];
	unlink(l);
	CHECK(symlink("gone.pem", old) == 0);
	/* a directory where a link goes: the whole store, before any write */
	CHECK(mkdir(l, 0755) == 0);
	CHECK(run(&p, &ps) == -1 && err_code() != TF_OK);
	CHECK(strstr(err_msg(), "/l.pem is a directory") != NULL);
	CHECK_STR((t = get("a.pem")), "old a\n");
	free(t);
	CHECK_STR((t = get("bundle")), "old bundle\n");
	free(t);
	CHECK(lstat(g, &st) == 0 && lstat(old, &st) == 0);
	err_clear();
	plan_dispose(&p);
	CHECK(rmdir(l) == 0);
	CHECK(run(&p, &ps) == 0);
	CHECK(ps->steps[0].result == STEP_DONE && ps->steps[1].result == STEP_DONE);
	ssize_t tn = readlink(l, target, sizeof(target) - 1);
	CHECK(tn == 5 && !memcmp(target, "a.pem", 5));
	CHECK(lstat(old, &st) < 0 && lstat(g, &st) < 0);
	CHECK_STR((t = get("bundle")), "new a\nnew b\n");
	free(t);
	CHECK(changed_calls == 1);
	plan_dispose(&p);

	/* nothing to write, but render asks for changed */
	mode = RENDER_NOOP;
	CHECK(run(&p, &ps) == 0);
	CHECK(ps->steps[0].result == STEP_DONE && changed_calls == 1);
	plan_dispose(&p);

	/* a derived bundle rewritten in place after the store read it, its size
	 * and mtime kept: the ctime tells; stale, nothing renamed */
	mode = RENDER_INPLACE;
	put("bundle", "old bundle\n", 0644);
	CHECK(run(&p, &ps) == -1);
	CHECK(ps->steps[0].result == STEP_STALE && ps->steps[1].result == STEP_STALE);
	CHECK_STR((t = get("bundle")), "OLD BUNDLE\n");
	free(t);
	CHECK_STR((t = get("a.pem")), "old a\n");
	free(t);
	plan_dispose(&p);
	jail_links();

	unlink(l);
	unlink(bundle);
	free(l);
	free(old);
	free(g);
	free(bundle);

	if (geteuid() == 0) { /* giving files to another user needs root */
		user_files();
		users_one_broken();
	}

	unlink(a);
	unlink(b);
	free(a);
	free(b);
	char *sub = path_of("sub");
	rmdir(sub);
	free(sub);
	rmdir(dir);
	return test_report();
}
