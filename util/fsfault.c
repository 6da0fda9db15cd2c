/* The test hooks of util/fsutil.c's write points (see fsutil.h):
 * TRUSTFORM_TEST_CRASH_AFTER_WRITES and TRUSTFORM_TEST_FAIL_WRITE. */
#include "util/fsutil.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long writes_done;

void fault_point(void)
{
	static long crash_after = -1;
	if (crash_after == -1) {
		const char *s = getenv("TRUSTFORM_TEST_CRASH_AFTER_WRITES");
		crash_after = (s && *s) ? strtol(s, NULL, 10) : 0;
	}
	writes_done++;
	if (crash_after > 0 && writes_done == crash_after) {
		fflush(NULL);
		kill(getpid(), SIGKILL);
	}
}

/* TRUSTFORM_TEST_FAIL_WRITE=N:ERRNO (ENOSPC, EROFS, EIO, EDQUOT or a number):
 * the N-th write point (a file's data, a symlink, a rename or an unlink)
 * fails with that errno, as a full or read-only file system would make it. */
int fs_injected_failure(void)
{
	static long fail_at = -1, points;
	static int fail_errno;
	if (fail_at == -1) {
		const char *s = getenv("TRUSTFORM_TEST_FAIL_WRITE");
		char *end;
		fail_at = 0;
		if (s && *s) {
			long n = strtol(s, &end, 10);
			const char *e = *end == ':' ? end + 1 : "EIO";
			static const struct {
				const char *name;
				int err;
			} names[] = {
			    {"ENOSPC", ENOSPC},
			    {"EROFS", EROFS},
			    {"EIO", EIO},
			    {"EDQUOT", EDQUOT},
			};
			fail_errno = atoi(e);
			for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
				if (!strcmp(e, names[i].name))
					fail_errno = names[i].err;
			fail_at = fail_errno > 0 ? n : 0;
		}
	}
	if (fail_at <= 0 || ++points != fail_at)
		return 0;
	errno = fail_errno;
	return -1;
}
