/*
 * The generic apply of a file store (stores/store.h, struct store_file_kind):
 * load each entry the store owns, let the store render what each must hold
 * and derive what follows from that, write the changed entries through one
 * transaction confined to the root, compare-and-swap them against what was
 * loaded, commit, end the steps, and tell the store. The stores supply only
 * what is their own.
 */
#include "reconcile/apply_files.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- a file in a user's home (struct store_file_user) ----------------------- */

/* Read it without following a link at its end: the bytes, owner and mode of
 * one descriptor (a file swapped between a read and a stat must not give a
 * zero stat to a file that exists). */
static int load_user_file(struct store_file *f)
{
	f->exists = buf_read_file_stat(&f->have, f->host, true, &f->st) == 0;
	if (f->exists || errno == ENOENT)
		return 0;
	err_set("%s: cannot read (%s); it is %s's file and trustform never follows a link "
		"there: make it a regular file (or remove it), and run trustapply again",
		f->shown, buf_strerror(errno), f->user->name);
	return -1;
}

/* Make name in dfd (if missing) and give it to u, through the descriptor of
 * the directory made now: never by name, which the user can swap for a link or
 * a hard link to a file of root's between mkdir and chown. */
static int mkdir_as(int dfd, const char *name, const struct store_file_user *u, const char *path)
{
	if (mkdirat(dfd, name, 0755) < 0) {
		if (errno == EEXIST)
			return 0;
		err_set_errno(errno, "%s: cannot create directory for user %s", path_shown(path),
			      u->name);
		return -1;
	}
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		err_set_errno(errno, "%s: cannot open the directory made for user %s",
			      path_shown(path), u->name);
	} else if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 07022)) {
		err_set("%s: changed while trustform made it for user %s (owner %u, mode %04o); "
			"run trustapply again once nothing else works in that home",
			path_shown(path), u->name, (unsigned)st.st_uid,
			(unsigned)(st.st_mode & 07777));
	} else if (fchown(fd, u->uid, u->gid) < 0) {
		err_set_errno(errno, "%s: cannot give the directory made to user %s",
			      path_shown(path), u->name);
	} else {
		close(fd);
		return 0;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The directories between the user's home and their file, made as theirs. */
static int mkdir_user(const struct store_file *f)
{
	const struct store_file_user *u = f->user;
	char *path = xstrdup(f->host);
	size_t hl = strlen(u->home);
	int rc = 0;
	if (strncmp(path, u->home, hl) || path[hl] != '/') {
		err_set("%s: resolves to %s, outside the home %s of user %s (%s); trustform "
			"writes a user's files only inside their home: fix the link on the way",
			f->shown, f->host, u->home_shown, u->name, u->home);
		rc = -1;
	}
	for (char *c = rc ? NULL : path + hl + 1; c && rc == 0 && (c = strchr(c, '/')); c++) {
		*c = '\0';
		const char *base;
		int dfd = jail_open_parent(path, &base);
		if (dfd < 0 || mkdir_as(dfd, base, u, path) < 0) {
			if (dfd < 0)
				err_set_errno(errno, "%s: cannot create directory for user %s",
					      path_shown(path), u->name);
			rc = -1;
		}
		if (dfd >= 0)
			close(dfd);
		*c = '/';
	}
	free(path);
	return rc;
}

/* --- the generic steps --------------------------------------------------------- */

/* A link as it is now: missing, or anything but a directory (a link: its
 * target text), judged through the root's jail (util/rootjail.h) as the
 * write will be: the lstat and readlink of the name in its parent's
 * descriptor, never a host path resolved by this machine's links. */
static int load_link(struct store_file *f)
{
	const char *base;
	int dfd = jail_open_parent(f->host, &base);
	if (dfd < 0 || fstatat(dfd, base, &f->st, AT_SYMLINK_NOFOLLOW) < 0) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		if (e == ENOENT)
			return 0;
		err_set_errno(e, "%s: cannot read", f->shown);
		return -1;
	}
	f->exists = true;
	int rc = 0;
	if (S_ISDIR(f->st.st_mode)) {
		err_set("%s is a directory where trustform writes a symbolic link; move the "
			"directory elsewhere (or remove it) and run trustapply again",
			f->shown);
		rc = -1;
	} else if (S_ISLNK(f->st.st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlinkat(dfd, base, t, sizeof(t));
		if (n < 0 || (size_t)n >= sizeof(t)) {
			err_set_errno(n < 0 ? errno : ENAMETOOLONG, "%s: cannot read the link",
				      f->shown);
			rc = -1;
		} else {
			buf_add(&f->have, t, (size_t)n);
		}
	}
	close(dfd);
	return rc;
}

/* The entry as it is now: a link, or missing, or a regular file (a derived
 * one by its identity only, any other read by the bounded reader), each
 * through one descriptor opened in the root's jail (util/rootjail.h): the
 * stat is that of the bytes read. A derived entry its store loaded already
 * (the stat of the descriptor it read, f->loaded) is kept as it is. */
static int load(struct store_file *f)
{
	if (f->loaded && f->derived)
		return 0;
	f->loaded = true;
	f->exists = false;
	buf_truncate(&f->have, 0);
	if (f->link)
		return load_link(f);
	if (f->user)
		return load_user_file(f);
	int fd = -1;
	if (f->derived)
		fd = buf_open_regular(f->host, 0, &f->st);
	if (f->derived ? fd < 0 : buf_read_file_stat(&f->have, f->host, false, &f->st) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == EMEDIUMTYPE)
			err_set("%s %s; trustform writes only regular files: replace it with "
				"one, or point the store elsewhere",
				f->shown, buf_strerror(errno));
		else
			err_set("%s: cannot read (%s)", f->shown, buf_strerror(errno));
		return -1;
	}
	if (fd >= 0)
		close(fd);
	f->exists = true;
	return 0;
}

/* Make each entry's directory (once per directory: mkdir_parent also clears
 * a killed run's temp files there) and load entries from..n. */
static int load_from(struct store_files *fs, size_t from, char ***dirs, size_t *ndirs)
{
	for (size_t i = from; i < fs->n; i++) {
		struct store_file *f = &fs->f[i];
		if (f->user) { /* its directories are the user's, made through descriptors */
			if (!f->refused && (mkdir_user(f) < 0 || load(f) < 0)) {
				f->exists = false; /* that user's alone: the others go on */
				buf_truncate(&f->have, 0);
				store_file_refuse(f);
			}
			continue;
		}
		const char *slash = strrchr(f->host, '/');
		size_t len = slash ? (size_t)(slash - f->host) : 0, j = 0;
		while (j < *ndirs &&
		       !(strlen((*dirs)[j]) == len && !strncmp((*dirs)[j], f->host, len)))
			j++;
		if (j == *ndirs) {
			if (mkdir_parent(f->host) < 0)
				return -1;
			*dirs = xrealloc(*dirs, (*ndirs + 1) * sizeof(**dirs));
			(*dirs)[(*ndirs)++] = xstrndup(f->host, len);
		}
		if (load(f) < 0)
			return -1;
	}
	return 0;
}

/* Compare-and-swap: the entry is still what was loaded (or still missing).
 * -1 with TF_EMODIFIED otherwise. */
static int unchanged(const struct store_file *f)
{
	struct store_file now;
	memset(&now, 0, sizeof(now));
	now.host = f->host;
	now.shown = f->shown;
	now.link = f->link;
	now.user = f->user;
	now.derived = f->derived;
	buf_init(&now.have);
	/* a derived entry's identity: the descriptor's, ctime included (a write
	 * in place can put back the size and the mtime, never the ctime) */
	bool same = load(&now) == 0 && now.exists == f->exists;
	err_clear();
	if (same && f->exists && f->link)
		same = (now.st.st_mode & S_IFMT) == (f->st.st_mode & S_IFMT);
	if (same && f->exists && f->derived)
		same = now.st.st_ino == f->st.st_ino && now.st.st_dev == f->st.st_dev &&
		       now.st.st_size == f->st.st_size &&
		       now.st.st_mtim.tv_sec == f->st.st_mtim.tv_sec &&
		       now.st.st_mtim.tv_nsec == f->st.st_mtim.tv_nsec &&
		       now.st.st_ctim.tv_sec == f->st.st_ctim.tv_sec &&
		       now.st.st_ctim.tv_nsec == f->st.st_ctim.tv_nsec;
	if (same && f->exists && !f->derived)
		same = buf_equal(&f->have, now.have.ptr, now.have.len);
	buf_dispose(&now.have);
	if (same)
		return 0;
	err_modified_why(f->shown, "it changed while trustapply ran");
	return -1;
}

/* Whether an entry render or derive set before it was loaded holds it already. */
static bool holds_want(const struct store_file *f)
{
	if (!f->exists || f->derived || (f->link && !S_ISLNK(f->st.st_mode)))
		return false;
	return buf_equal(&f->have, f->want.ptr, f->want.len);
}

static int queue_write(struct store_file *f, struct fs_txn *txn)
{
	if (f->link)
		return fs_txn_symlink(txn, f->want.ptr, f->host);
	struct file_owner own = FILE_OWNER_DEFAULT;
	mode_t mode = f->mode ? f->mode : 0644;
	if (f->exists && f->keep_mode) {
		own = (struct file_owner){f->st.st_uid, f->st.st_gid};
		mode = f->st.st_mode & 07777;
	} else if (!f->exists && f->user) {
		own = (struct file_owner){f->user->uid, f->user->gid};
	}
	return fs_txn_write(txn, f->host, f->want.ptr, f->want.len, mode, own);
}

/* Queue every entry render or derive changed or removed, in their order (an
 * entry marked first goes before all); -1 with err set at the first failure. */
static int write_changed(struct store_files *fs, struct fs_txn *txn, bool *changed)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct store_file *f = &fs->f[i];
		if (f->refused) { /* left as it is: reported by apply_files */
			f->write = f->remove = false;
			continue;
		}
		f->remove = f->remove && f->exists;
		f->write = f->write && !holds_want(f);
		if (f->remove) {
			fs_txn_unlink(txn, f->host);
			*changed = true;
		}
		if (!f->write)
			continue;
		if (queue_write(f, txn) < 0)
			return -1;
		if (f->first)
			fs_txn_first(txn, txn->n - 1);
		*changed = true;
	}
	for (size_t i = 0; i < fs->n; i++)
		if ((fs->f[i].write || fs->f[i].remove) && unchanged(&fs->f[i]) < 0)
			return -1;
	return 0;
}

/* Render, then derive, each followed by the load of the entries it named. -1
 * with err set: the store failed as a whole; -1 without: some step failed. */
static int render_all(struct store_inst *s, struct plan_store *ps, struct store_files *fs,
		      char ***dirs, size_t *ndirs)
{
	const struct store_file_kind *k = s->backend->file;
	size_t n = fs->n;
	err_clear();
	int rc = k->render(s, ps, fs);
	if (rc < 0 && err_code() != TF_OK)
		return -1;
	if (load_from(fs, n, dirs, ndirs) < 0)
		return -1;
	n = fs->n;
	if (k->derive && (k->derive(s, ps, fs) < 0 || load_from(fs, n, dirs, ndirs) < 0))
		return -1;
	return rc;
}

/* The entries left as they are (store_file_refuse): the store's apply error,
 * each with its reason, once the others are written. */
static void report_refused(struct plan_store *ps, const struct store_files *fs)
{
	struct buf why = BUF_INIT;
	for (size_t i = 0; i < fs->n; i++)
		if (fs->f[i].refused)
			buf_printf(&why, "%s%s", why.len ? "; " : "", fs->f[i].refused);
	if (why.len && !ps->apply_error)
		buf_printf(&why, " (left as it is; the store's other files were written)");
	if (why.len && !ps->apply_error)
		ps->apply_error = buf_detach(&why);
	buf_dispose(&why);
}

int apply_files(struct store_inst *s, struct plan_store *ps)
{
	const struct store_file_kind *k = s->backend->file;
	struct store_files fs;
	struct fs_txn txn;
	char **dirs = NULL;
	size_t ndirs = 0;
	bool changed = false, committed = false;
	memset(&fs, 0, sizeof(fs));
	fs_txn_init(&txn);
	int rc = k->files(s, &fs);
	if (rc == 0)
		rc = load_from(&fs, 0, &dirs, &ndirs);
	if (rc == 0)
		rc = render_all(s, ps, &fs, &dirs, &ndirs);
	if (rc < 0 && err_code() != TF_OK)
		goto out; /* the whole store: the applier fails the pending steps */
	if (write_changed(&fs, &txn, &changed) < 0) {
		plan_steps_fail_pending(ps); /* nothing is renamed: every entry stays old */
		rc = -1;
		goto out;
	}
	rc = plan_steps_finish(ps, &txn, rc, &committed);
	report_refused(ps, &fs);
	if (committed && (changed || fs.run_changed) && k->changed && k->changed(s, ps) < 0)
		rc = -1;
out:
	fs_txn_dispose(&txn);
	store_files_dispose(&fs);
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	return rc;
}
