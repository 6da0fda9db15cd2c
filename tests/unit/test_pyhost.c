/* The host's Python by its file names (stores/pyhost.c): the highest
 * executable /usr/bin/python3.N of the tree; none, -1. */
#include "harness.h"
#include "stores/pyhost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void touch(const char *root, const char *name, mode_t mode)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/usr/bin/%s", root, name);
	FILE *f = fopen(path, "w");
	if (f)
		fclose(f);
	chmod(path, mode);
}

int main(void)
{
	char root[] = "/tmp/tf-pyhost.XXXXXX";
	CHECK(mkdtemp(root) != NULL);
	char *path = NULL;
	CHECK(pyhost_minor(root, &path) == -1 && path == NULL); /* no /usr/bin */
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/usr", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/usr/bin", root);
	mkdir(dir, 0755);
	touch(root, "python3", 0755);
	touch(root, "python3.11-config", 0755);
	CHECK(pyhost_minor(root, NULL) == -1);
	touch(root, "python3.9", 0755);
	touch(root, "python3.13", 0755);
	touch(root, "python3.14", 0644); /* not executable: not an interpreter */
	CHECK(pyhost_minor(root, &path) == 13);
	CHECK(path && !strcmp(path, "/usr/bin/python3.13"));
	free(path);
	touch(root, "python3.14", 0755);
	CHECK(pyhost_minor(root, &path) == 14);
	CHECK(path && !strcmp(path, "/usr/bin/python3.14"));
	free(path);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
	return test_report();
}
