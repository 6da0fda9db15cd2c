/* The per-root run lock; see lock.h. */
#include "reconcile/lock.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define LOCK_DIR  "/var/lib/trustform"
#define LOCK_FILE LOCK_DIR "/lock"

static void describe_holder(int fd, struct buf *out)
{
	char info[256];
	ssize_t n = pread(fd, info, sizeof(info) - 1, 0);
	long pid = 0;
	char cmd[32] = "", started[64] = "";
	if (n > 0) {
		info[n] = '\0';
		sscanf(info, "pid=%ld command=%31s started=%63[^\n]", &pid, cmd, started);
	}
	if (pid > 0 && kill((pid_t)pid, 0) == 0)
		buf_printf(out, "pid %ld (trustform %s, started %s)", pid, cmd, started);
	else
		buf_puts(out, "another trustform run");
}

int lock_acquire(struct run_lock *l, const char *root, const char *command, bool create,
		 double timeout, FILE *waiting)
{
	l->fd = -1;
	l->path = root_join(root, LOCK_FILE);
	if (create) {
		char *dir = own_dir_in_root(root, LOCK_DIR);
		if (!dir)
			return -1;
		free(dir);
	}
	/* Readers (plan, show) share the lock and need no write access: two plans
	 * never exclude each other, and a plan runs on a read-only root. */
	int mode = create ? O_RDWR | O_CREAT : O_RDONLY;
	int how = create ? LOCK_EX : LOCK_SH;
	l->fd = jail_open(l->path, mode | O_NOFOLLOW, 0644);
	if (l->fd < 0) {
		if (!create && errno == ENOENT)
			return 0; /* no apply ever ran here */
		err_set_errno(errno, "%s: cannot open the lock file", l->path);
		return -1;
	}
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	bool told = false;
	while (flock(l->fd, how | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_set_errno(errno, "%s: cannot lock", l->path);
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		double waited = (double)(now.tv_sec - start.tv_sec) +
				(double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if (waited >= timeout) {
			struct buf who = BUF_INIT;
			describe_holder(l->fd, &who);
			err_set("%s is held by %s; wait for it to finish, or pass "
				"--lock-timeout SECONDS to wait",
				l->path, who.ptr);
			buf_dispose(&who);
			return -1;
		}
		if (!told && waiting) {
			struct buf who = BUF_INIT;
			describe_holder(l->fd, &who);
			fprintf(waiting, "trustform: waiting for the lock %s held by %s\n", l->path,
				who.ptr);
			buf_dispose(&who);
			told = true;
		}
		usleep(50000);
	}
	if (!create)
		return 0; /* only the writer says who holds the lock */
	char info[160];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	int n =
	    snprintf(info, sizeof(info), "pid=%ld command=%s started=", (long)getpid(), command);
	n += (int)strftime(info + n, sizeof(info) - (size_t)n, "%Y-%m-%d %H:%M:%S UTC\n", &tm);
	if (ftruncate(l->fd, 0) == 0 && pwrite(l->fd, info, (size_t)n, 0) < 0)
		(void)0; /* the holder description is a courtesy */
	return 0;
}

void lock_release(struct run_lock *l)
{
	if (l->fd >= 0)
		close(l->fd); /* drops the flock */
	l->fd = -1;
	free(l->path);
	l->path = NULL;
}
