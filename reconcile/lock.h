/*
 * One writer at a time per root (SPEC §7): flock on
 * <root>/var/lib/trustform/lock. apply creates it, takes it exclusively and
 * records its pid and start time; plan and show share it when it exists, so
 * they never read a store halfway through an apply, never exclude each other,
 * and need no write access.
 */
#ifndef TF_LOCK_H
#define TF_LOCK_H

#include <stdbool.h>
#include <stdio.h>

struct run_lock {
	int fd;
	char *path;
};

/* create: make the file (apply). timeout in seconds (0: fail at once); while
 * it waits, it says so once on waiting (NULL: nowhere). Returns 0, or -1 with
 * err set naming the holder. */
int lock_acquire(struct run_lock *l, const char *root, const char *command, bool create,
		 double timeout, FILE *waiting);
void lock_release(struct run_lock *l);

#endif
