/* Child processes; see proc.h. */
#include "util/proc.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CAPTURE_MAX  (1u << 20) /* what is kept of a child's output */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char *proc_which(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = DEFAULT_PATH;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		char *cand = xasprintf("%.*s/%s", (int)n, p, name);
		struct stat st;
		if (n && stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += n + (p[n] == ':');
	}
	return NULL;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: set up and exec; on failure, errno goes up the fail pipe. */
static void child(const struct proc_opts *o, int in_fd, int out_fd, int err_fd, int fail_fd,
		  const char *home)
{
	setpgid(0, 0); /* a timeout kills its children too */
	int stage = 0; /* 0: setting up, 1: exec */
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		goto fail;
	if (o->clean_env) {
		clearenv();
		putenv((char *)"PATH=" DEFAULT_PATH);
		putenv((char *)"LANG=C.UTF-8");
	}
	if (home) {
		char *h = xasprintf("HOME=%s", home), *d = xasprintf("XDG_DATA_HOME=%s/data", home),
		     *c = xasprintf("XDG_CONFIG_HOME=%s/config", home);
		putenv(h), putenv(d), putenv(c);
	}
	for (size_t i = 0; o->env && o->env[i]; i++)
		putenv((char *)o->env[i]);
	if (o->chroot_dir && (chroot(o->chroot_dir) < 0 || chdir("/") < 0))
		goto fail;
	if (o->as_user && (setgroups(0, NULL) < 0 || setgid((gid_t)o->gid) < 0 ||
			   setuid((uid_t)o->uid) < 0 || (o->uid != 0 && setuid(0) == 0)))
		goto fail;
	if (o->cwd && chdir(o->cwd) < 0)
		goto fail;
	signal(SIGPIPE, SIG_DFL);
	stage = 1;
	if (o->shell)
		execl("/bin/sh", "sh", "-c", o->shell, (char *)NULL);
	else
		execvp(o->argv[0], (char *const *)o->argv);
fail:;
	int report[2] = {stage, errno};
	if (write(fail_fd, report, sizeof(report)) < 0)
		(void)0;
	_exit(127);
}

static const char *name_of(const struct proc_opts *o)
{
	return o->what ? o->what : o->shell ? o->shell : o->argv[0];
}

/*
 * Feed stdin and drain stdout/stderr together, so that neither side blocks,
 * until the child exits (a daemon it started may keep the pipes open: `caddy
 * start`), then take what is left. false when the timeout passed first.
 * Closes the three descriptors.
 */
static bool pump(const struct proc_opts *o, int in_w, int out_r, int err_r, pid_t pid)
{
	int fds[3] = {in_w, out_r, err_r};
	struct buf *dst[3] = {NULL, o->out, o->err ? o->err : o->out};
	const char *p = o->stdin_data;
	size_t left = o->stdin_data ? o->stdin_len : 0;
	long long deadline = o->timeout_ms > 0 ? now_ms() + o->timeout_ms : 0;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	bool exited = false, in_time = true;
	if (fds[0] >= 0 && !left) {
		close(fds[0]);
		fds[0] = -1;
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd pf[4];
		int slot[4], n = 0;
		for (int i = 0; i < 3; i++)
			if (fds[i] >= 0 && !(exited && i == 0)) {
				slot[n] = i;
				pf[n++] = (struct pollfd){fds[i], i ? POLLIN : POLLOUT, 0};
			}
		if (exited && !n)
			break;
		if (pidfd >= 0 && !exited) {
			slot[n] = 3;
			pf[n++] = (struct pollfd){pidfd, POLLIN, 0};
		}
		int wait = exited ? 0 : pidfd >= 0 ? -1 : 50;
		if (deadline && !exited) {
			long long rest = deadline - now_ms();
			if (rest <= 0) {
				in_time = false;
				break;
			}
			if (wait < 0 || rest < wait)
				wait = (int)rest;
		}
		int r = poll(pf, (nfds_t)n, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (pidfd < 0 && !exited) {
			siginfo_t si = {0}; /* no pidfd: look, without reaping */
			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    si.si_pid == pid)
				exited = true;
		}
		bool progress = false;
		for (int k = 0; k < n; k++) {
			int i = slot[k];
			if (i == 3) {
				if (pf[k].revents)
					exited = true;
				continue;
			}
			if (!pf[k].revents && !exited)
				continue;
			if (i == 0) {
				ssize_t w = write(fds[0], p, left);
				if (w < 0 && (errno == EINTR || errno == EAGAIN))
					continue;
				if (w <= 0 || (left -= (size_t)w) == 0) {
					/* done, or it stopped reading: its business */
					close(fds[0]);
					fds[0] = -1;
				} else {
					p += w;
				}
				continue;
			}
			char chunk[4096];
			ssize_t got = read(fds[i], chunk, sizeof(chunk));
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (got <= 0) {
				close(fds[i]);
				fds[i] = -1;
				continue;
			}
			progress = true;
			if (dst[i] && dst[i]->len < CAPTURE_MAX)
				buf_add(dst[i], chunk, (size_t)got);
		}
		if (exited && !progress)
			break; /* drained what the child left */
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (pidfd >= 0)
		close(pidfd);
	return in_time;
}

int proc_exec(const struct proc_opts *o)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1}, fail[2] = {-1, -1};
	char *home = NULL;
	int rc = -1;
	const char *what = name_of(o);
	if (o->temp_home) {
		char tmpl[] = "/tmp/trustform-home.XXXXXX";
		if (!mkdtemp(tmpl)) {
			err_set_errno(errno, "%s: cannot make a temporary home", what);
			return -1;
		}
		home = xstrdup(tmpl);
	}
	if (pipe2(fail, O_CLOEXEC) < 0 || (o->stdin_data && pipe2(in, O_CLOEXEC) < 0) ||
	    (o->out && pipe2(out, O_CLOEXEC) < 0) || (o->err && pipe2(er, O_CLOEXEC) < 0)) {
		err_set_errno(errno, "%s: cannot create a pipe", what);
		goto out;
	}
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int in_fd = o->stdin_data ? in[0] : nul;
	int out_fd = o->out ? out[1] : 2; /* never on our stdout, where the plan goes */
	int err_fd = o->err ? er[1] : o->out ? out[1] : 2;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		child(o, in_fd, out_fd, err_fd, fail[1], home);
	if (nul >= 0)
		close(nul);
	if (pid < 0) {
		err_set_errno(errno, "%s: cannot start", what);
		goto out;
	}
	close(fail[1]);
	fail[1] = -1;
	int closing[] = {in[0], out[1], er[1]};
	for (size_t i = 0; i < 3; i++)
		if (closing[i] >= 0)
			close(closing[i]);
	in[0] = out[1] = er[1] = -1;
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	bool finished = pump(o, in[1], out[0], er[0], pid);
	signal(SIGPIPE, old);
	in[1] = out[0] = er[0] = -1; /* pump closed them */
	if (!finished) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	int report[2] = {0, 0};
	ssize_t n;
	while ((n = read(fail[0], report, sizeof(report))) < 0 && errno == EINTR)
		;
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			err_set_errno(errno, "%s: cannot wait for it", what);
			goto out;
		}
	if (n == (ssize_t)sizeof(report)) {
		const char *prog = o->shell ? "/bin/sh" : o->argv[0];
		if (report[0] == 0 && o->chroot_dir && (report[1] == EPERM || !o->cwd))
			err_set_errno(report[1], "%s: cannot run it inside %s (chroot)", what,
				      o->chroot_dir);
		else if (report[0] == 0 && o->cwd)
			err_set_errno(report[1], "%s: cannot run it in %s", what, o->cwd);
		else if (report[0] == 0)
			err_set_errno(report[1], "%s: cannot set up its input and output", what);
		else if (report[1] == ENOENT)
			err_set("%s: %s is not installed (not found in %s%s%s)", what, prog,
				strchr(prog, '/') ? "that path" : "PATH",
				o->chroot_dir ? " inside " : "",
				o->chroot_dir ? o->chroot_dir : "");
		else
			err_set_errno(report[1], "%s: cannot run %s", what, prog);
		goto out;
	}
	if (!finished) {
		err_set("%s: did not finish within %d s; stopped it", what,
			(o->timeout_ms + 999) / 1000);
		goto out;
	}
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:;
	int fds[] = {in[0], in[1], out[0], out[1], er[0], er[1], fail[0], fail[1]};
	for (size_t i = 0; i < sizeof(fds) / sizeof(*fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (home) {
		nftw(home, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(home);
	}
	return rc;
}

int proc_run(const char *const argv[], const char *const env[], struct buf *out)
{
	struct proc_opts o = {.argv = argv, .env = env, .out = out};
	return proc_exec(&o);
}

char *proc_last_line(const struct buf *out)
{
	size_t end = out->len;
	while (end && (out->ptr[end - 1] == '\n' || out->ptr[end - 1] == ' '))
		end--;
	size_t start = end;
	while (start && out->ptr[start - 1] != '\n')
		start--;
	return xstrndup(out->ptr + start, end - start);
}
