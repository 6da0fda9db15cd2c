/*
 * Shared helpers of the libFuzzer harnesses (tests/fuzz/fuzz_<name>.c): a
 * private temp directory for parsers that read files, removed at exit, and a
 * NUL-terminated copy of the input for parsers that take C strings.
 */
#ifndef TF_FUZZ_H
#define TF_FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_MAX_PATHS 64

static char fuzz_root[64];
static char *fuzz_paths[FUZZ_MAX_PATHS];
static size_t fuzz_npaths;

static void fuzz_cleanup(void)
{
	for (size_t i = fuzz_npaths; i-- > 0;) {
		if (unlink(fuzz_paths[i]) < 0 && errno == EISDIR)
			rmdir(fuzz_paths[i]);
		rmdir(fuzz_paths[i]);
		free(fuzz_paths[i]);
	}
	rmdir(fuzz_root);
}

/* The temp directory of this process (no trailing slash). */
static inline const char *fuzz_dir(void)
{
	if (!fuzz_root[0]) {
		snprintf(fuzz_root, sizeof(fuzz_root), "%s/tf-fuzz.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(fuzz_root))
			abort();
		atexit(fuzz_cleanup);
	}
	return fuzz_root;
}

/* Create rel (and its parent directories) under fuzz_dir() with data; its host path. */
static inline const char *fuzz_write(const char *rel, const void *data, size_t len)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), rel);
	for (char *p = path + strlen(fuzz_root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0700) == 0 && fuzz_npaths < FUZZ_MAX_PATHS)
			fuzz_paths[fuzz_npaths++] = strdup(path);
		*p = '/';
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	bool known = false;
	for (size_t i = 0; i < fuzz_npaths; i++)
		known |= !strcmp(fuzz_paths[i], path);
	if (!known && fuzz_npaths < FUZZ_MAX_PATHS)
		fuzz_paths[fuzz_npaths++] = strdup(path);
	if (len && write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

/* A NUL-terminated copy (the caller frees it). */
static inline char *fuzz_cstr(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);
	if (!s)
		abort();
	if (len)
		memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/* A property the code promises did not hold: report it as a crash. */
#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,        \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
