/*
 * Running NSS children (nss_child.c) as jobs of a pool: a job is queued with
 * what its child must do; the pool keeps up to one child per processor
 * running, drains every running child's pipe as data comes (so none blocks on
 * a full pipe), and reaps it. Waiting for one job runs the others meanwhile:
 * a store's databases are read, and converged, in parallel, while results
 * are still handed over in plan order.
 *
 * A database an apply child has changed is read again afterwards (to fill the
 * read cache). When that child said what the database holds now (REC_STATE)
 * and its files are still exactly as the child left them, that read is
 * answered from what it said, without another child: a child that only opens
 * and lists 100 certificates costs about a third of what adding them did.
 *
 * A child runs as the database's owner, who can stop it (kill -STOP), and a
 * hung file system (a network home) can stall libnss3: a child that sends
 * nothing for TRUSTFORM_NSS_TIMEOUT seconds (default 60), or more than
 * NSS_REPLY_MAX bytes, is killed and its database fails, so the run (which
 * holds the lock) always ends.
 */
#include "stores/nss/nss_int.h"
#include "stores/store.h"
#include "util/err.h"
#include "util/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARALLEL	    8
#define NSS_REPLY_MAX	    (64u << 20)
#define NSS_TIMEOUT_DEFAULT 60

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct nss_job {
	const struct nss_db *db;
	const char *root, *trust;
	const struct store_entry_ops *ops; /* NULL: a read */
	enum job_state state;
	pid_t pid;
	int fd;
	struct buf in;
	int status;
	char *start_error; /* it never ran, or it was killed: why */
	long long last_ms; /* when it started or last sent something */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* TRUSTFORM_NSS_TIMEOUT: seconds a child may stay silent (default 60). */
static long nss_timeout_s(void)
{
	static long secs;
	if (!secs) {
		const char *s = getenv("TRUSTFORM_NSS_TIMEOUT");
		char *end = NULL;
		long v = s && *s ? strtol(s, &end, 10) : 0;
		secs = v > 0 && end && !*end ? v : NSS_TIMEOUT_DEFAULT;
	}
	return secs;
}

/* What an apply child left: its database's files, and the read reply they give. */
struct after_apply {
	char *root, *dir, *trust;
	uid_t uid;
	struct buf files, reply;
};

static struct after_apply *afters;
static size_t nafters, afters_alloc;

/* cert9.db and key4.db as they are (contents, owner, mode), as nss_state_key. */
static int db_files(struct buf *key, const char *root, const char *dir)
{
	static const char *const names[] = {"cert9.db", "key4.db"};
	int rc = 0;
	for (size_t i = 0; i < 2 && rc == 0; i++) {
		char *inroot = xasprintf("%s/%s", dir, names[i]);
		char *host = root_join(root, inroot);
		rc = store_state_key_file(key, host);
		free(host);
		free(inroot);
	}
	return rc;
}

static void after_dispose(struct after_apply *a)
{
	free(a->root);
	free(a->dir);
	free(a->trust);
	buf_dispose(&a->files);
	buf_dispose(&a->reply);
}

static struct after_apply *after_find(const struct nss_db *db, const char *root, const char *trust)
{
	for (size_t i = 0; i < nafters; i++)
		if (!strcmp(afters[i].root, root) && !strcmp(afters[i].dir, db->dir) &&
		    !strcmp(afters[i].trust, trust) && afters[i].uid == db->owner.uid)
			return &afters[i];
	return NULL;
}

static void after_drop(struct after_apply *a)
{
	after_dispose(a);
	*a = afters[--nafters];
	if (!nafters) {
		free(afters);
		afters = NULL;
		afters_alloc = 0;
	}
}

/* Keep what a successful apply said the database holds now. */
static void after_keep(const struct nss_job *j, const struct nss_reply *r, bool ran)
{
	struct after_apply *old = after_find(j->db, j->root, j->trust);
	if (old)
		after_drop(old);
	if (!ran || !r->has_state || !r->complete || r->error_code != TF_OK || !r->want)
		return;
	for (size_t i = 0; i < r->nops; i++)
		if (!r->ops[i].reported || r->ops[i].code != TF_OK)
			return;
	struct after_apply a = {.uid = j->db->owner.uid};
	buf_init(&a.files);
	buf_init(&a.reply);
	if (db_files(&a.files, j->root, j->db->dir) < 0) {
		buf_dispose(&a.files);
		buf_dispose(&a.reply);
		return;
	}
	const void *w[1] = {r->want};
	size_t wlen[1] = {strlen(r->want)};
	nss_wire_put(&a.reply, REC_WANT, 1, w, wlen);
	for (size_t i = 0; i < r->n; i++) {
		const struct nss_entry *e = &r->items[i];
		const void *f[3] = {e->nick, e->der, e->flags};
		size_t len[3] = {strlen(e->nick), e->der_len, strlen(e->flags)};
		nss_wire_put(&a.reply, REC_ENTRY, 3, f, len);
	}
	nss_wire_put(&a.reply, REC_END, 0, NULL, NULL);
	a.root = xstrdup(j->root);
	a.dir = xstrdup(j->db->dir);
	a.trust = xstrdup(j->trust);
	ARRAY_GROW(afters, nafters + 1, afters_alloc);
	afters[nafters++] = a;
}

/* A read of a database as its apply left it: the reply, without a child. */
static bool after_answer(struct nss_job *j)
{
	struct after_apply *a = after_find(j->db, j->root, j->trust);
	if (!a)
		return false;
	struct buf now = BUF_INIT;
	bool same = db_files(&now, j->root, j->db->dir) == 0 && now.len == a->files.len &&
		    !memcmp(now.ptr, a->files.ptr, now.len);
	buf_dispose(&now);
	if (same) {
		buf_add(&j->in, a->reply.ptr, a->reply.len);
		j->status = 0;
		j->state = JOB_DONE;
	}
	after_drop(a);
	return same;
}

struct nss_pool {
	struct nss_job **jobs;
	size_t n, alloc;
	size_t running, max;
};

struct nss_pool *nss_pool_new(void)
{
	struct nss_pool *p = xcalloc(1, sizeof(*p));
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	p->max = cpus < 1 ? 1 : cpus > MAX_PARALLEL ? MAX_PARALLEL : (size_t)cpus;
	return p;
}

static void job_free(struct nss_job *j)
{
	buf_dispose(&j->in);
	free(j->start_error);
	free(j);
}

struct nss_job *nss_pool_add(struct nss_pool *p, const struct nss_db *db, const char *root,
			     const char *trust, const struct store_entry_ops *ops)
{
	struct nss_job *j = xcalloc(1, sizeof(*j));
	j->db = db;
	j->root = root;
	j->trust = trust;
	j->ops = ops;
	j->fd = -1;
	buf_init(&j->in);
	if (!ops)
		after_answer(j);
	ARRAY_GROW(p->jobs, p->n + 1, p->alloc);
	p->jobs[p->n++] = j;
	return j;
}

static void job_start(struct nss_pool *p, struct nss_job *j)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		j->start_error =
		    xasprintf("cannot create a pipe for the NSS process: %s", strerror(errno));
		j->state = JOB_DONE;
		return;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		j->start_error = xasprintf("cannot start the NSS process for %s: %s", j->db->dir,
					   strerror(errno));
		close(fds[0]);
		close(fds[1]);
		j->state = JOB_DONE;
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		nss_child_main(fds[1], j->db, j->root, j->trust, j->ops);
	}
	close(fds[1]);
	j->pid = pid;
	j->fd = fds[0];
	j->last_ms = now_ms();
	j->state = JOB_RUNNING;
	p->running++;
}

static void job_reap(struct nss_pool *p, struct nss_job *j)
{
	close(j->fd);
	j->fd = -1;
	while (waitpid(j->pid, &j->status, 0) < 0 && errno == EINTR)
		;
	j->state = JOB_DONE;
	p->running--;
}

/* Kill a child that hangs or floods, reap it, and fail its database. */
static void job_kill(struct nss_pool *p, struct nss_job *j, bool flood)
{
	kill(j->pid, SIGKILL); /* a stopped process dies too */
	if (flood)
		j->start_error =
		    xasprintf("the NSS process for %s sent more than %u MiB; it was killed: check "
			      "that database's files (cert9.db, key4.db) and pkcs11.txt%s",
			      j->db->dir, NSS_REPLY_MAX >> 20,
			      j->ops ? "; run trustplan to see what is left to do" : "");
	else
		j->start_error = xasprintf(
		    "the NSS process for %s did not answer within %ld s "
		    "(TRUSTFORM_NSS_TIMEOUT); it was killed: check who stops it (kill -STOP, "
		    "a debugger, its owner) or whether the file system it is on hangs (a "
		    "network home), then run again%s",
		    j->db->dir, nss_timeout_s(),
		    j->ops ? "; run trustplan to see what is left to do" : "");
	job_reap(p, j);
}

/* The milliseconds poll may wait for the first silent child's deadline. */
static int pool_wait_ms(const struct nss_pool *p, long long now)
{
	long long first = -1;
	for (size_t i = 0; i < p->n; i++)
		if (p->jobs[i]->state == JOB_RUNNING && (first < 0 || p->jobs[i]->last_ms < first))
			first = p->jobs[i]->last_ms;
	long long rest = first + nss_timeout_s() * 1000 - now;
	return rest < 0 ? 0 : rest > 60000 ? 60000 : (int)rest;
}

/* Start what may start, then wait for output from the running ones. */
static void pool_step(struct nss_pool *p)
{
	for (size_t i = 0; i < p->n && p->running < p->max; i++)
		if (p->jobs[i]->state == JOB_QUEUED)
			job_start(p, p->jobs[i]);
	if (!p->running)
		return;
	struct pollfd *pfd = xcalloc(p->running, sizeof(*pfd));
	struct nss_job **who = xcalloc(p->running, sizeof(*who));
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->jobs[i]->state != JOB_RUNNING)
			continue;
		pfd[n].fd = p->jobs[i]->fd;
		pfd[n].events = POLLIN;
		who[n++] = p->jobs[i];
	}
	if (poll(pfd, n, pool_wait_ms(p, now_ms())) > 0) {
		char chunk[65536];
		for (size_t i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t got = read(who[i]->fd, chunk, sizeof(chunk));
			if (got > 0 && who[i]->in.len + (size_t)got > NSS_REPLY_MAX) {
				job_kill(p, who[i], true);
			} else if (got > 0) {
				buf_add(&who[i]->in, chunk, (size_t)got);
				who[i]->last_ms = now_ms();
			} else if (got == 0 || errno != EINTR) {
				job_reap(p, who[i]);
			}
		}
	}
	long long now = now_ms();
	for (size_t i = 0; i < n; i++)
		if (who[i]->state == JOB_RUNNING && now - who[i]->last_ms >= nss_timeout_s() * 1000)
			job_kill(p, who[i], false);
	free(pfd);
	free(who);
}

int nss_job_wait(struct nss_pool *p, struct nss_job *j, struct nss_reply *r)
{
	nss_reply_init(r, j->ops ? j->ops->n : 0);
	while (j->state != JOB_DONE)
		pool_step(p);
	int rc = 0;
	if (j->start_error) {
		err_set("%s", j->start_error);
		rc = -1;
	} else if (nss_wire_parse(r, &j->in) < 0) {
		rc = -1;
	} else if (WIFSIGNALED(j->status)) {
		err_set("the NSS process for %s died (signal %d) before it finished; run trustplan "
			"to see what is left to do",
			j->db->dir, WTERMSIG(j->status));
		rc = -1;
	} else if (WEXITSTATUS(j->status) != 0 || (!r->complete && r->error_code == TF_OK)) {
		/* it always exits 0 once it has said its piece: anything else (a
		 * checker's exit code, say) means it did not finish as it should */
		err_set("the NSS process for %s ended with exit status %d%s", j->db->dir,
			WEXITSTATUS(j->status), r->complete ? "" : " before it finished");
		rc = -1;
	}
	if (j->ops)
		after_keep(j, r, rc == 0);
	for (size_t i = 0; i < p->n; i++) {
		if (p->jobs[i] == j) {
			memmove(&p->jobs[i], &p->jobs[i + 1], (p->n - i - 1) * sizeof(*p->jobs));
			p->n--;
			break;
		}
	}
	job_free(j);
	return rc;
}

void nss_pool_free(struct nss_pool *p)
{
	if (!p)
		return;
	/* A child that is writing a database finishes; one not started never starts. */
	for (size_t i = 0; i < p->n; i++)
		if (p->jobs[i]->state == JOB_QUEUED)
			p->jobs[i]->state = JOB_DONE;
	while (p->running)
		pool_step(p);
	for (size_t i = 0; i < p->n; i++)
		job_free(p->jobs[i]);
	free(p->jobs);
	free(p);
}
