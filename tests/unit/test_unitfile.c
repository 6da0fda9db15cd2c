/*
 * systemd unit reading (stores/unitfile.c), table-driven: word splitting with
 * systemd's quoting, unit names, and the final environment of a unit with
 * drop-ins (order by file name, masking by directory, UnsetEnvironment= last,
 * EnvironmentFile= after Environment=), and the WorkingDirectory= in effect.
 */
#include "harness.h"
#include "stores/files/unitfile.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <unistd.h>

static const struct {
	const char *in;
	const char *words; /* joined with '|' */
} split[] = {
    {"A=1 B=2", "A=1|B=2"},
    {"\"A=1 2\" B=3", "A=1 2|B=3"},
    {"'A=x \\n' B=\"q\\\"uote\"", "A=x \\n|B=q\"uote"},
    {"A=\\x41\\t", "A=A\t"},
    {"  ", ""},
};

static const struct {
	const char *name;
	int ok;
} names[] = {
    {"homepage.service", 1}, {"getty@tty1.service", 1}, {"a-b_c:d.timer", 1},
    {"../x.service", 0},     {"a/b.service", 0},	{"noext", 0},
    {"x.conf", 0},	     {"a..b.service", 0},	{"", 0},
};

static void put(const char *root, const char *rel, const char *text)
{
	char *p = xasprintf("%s%s", root, rel);
	char *d = xstrdup(p);
	*strrchr(d, '/') = '\0';
	mkdir_p(d, 0755);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	free(d);
	free(p);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(split) / sizeof(*split); i++) {
		char **w;
		size_t n = unit_split_words(split[i].in, &w);
		char joined[256] = "";
		for (size_t j = 0; j < n; j++) {
			if (j)
				strcat(joined, "|");
			strcat(joined, w[j]);
			free(w[j]);
		}
		free(w);
		CHECK_STR(joined, split[i].words);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		CHECK_MSG(unit_name_ok(names[i].name) == (names[i].ok != 0), "%s", names[i].name);

	char root[] = "/tmp/tf-unitfile.XXXXXX";
	CHECK(mkdtemp(root) != NULL);
	put(root, "/usr/lib/systemd/system/web.service",
	    "[Unit]\nEnvironment=NOT=service\n[Service]\nEnvironment=A=unit B=unit \\\n"
	    "  C=continued\n# Environment=D=comment\nEnvironmentFile=-/etc/default/web\n");
	put(root, "/usr/lib/systemd/system/web.service.d/10-x.conf",
	    "[Service]\nEnvironment=A=usr10\n");
	put(root, "/etc/systemd/system/web.service.d/10-x.conf",
	    "[Service]\nEnvironment=A=etc10\n");
	put(root, "/etc/systemd/system/web.service.d/20-y.conf",
	    "[Service]\nEnvironment=E=1 F=drop\nUnsetEnvironment=F G=wrong\n"
	    "WorkingDirectory=/srv/old\nWorkingDirectory=-/srv/web\n");
	put(root, "/usr/lib/systemd/system/service.d/05-top.conf",
	    "[Service]\nEnvironment=G=top\n");
	put(root, "/etc/default/web", "B=file\n# comment\nH=\"quoted value\"\n");
	struct unit_env u;
	CHECK(unit_env_load(&u, root, "web.service", "90-trustform.conf",
			    "[Service]\nEnvironment=A=ours\n") == 0);
	static const struct {
		const char *name, *value;
	} want[] = {
	    {"A", "ours"}, {"B", "file"}, {"C", "continued"},	 {"D", NULL},	{"E", "1"},
	    {"F", NULL},   {"G", "top"},  {"H", "quoted value"}, {"NOT", NULL},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		const char *v = unit_env_final(&u, want[i].name, NULL);
		CHECK_MSG(want[i].value ? v && !strcmp(v, want[i].value) : !v, "%s = %s",
			  want[i].name, v ? v : "(unset)");
	}
	CHECK(u.nfiles == 5); /* unit, 05-top, 10-x (etc masks usr), 20-y, 90-trustform */
	if (u.nfiles == 5) {
		CHECK_STR(u.files[2], "/etc/systemd/system/web.service.d/10-x.conf");
		CHECK_STR(u.files[4], "/etc/systemd/system/web.service.d/90-trustform.conf");
	}
	/* the last WorkingDirectory= wins, its "-" dropped, named where it is set */
	CHECK_STR(u.workdir ? u.workdir : "(none)", "/srv/web");
	CHECK_STR(u.workdir_src ? u.workdir_src : "(none)",
		  "/etc/systemd/system/web.service.d/20-y.conf:5");
	unit_env_dispose(&u);
	char *cmd = xasprintf("rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
	free(cmd);
	return test_report();
}
