/* A registry directory as it is now: its CA files, client pairs and
 * hosts.toml; see certsd_int.h. */
#include "model/cert.h"
#include "stores/container/certsd_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/rootfs.h"
#include "util/rootjail.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcmp(s + n - m, suffix);
}

void dstate_dispose(struct dstate *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->f[i].base);
		free(st->f[i].inroot);
		cert_list_dispose(&st->f[i].certs);
	}
	free(st->f);
	for (size_t i = 0; i < st->nclients; i++)
		free(st->clients[i]);
	free(st->clients);
	buf_dispose(&st->toml);
	memset(st, 0, sizeof(*st));
}

static int crt_cmp(const void *a, const void *b)
{
	return strcmp(((const struct crt *)a)->base, ((const struct crt *)b)->base);
}

int certsd_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A regular file of the directory (links are followed chroot-style). */
static char *file_host(const char *root, const char *inroot, bool *isreg)
{
	char *fh = root_resolve_host(root, inroot);
	struct stat sb;
	*isreg = fh && stat(fh, &sb) == 0 && S_ISREG(sb.st_mode);
	return fh;
}

int dstate_load(struct dstate *st, const struct certsd *p, const char *root)
{
	memset(st, 0, sizeof(*st));
	buf_init(&st->toml);
	char *host = root_resolve_host(root, p->dir);
	if (!host)
		return -1;
	DIR *d = jail_opendir(host);
	if (!d) {
		int e = errno;
		if (e != ENOENT)
			err_set_errno(e, "%s: cannot list", p->dir);
		free(host);
		return e == ENOENT ? 0 : -1;
	}
	st->exists = true;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *b = de->d_name;
		if (b[0] == '.' || is_temp_name(b))
			continue;
		bool crt = ends_with(b, ".crt"), toml = !strcmp(b, HOSTS_TOML);
		bool client = ends_with(b, ".cert");
		if (!crt && !toml && !client)
			continue;
		char *inroot = xasprintf("%s/%s", p->dir, b);
		bool isreg;
		char *fh = file_host(root, inroot, &isreg);
		if (isreg && crt) {
			ARRAY_GROW(st->f, st->n + 1, st->alloc);
			struct crt *f = &st->f[st->n++];
			memset(f, 0, sizeof(*f));
			f->base = xstrdup(b);
			f->inroot = inroot;
			inroot = NULL;
			struct buf bytes = BUF_INIT;
			if (buf_read_file(&bytes, fh) == 0)
				f->parsed = cert_list_parse(&f->certs, bytes.ptr, bytes.len) == 0 &&
					    f->certs.n > 0;
			buf_dispose(&bytes);
		} else if (isreg && toml) {
			st->toml_exists = true;
			if (buf_read_file(&st->toml, fh) < 0) {
				err_set_errno(errno, "%s: cannot read", inroot);
				free(fh);
				free(inroot);
				closedir(d);
				free(host);
				return -1;
			}
			st->toml_ours = !strncmp(st->toml.ptr, TOML_MARK, strlen(TOML_MARK));
		} else if (toml) {
			st->toml_exists = true; /* not a file: never ours */
		} else if (isreg && client) {
			char *key = xasprintf("%.*s.key", (int)(strlen(inroot) - 5), inroot);
			bool keyreg;
			char *kh = file_host(root, key, &keyreg);
			if (keyreg) {
				ARRAY_GROW(st->clients, st->nclients + 1, st->clients_alloc);
				st->clients[st->nclients++] = xstrndup(b, strlen(b) - 5);
			}
			free(kh);
			free(key);
		}
		free(fh);
		free(inroot);
	}
	closedir(d);
	free(host);
	if (st->n > 1)
		qsort(st->f, st->n, sizeof(*st->f), crt_cmp);
	if (st->nclients > 1)
		qsort(st->clients, st->nclients, sizeof(*st->clients), certsd_name_cmp);
	return 0;
}

/* The client pairs of the directory (what apply's hosts.toml lists besides
 * the CA files). */
void dstate_clients(struct dstate *st, const struct certsd *p, const char *root)
{
	struct dstate tmp;
	if (dstate_load(&tmp, p, root) == 0) {
		st->clients = tmp.clients;
		st->nclients = tmp.nclients;
		tmp.clients = NULL;
		tmp.nclients = 0;
	}
	err_clear();
	dstate_dispose(&tmp);
}
