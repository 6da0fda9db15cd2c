/*
 * The generic apply of a file store (stores/store.h, struct store_file_kind):
 * load each file the store owns, let the store render what each must hold,
 * write the changed ones through one transaction confined to the root,
 * compare-and-swap them against what render saw, commit, and end the steps.
 * The stores supply only what is their own.
 */
#include "reconcile/apply_files.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
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
	err_set_errno(errno, "%s: cannot read (%s's file: trustform never follows a link there)",
		      f->shown, f->user->name);
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

/* The file as it is now: missing, or a regular file read by the bounded
 * reader (through the root's jail, util/rootjail.h). */
static int load(struct store_file *f)
{
	f->exists = false;
	buf_truncate(&f->have, 0);
	if (f->user)
		return load_user_file(f);
	if (stat(f->host, &f->st) < 0) {
		if (errno == ENOENT)
			return 0;
		err_set_errno(errno, "%s: cannot read", f->shown);
		return -1;
	}
	if (!S_ISREG(f->st.st_mode)) {
		err_set("%s is not a regular file; trustform writes only regular files: replace "
			"it with one, or point the store elsewhere",
			f->shown);
		return -1;
	}
	if (buf_read_file(&f->have, f->host) < 0) {
		err_set_errno(errno, "%s: cannot read", f->shown);
		return -1;
	}
	f->exists = true;
	return 0;
}

/* Compare-and-swap: the file still holds what render was given (or is still
 * missing). -1 with TF_EMODIFIED otherwise. */
static int unchanged(const struct store_file *f)
{
	struct buf now = BUF_INIT;
	struct stat st;
	bool exists = (f->user ? buf_read_file_stat(&now, f->host, true, &st)
			       : buf_read_file(&now, f->host)) == 0;
	int saved = errno;
	bool same = exists ? f->exists && buf_equal(&f->have, now.ptr, now.len)
			   : !f->exists && saved == ENOENT;
	buf_dispose(&now);
	if (same)
		return 0;
	err_modified_why(f->shown, "it changed while trustapply ran");
	return -1;
}

/* Queue every file render changed or removed; -1 with err set at the first
 * failure. */
static int write_changed(struct store_files *fs, struct fs_txn *txn, bool *changed)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct store_file *f = &fs->f[i];
		if (f->remove) {
			fs_txn_unlink(txn, f->host);
			*changed = true;
		}
		if (!f->write)
			continue;
		struct file_owner own = FILE_OWNER_DEFAULT;
		mode_t mode = 0644;
		if (f->exists && f->keep_mode) {
			own = (struct file_owner){f->st.st_uid, f->st.st_gid};
			mode = f->st.st_mode & 07777;
		} else if (!f->exists && f->user) {
			own = (struct file_owner){f->user->uid, f->user->gid};
		}
		if (fs_txn_write(txn, f->host, f->want.ptr, f->want.len, mode, own) < 0)
			return -1;
		*changed = true;
	}
	for (size_t i = 0; i < fs->n; i++)
		if ((fs->f[i].write || fs->f[i].remove) && unchanged(&fs->f[i]) < 0)
			return -1;
	return 0;
}

int apply_files(struct store_inst *s, struct plan_store *ps)
{
	const struct store_file_kind *k = s->backend->file;
	struct store_files fs;
	struct fs_txn txn;
	bool changed = false, committed = false;
	memset(&fs, 0, sizeof(fs));
	fs_txn_init(&txn);
	int rc = k->files(s, &fs);
	for (size_t i = 0; rc == 0 && i < fs.n; i++)
		if ((fs.f[i].user ? mkdir_user(&fs.f[i]) : mkdir_parent(fs.f[i].host)) < 0 ||
		    load(&fs.f[i]) < 0)
			rc = -1;
	if (rc == 0) {
		err_clear();
		rc = k->render(s, ps, &fs);
	}
	if (rc < 0 && err_code() != TF_OK)
		goto out; /* the whole store: the applier fails the pending steps */
	if (write_changed(&fs, &txn, &changed) < 0) {
		plan_steps_fail_pending(ps); /* nothing is renamed: every file stays old */
		rc = -1;
		goto out;
	}
	rc = plan_steps_finish(ps, &txn, rc, &committed);
	if (committed && changed && k->changed && k->changed(s, ps) < 0)
		rc = -1;
out:
	fs_txn_dispose(&txn);
	store_files_dispose(&fs);
	return rc;
}
