/*
 * util/proc: the one way trustform runs a program. Output capture (apart and
 * together), stdin fed while output is drained (no deadlock at 1 MiB each
 * way), exit codes and signals, "not installed" said the same way, timeouts
 * that stop the child's children too, a daemon that keeps the pipes open,
 * cwd, a clean environment, and a temporary HOME that is removed after.
 */
#include "harness.h"
#include "util/err.h"
#include "util/proc.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double secs(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void capture(void)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	const char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
	struct proc_opts o = {.argv = argv, .out = &out, .err = &err};
	CHECK(proc_exec(&o) == 3);
	CHECK_STR(out.ptr, "out\n");
	CHECK_STR(err.ptr, "err\n");
	buf_reset(&out);
	struct proc_opts both = {.argv = argv, .out = &out};
	CHECK(proc_exec(&both) == 3);
	CHECK(strstr(out.ptr, "out\n") && strstr(out.ptr, "err\n"));
	buf_dispose(&out);
	buf_dispose(&err);
}

static void stdin_roundtrip(void)
{
	size_t n = 1u << 20;
	char *data = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	struct buf out = BUF_INIT;
	const char *argv[] = {"cat", NULL};
	struct proc_opts o = {.argv = argv, .stdin_data = data, .stdin_len = n, .out = &out};
	CHECK(proc_exec(&o) == 0);
	CHECK(out.len == n && !memcmp(out.ptr, data, n));
	buf_dispose(&out);
	free(data);
}

static void not_installed(void)
{
	const char *argv[] = {"trustform-no-such-tool", NULL};
	struct proc_opts o = {.what = "check", .argv = argv};
	err_clear();
	CHECK(proc_exec(&o) == -1);
	CHECK_STR(err_msg(), "check: trustform-no-such-tool is not installed (not found in PATH)");
	const char *abs[] = {"/nonexistent/tool", NULL};
	struct proc_opts o2 = {.what = "check", .argv = abs};
	CHECK(proc_exec(&o2) == -1);
	CHECK_STR(err_msg(), "check: /nonexistent/tool is not installed (not found in that path)");
	struct buf out = BUF_INIT;
	struct proc_opts o3 = {.shell = "trustform-no-such-tool", .out = &out};
	CHECK(proc_exec(&o3) == 127); /* the shell ran; what it ran was not there */
	buf_dispose(&out);
}

static void signals_and_timeout(void)
{
	const char *argv[] = {"sh", "-c", "kill -TERM $$", NULL};
	struct proc_opts o = {.argv = argv};
	CHECK(proc_exec(&o) == 128 + 15);
	/* A timeout stops the child and what it started. */
	char mark[] = "/tmp/tf-proc-mark.XXXXXX";
	int fd = mkstemp(mark);
	close(fd);
	unlink(mark);
	char *cmd = xasprintf("(sleep 2; touch %s) & sleep 30", mark);
	struct buf out = BUF_INIT;
	struct proc_opts t = {.what = "slow", .shell = cmd, .timeout_ms = 300, .out = &out};
	double t0 = secs();
	err_clear();
	CHECK(proc_exec(&t) == -1);
	CHECK(secs() - t0 < 10);
	CHECK_STR(err_msg(), "slow: did not finish within 1 s; stopped it");
	sleep(3);
	CHECK_MSG(access(mark, F_OK) != 0, "the child's child ran on after the timeout");
	unlink(mark);
	free(cmd);
	buf_dispose(&out);
}

static void daemon_keeps_pipes(void)
{
	struct buf out = BUF_INIT;
	struct proc_opts o = {.shell = "sleep 5 & echo started", .out = &out};
	double t0 = secs();
	CHECK(proc_exec(&o) == 0);
	CHECK_MSG(secs() - t0 < 4, "waited for the daemon: %.1f s", secs() - t0);
	CHECK_STR(out.ptr, "started\n");
	buf_dispose(&out);
}

static void cwd_env_home(void)
{
	struct buf out = BUF_INIT;
	const char *env[] = {"TF_X=1", NULL};
	struct proc_opts o = {.shell = "pwd; echo \"$TF_X-${TF_LEAK:-clean}\"",
			      .cwd = "/tmp",
			      .env = env,
			      .clean_env = true,
			      .out = &out};
	setenv("TF_LEAK", "leaked", 1);
	CHECK(proc_exec(&o) == 0);
	CHECK_STR(out.ptr, "/tmp\n1-clean\n");
	buf_reset(&out);
	struct proc_opts h = {.shell = "echo $HOME; test \"$XDG_DATA_HOME\" = \"$HOME/data\" && "
				       "mkdir -p \"$XDG_DATA_HOME\" && touch \"$HOME/x\"",
			      .temp_home = true,
			      .out = &out};
	CHECK(proc_exec(&h) == 0);
	out.ptr[strcspn(out.ptr, "\n")] = 0;
	CHECK(strncmp(out.ptr, "/tmp/trustform-home.", 20) == 0);
	struct stat st;
	CHECK_MSG(stat(out.ptr, &st) != 0, "temp home %s left behind", out.ptr);
	struct proc_opts bad = {.what = "x", .shell = "true", .cwd = "/nonexistent"};
	err_clear();
	CHECK(proc_exec(&bad) == -1);
	CHECK_STR(err_msg(), "x: cannot run it in /nonexistent: No such file or directory");
	buf_dispose(&out);
}

int main(void)
{
	capture();
	stdin_roundtrip();
	not_installed();
	signals_and_timeout();
	daemon_keeps_pipes();
	cwd_env_home();
	return test_report();
}
