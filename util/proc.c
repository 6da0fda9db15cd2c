/* Child processes; see proc.h. */
#include "util/proc.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *proc_which(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
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

int proc_run(const char *const argv[], const char *const env[], struct buf *out)
{
	int pfd[2] = {-1, -1};
	if (out && pipe2(pfd, O_CLOEXEC) < 0) {
		err_set_errno(errno, "%s: cannot create a pipe", argv[0]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		err_set_errno(errno, "%s: cannot start", argv[0]);
		if (out) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		if (out) {
			dup2(pfd[1], 1);
			dup2(pfd[1], 2);
		} else {
			dup2(2, 1); /* never on our stdout, where the plan goes */
		}
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (out) {
		close(pfd[1]);
		char chunk[4096];
		ssize_t n;
		while ((n = read(pfd[0], chunk, sizeof(chunk))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;
			if (out->len < (1u << 20))
				buf_add(out, chunk, (size_t)n);
		}
		close(pfd[0]);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			err_set_errno(errno, "%s: cannot wait for it", argv[0]);
			return -1;
		}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
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
