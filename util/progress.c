/* Progress on a terminal; see progress.h. */
#include "util/progress.h"

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

static int tty = -1; /* unknown yet */
static bool shown;

void progress_show(const char *verb, const char *what, size_t i, size_t n)
{
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty)
		return;
	/* \r and "erase line": the next update or the next message starts clean */
	fprintf(stderr, "\r\033[K%s %.60s (%zu/%zu)", verb, what, i, n);
	fflush(stderr);
	shown = true;
}

void progress_done(void)
{
	if (!shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	shown = false;
}
