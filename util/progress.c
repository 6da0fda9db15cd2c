/* Progress on a terminal; see progress.h. */
#include "util/progress.h"

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

static FILE *tty; /* the stream, when it is a terminal */
static bool shown;

void progress_init(FILE *stream)
{
	tty = stream && isatty(fileno(stream)) ? stream : NULL;
	shown = false;
}

void progress_show(const char *verb, const char *what, size_t i, size_t n)
{
	if (!tty)
		return;
	/* \r and "erase line": the next update or the next message starts clean */
	fprintf(tty, "\r\033[K%s %.60s (%zu/%zu)", verb, what, i, n);
	fflush(tty);
	shown = true;
}

void progress_done(void)
{
	if (!shown)
		return;
	fputs("\r\033[K", tty);
	fflush(tty);
	shown = false;
}
