/*
 * /etc/ca-certificates/update.d, run as update-ca-certificates runs them:
 * the names run-parts --test would list (regular executable files named
 * [A-Za-z0-9_-]+), in byte order, each with the "+/etc/ssl/certs/X.pem" and
 * "-..." lines on standard input and /etc/ssl/certs as working directory.
 */
#include "stores/system/debian.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static bool runparts_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int deb_hooks_list(const char *root, char ***names, size_t *n)
{
	char *dir = root_resolve_host(root, DEB_HOOKSDIR);
	size_t alloc = 0;
	*names = NULL;
	*n = 0;
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d) {
		free(dir);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!runparts_name(de->d_name))
			continue;
		char *p = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) {
			ARRAY_GROW(*names, *n + 1, alloc);
			(*names)[(*n)++] = p;
		} else {
			free(p);
		}
	}
	closedir(d);
	free(dir);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), strp_cmp);
	return 0;
}

static int run_one(const char *hook, const char *cwd, const struct buf *lines)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		err_set_errno(errno, "%s: cannot create a pipe", hook);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		err_set_errno(errno, "%s: cannot fork", hook);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[0], 0);
		dup2(2, 1);	/* hook chatter must not mix with the plan on stdout */
		if (chdir(cwd) < 0)
			_exit(126);
		signal(SIGPIPE, SIG_DFL);
		execl(hook, hook, (char *)NULL);
		_exit(127);
	}
	close(pfd[0]);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	const char *p = lines->ptr;
	size_t left = lines->len;
	while (left) {
		ssize_t w = write(pfd[1], p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;	/* a hook that does not read its input is its business */
		p += w;
		left -= (size_t)w;
	}
	close(pfd[1]);
	signal(SIGPIPE, old);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			err_set_errno(errno, "%s: cannot wait for the hook", hook);
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		err_set("hook %s exited with code %d; the trust change is made, run the hook "
			"again by hand or re-run trustapply once it is fixed", hook,
			WEXITSTATUS(status));
	else
		err_set("hook %s was killed by signal %d", hook, WTERMSIG(status));
	return -1;
}

int deb_hooks_run(const char *root, const struct buf *lines)
{
	char **hooks;
	size_t n;
	int rc = 0;
	struct buf failed = BUF_INIT;
	deb_hooks_list(root, &hooks, &n);
	char *cwd = root_resolve_host(root, DEB_ETCCERTS);
	for (size_t i = 0; i < n; i++) {
		if (run_one(hooks[i], cwd ? cwd : "/", lines) < 0) {
			buf_printf(&failed, "%s%s", failed.len ? "; " : "", err_msg());
			rc = -1;
		}
		free(hooks[i]);
	}
	free(hooks);
	free(cwd);
	if (rc < 0)
		err_set("%s", failed.ptr);
	buf_dispose(&failed);
	return rc;
}
