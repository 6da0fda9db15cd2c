/* Probing TLS endpoints; see tlsprobe.h. */
#include "util/tlsprobe.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static bool is_address(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* "5 s", "0.5 s": static text for a message. */
static const char *secs_text(int ms)
{
	static _Thread_local char t[32];
	if (ms % 1000)
		snprintf(t, sizeof(t), "%.1f s", ms / 1000.0);
	else
		snprintf(t, sizeof(t), "%d s", ms / 1000);
	return t;
}

static char *addr_text(const struct sockaddr *sa)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		port = ntohs(s6->sin6_port);
		return xasprintf("[%s]:%d", ip, port);
	}
	const struct sockaddr_in *s4 = (const void *)sa;
	inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
	port = ntohs(s4->sin_port);
	return xasprintf("%s:%d", ip, port);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (a CLOCK_MONOTONIC time in ms), >= 0. */
static int left_ms(long long deadline)
{
	long long l = deadline - now_ms();
	return l <= 0 ? 0 : l > INT_MAX ? INT_MAX : (int)l;
}

/* Wait for fd to be readable/writable until deadline; 0 ready, -1 timed out
 * or failed. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = {fd, events, 0};
	for (;;) {
		int r = poll(&p, 1, left_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		return r > 0 ? 0 : -1;
	}
}

/* --- name resolution with a deadline ----------------------------------------
 * getaddrinfo cannot be interrupted, so it runs in a detached thread; the
 * prober waits for it until the deadline, and whichever of the two finishes
 * last frees the request. */
struct resolve_req {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs;
	bool done;
	char *host, *port;
	int rc;
	struct addrinfo *res;
};

static void req_unref(struct resolve_req *q)
{
	pthread_mutex_lock(&q->mu);
	bool last = --q->refs == 0;
	pthread_mutex_unlock(&q->mu);
	if (!last)
		return;
	if (q->res)
		freeaddrinfo(q->res);
	free(q->host);
	free(q->port);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

static void *resolve_thread(void *arg)
{
	struct resolve_req *q = arg;
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(q->host, q->port, &hints, &res);
	pthread_mutex_lock(&q->mu);
	q->rc = rc;
	q->res = res;
	q->done = true;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	req_unref(q);
	return NULL;
}

/* 0 with *out (the caller frees it), EAI_AGAIN with *timed_out when the
 * deadline passed first, or getaddrinfo's error. */
static int resolve(const char *host, const char *port, long long deadline, struct addrinfo **out,
		   bool *timed_out)
{
	*out = NULL;
	*timed_out = false;
	struct resolve_req *q = xcalloc(1, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	q->host = xstrdup(host);
	q->port = xstrdup(port);
	q->refs = 2;
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, resolve_thread, q) != 0) {
		pthread_attr_destroy(&attr);
		q->refs = 1;
		resolve_thread(q); /* no thread: resolve here, unbounded */
		return EAI_SYSTEM;
	}
	pthread_attr_destroy(&attr);
	struct timespec until = {(time_t)(deadline / 1000), (long)(deadline % 1000) * 1000000};
	pthread_mutex_lock(&q->mu);
	while (!q->done)
		if (pthread_cond_timedwait(&q->cv, &q->mu, &until) == ETIMEDOUT)
			break;
	int rc = q->done ? q->rc : EAI_AGAIN;
	*timed_out = !q->done;
	if (q->done) {
		*out = q->res;
		q->res = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	req_unref(q);
	return rc;
}

static int connect_one(const struct addrinfo *ai, long long deadline, int timeout_ms, char **why)
{
	int fd =
	    socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0) {
		*why = xasprintf("cannot create a socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		*why = xstrdup(strerror(errno));
		close(fd);
		return -1;
	}
	if (wait_fd(fd, POLLOUT, deadline) < 0) {
		*why = xasprintf("no answer within %s (timed out)", secs_text(timeout_ms));
		close(fd);
		return -1;
	}
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (soerr) {
		*why = xstrdup(strerror(soerr));
		close(fd);
		return -1;
	}
	return fd;
}

static int tcp_connect(struct tls_probe *p, long long deadline)
{
	struct addrinfo *res = NULL;
	bool timed_out;
	int rc = resolve(p->host, p->port, deadline, &res, &timed_out);
	if (timed_out) {
		p->error = xasprintf("cannot resolve %s within %s (timed out; --timeout bounds "
				     "the whole connection)",
				     p->host, secs_text(p->timeout_ms));
		return -1;
	}
	if (rc != 0) {
		p->error = xasprintf("cannot resolve %s: %s", p->host, gai_strerror(rc));
		return -1;
	}
	char *why = NULL;
	int fd = -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		free(why);
		why = NULL;
		fd = connect_one(ai, deadline, p->timeout_ms, &why);
		if (fd >= 0)
			p->address = addr_text(ai->ai_addr);
		else if (!ai->ai_next) {
			char *at = addr_text(ai->ai_addr);
			p->error = xasprintf("cannot connect to %s: %s", at, why);
			free(at);
		}
	}
	free(why);
	freeaddrinfo(res);
	return fd;
}

/* Drive a non-blocking SSL call until done or timed out. */
static int ssl_wait(SSL *ssl, int fd, int ret, long long deadline)
{
	int e = SSL_get_error(ssl, ret);
	if (e == SSL_ERROR_WANT_READ)
		return wait_fd(fd, POLLIN, deadline) == 0 ? 1 : -1;
	if (e == SSL_ERROR_WANT_WRITE)
		return wait_fd(fd, POLLOUT, deadline) == 0 ? 1 : -1;
	return 0;
}

static time_t parse_http_date(const char *v)
{
	struct tm tm = {0};
	const char *end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return end ? timegm(&tm) : 0;
}

static void read_http_date(struct tls_probe *p, SSL *ssl, int fd, long long deadline)
{
	char *req = xasprintf("HEAD / HTTP/1.1\r\nHost: %s\r\nUser-Agent: trustform-check\r\n"
			      "Connection: close\r\n\r\n",
			      p->sni ? p->sni : p->host);
	size_t len = strlen(req), off = 0;
	while (off < len) {
		int w = SSL_write(ssl, req + off, (int)(len - off));
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (ssl_wait(ssl, fd, w, deadline) <= 0)
			break;
	}
	free(req);
	char head[8192];
	size_t got = 0;
	while (got < sizeof(head) - 1) {
		int r = SSL_read(ssl, head + got, (int)(sizeof(head) - 1 - got));
		if (r > 0) {
			got += (size_t)r;
			head[got] = 0;
			if (strstr(head, "\r\n\r\n"))
				break;
			continue;
		}
		if (ssl_wait(ssl, fd, r, deadline) <= 0)
			break;
	}
	head[got] = 0;
	for (char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n"))
		if (!strncasecmp(line + 2, "Date:", 5)) {
			char *v = line + 7;
			while (*v == ' ')
				v++;
			p->server_date = parse_http_date(v);
			break;
		}
}

/* Whether a certificate of chain is expired or not yet valid at now. */
static bool out_of_date(STACK_OF(X509) * chain, time_t now)
{
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		if (X509_cmp_time(X509_get0_notBefore(x), &now) > 0 ||
		    X509_cmp_time(X509_get0_notAfter(x), &now) < 0)
			return true;
	}
	return false;
}

static void probe_one(struct tls_probe *p)
{
	/* one deadline for the whole connection: resolving, connecting, the
	 * handshake and the Date: header; a server that trickles its bytes is cut
	 * there, whatever each wait would allow */
	long long deadline = now_ms() + (p->timeout_ms > 0 ? p->timeout_ms : 5000);
	int fd = tcp_connect(p, deadline);
	if (fd < 0)
		return;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	if (!ssl) {
		p->error = xstrdup("cannot set up TLS (OpenSSL)");
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* judged per store, later */
	SSL_set_fd(ssl, fd);
	const char *sni = p->sni ? p->sni : is_address(p->host) ? NULL : p->host;
	if (sni && *sni)
		SSL_set_tlsext_host_name(ssl, sni);
	for (;;) {
		ERR_clear_error();
		int r = SSL_connect(ssl);
		if (r == 1)
			break;
		int w = ssl_wait(ssl, fd, r, deadline);
		if (w > 0)
			continue;
		unsigned long e = ERR_peek_last_error();
		char msg[256] = "";
		if (e)
			ERR_error_string_n(e, msg, sizeof(msg));
		p->error = w < 0 ? xasprintf("%s answered, but the TLS handshake did not finish "
					     "within %s (--timeout bounds the whole connection)",
					     p->address, secs_text(p->timeout_ms))
				 : xasprintf("TLS handshake with %s failed%s%s (not a TLS server?)",
					     p->address, *msg ? ": " : "", msg);
		goto out;
	}
	STACK_OF(X509) *sent = SSL_get_peer_cert_chain(ssl);
	if (!sent || !sk_X509_num(sent)) {
		p->error = xasprintf("%s sent no certificate", p->address);
		goto out;
	}
	p->chain = sk_X509_new_null();
	for (int i = 0; i < sk_X509_num(sent); i++) {
		X509 *x = sk_X509_value(sent, i);
		X509_up_ref(x);
		sk_X509_push(p->chain, x);
	}
	if (p->http && (!p->now || out_of_date(p->chain, p->now)))
		read_http_date(p, ssl, fd, deadline);
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
}

struct pool {
	struct tls_probe *p;
	size_t n, next;
	pthread_mutex_t mu;
};

static void *worker(void *arg)
{
	struct pool *pl = arg;
	for (;;) {
		pthread_mutex_lock(&pl->mu);
		size_t i = pl->next++;
		pthread_mutex_unlock(&pl->mu);
		if (i >= pl->n)
			return NULL;
		probe_one(&pl->p[i]);
	}
}

void tls_probe_run(struct tls_probe *p, size_t n, size_t parallel)
{
	struct pool pl = {.p = p, .n = n};
	pthread_mutex_init(&pl.mu, NULL);
	if (parallel < 1)
		parallel = 1;
	if (parallel > n)
		parallel = n;
	pthread_t *t = xcalloc(parallel ? parallel : 1, sizeof(*t));
	size_t started = 0;
	for (size_t i = 0; i < parallel; i++)
		if (pthread_create(&t[i], NULL, worker, &pl) == 0)
			started++;
		else
			break;
	if (!started)
		worker(&pl);
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&pl.mu);
	free(t);
}

void tls_probe_dispose(struct tls_probe *p)
{
	if (p->chain)
		sk_X509_pop_free(p->chain, X509_free);
	free(p->address);
	free(p->error);
	p->chain = NULL;
	p->address = p->error = NULL;
}
