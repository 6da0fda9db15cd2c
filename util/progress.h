/*
 * Progress of long work (SPEC §4: many databases) on a terminal: one line on
 * the stream the CLI gives (stderr), redrawn in place and erased when done.
 * Nothing at all when that is not a terminal, so pipes, logs and cron mail
 * never see it, nor without progress_init.
 */
#ifndef TF_PROGRESS_H
#define TF_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

/* Where progress goes (the CLI gives stderr); NULL: nowhere. */
void progress_init(FILE *stream);
/* "reading browsers[alice firefox default-release] (3/10)" */
void progress_show(const char *verb, const char *what, size_t i, size_t n);
/* Erase the line, if one is shown. */
void progress_done(void);

#endif
