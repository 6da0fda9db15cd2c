/* Write errors with a remedy; see fserr.h. */
#include "util/fserr.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static bool under(const char *path, const char *mp)
{
	size_t n = strlen(mp);
	if (!strcmp(mp, "/"))
		return true;
	return !strncmp(path, mp, n) && (path[n] == '/' || path[n] == '\0');
}

char *fs_mount_point(const char *path)
{
	char *p = xstrdup(path), real[PATH_MAX];
	struct stat st;
	/* the nearest existing ancestor */
	while (stat(p, &st) < 0 || !realpath(p, real)) {
		char *slash = strrchr(p, '/');
		if (!slash || slash == p) {
			free(p);
			return NULL;
		}
		*slash = '\0';
	}
	free(p);
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return NULL;
	char *line = NULL, *best = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		unsigned maj, min;
		char mp[PATH_MAX];
		if (sscanf(line, "%*s %*s %u:%u %*s %4095s", &maj, &min, mp) != 3)
			continue;
		unescape(mp);
		/* the last match wins: a later mount over the same point hides earlier ones */
		if (makedev(maj, min) == st.st_dev && under(real, mp) &&
		    (!best || strlen(mp) >= strlen(best))) {
			free(best);
			best = xstrdup(mp);
		}
	}
	free(line);
	fclose(f);
	return best;
}

void fs_err_write(int errnum, const char *path, const char *what, bool unchanged)
{
	if (errnum != ENOSPC && errnum != EDQUOT && errnum != EROFS) {
		err_set_errno(errnum, "%s: %s", path_shown(path), what);
		return;
	}
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	char *mp = fs_mount_point(dir);
	struct buf at = BUF_INIT;
	if (mp)
		buf_printf(&at, " (mounted at %s)", mp);
	const char *left = unchanged ? "nothing in " : "some files in ";
	const char *tail = unchanged ? " changed"
				     : " may be new already; the next plan shows what "
				       "is left";
	if (errnum == EROFS)
		err_set("%s: %s: the filesystem of %s is read-only%s: remount it read-write "
			"(mount -o remount,rw %s) and run trustapply again; %s%s%s",
			path_shown(path), what, path_shown(dir), at.ptr, mp ? mp : dir, left,
			path_shown(dir), tail);
	else
		err_set("%s: %s: %s on the filesystem of %s%s: free space there and run "
			"trustapply again; %s%s%s",
			path_shown(path), what,
			errnum == EDQUOT ? "disk quota exceeded" : "no space left", path_shown(dir),
			at.ptr, left, path_shown(dir), tail);
	buf_dispose(&at);
	free(mp);
	free(dir);
}
