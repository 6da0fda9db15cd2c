/*
 * The configuration-file stores (pip-config, npm-config, git-config), private
 * to the file family: each points its tool's CA setting (pip `cert`, npm
 * `cafile`, git `http.sslCAInfo` or `http.<url>.sslCAInfo`) at a bundle
 * trustform writes for the store, in the system file or in users' own files.
 * toolconf.c is the store's types, toolconf_backend.c its read and its
 * files and render (a file store: the engine writes them), toolconf_units.c
 * the projects and venvs where the tools run;
 * toolconf_scan.c reads the files the tool reads, in
 * its order, and finds what overrides trustform's setting.
 */
#ifndef TF_STORES_FILES_TOOLCONF_H
#define TF_STORES_FILES_TOOLCONF_H

#include "model/model.h"
#include "stores/files/cfgsyntax.h"
#include "stores/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Where a store's bundle is unless `bundle:` says (as for the env stores). */
#define TC_BUNDLE_DIR "/etc/trustform/bundles"

/* What differs between the three tools. */
struct tool_def {
	const char *type; /* "pip-config" */
	const char *tool; /* "pip", for messages */
	enum cfg_syntax syn;
	const char *sys_path;  /* the system file, in-root */
	const char *user_path; /* the file trustform writes in a home, relative to it */
	/* the files of a user the tool reads, relative to the home, in order */
	const char *const *user_files;
	const char *key; /* as written: "cert", "cafile", "sslCAInfo" */
	/* the variable of the env stores (envvars.c) that wins over every file
	 * of the tool, or NULL */
	const char *env_var;
	enum cfg_place place;
};

/* One file the store writes. */
struct tc_file {
	char *shown; /* in-root path */
	char *host;
	int user; /* the index of its user in tc_store.users, or -1 (the system file) */
};

struct tc_user {
	char *name;
	char *home; /* in-root */
	uid_t uid;
	gid_t gid;
};

/* A directory a tool runs in: npm reads the project's own .npmrc, git the
 * repository's .git/config, after every other file. */
struct tc_project {
	char *dir; /* in-root */
	char *why; /* "projects:" or "WorkingDirectory= of app.service (FILE:LINE)" */
};

struct tc_store {
	const struct tool_def *t;
	const char *store; /* the store's name: the marker's */
	const char *root;
	char *bundle, *bundle_host;
	char *url;     /* git's per-URL form, or NULL */
	char *name;    /* the canonical setting: "global.cert", "cafile", "http.sslcainfo" */
	char *section; /* its canonical section */
	char *header;  /* the header trustform writes for it, or NULL */
	char *keyline;
	bool user_scope;
	struct tc_file *files;
	size_t nfiles;
	struct tc_user *users; /* user scope: whose files; system: whose files are checked */
	size_t nusers;
	char **venvs; /* pip: venvs whose pip.conf is checked (in-root) */
	size_t nvenvs;
	struct tc_project *projects; /* npm, git: where the tool runs (projects:, units) */
	size_t nprojects;
};

/* The backend every instance runs (toolconf_backend.c), and the free of its
 * priv (for open's failures too). */
extern const struct store_backend tc_backend;
void tc_store_free(struct tc_store *p);

/* Everything that defeats trustform's setting in the files the tool reads
 * (see toolconf_scan.c), as ineffective trust and notes of out. */
void tc_check_overrides(const struct store_inst *s, const struct tc_store *p,
			struct trust_set *out);

/* The projects and venvs of the store's declared consumers (toolconf_units.c):
 * each unit's WorkingDirectory= (npm, git), and the venv it runs or names in
 * VIRTUAL_ENV= (pip); what cannot be known is a note of out. */
void tc_add_unit_projects(struct tc_store *p, const struct conf_store *cs, struct store_open *out);
void tc_add_project(struct tc_store *p, const char *dir, char *why);
void tc_add_venv(struct tc_store *p, const char *dir);
/* The file a project's tool reads after every other one (in-root): npm's
 * <project>/.npmrc, git's <gitdir>/config; NULL when there is none (a
 * directory in no repository). */
char *tc_project_file(const struct tc_store *p, const char *dir);

#endif
