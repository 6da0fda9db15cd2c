/*
 * Connecting to an endpoint to see what it serves (`trustform check`): a TCP
 * connection with one deadline for all of it (every address the name resolves to, IPv6 and
 * IPv4, in order, until one answers), a TLS handshake with SNI that accepts any
 * chain (judging it is the checker's job, per store), the chain as the server
 * sent it, and for https the server's Date: header, to tell a skewed clock from
 * a stale certificate. Many endpoints are probed in parallel.
 */
#ifndef TF_TLSPROBE_H
#define TF_TLSPROBE_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct tls_probe {
	/* in */
	const char *host; /* a name, or an IPv4/IPv6 literal (no brackets) */
	const char *port;
	const char *sni; /* NULL: host when it is a name, none for an address */
	bool http;	 /* send "HEAD / HTTP/1.1" and read the Date: header */
	time_t now;	 /* our clock: with http, the Date: is asked for only when a
			  * served certificate is outside its validity by it (the
			  * one case it explains); 0: always */
	int timeout_ms;	 /* the whole connection: resolving the name, connecting,
			  * the handshake and the Date: header (<= 0: 5 s) */
	/* out */
	STACK_OF(X509) * chain; /* as served, leaf first; NULL when it failed */
	char *address;		/* the address that answered, "[::1]:443" */
	time_t server_date;	/* 0: none */
	char *error;		/* why it failed: "connection refused", "timed out after 5 s" */
};

/* Probe each of n, at most `parallel` at a time. Never fails as a whole: each
 * probe has its chain or its error. */
void tls_probe_run(struct tls_probe *p, size_t n, size_t parallel);
void tls_probe_dispose(struct tls_probe *p);

#endif
