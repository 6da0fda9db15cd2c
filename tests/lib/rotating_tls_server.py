#!/usr/bin/python3
"""A TLS server on 127.0.0.1:PORT that switches its certificate chain without
a moment of downtime: the rotation test's issuer switch.

usage: rotating_tls_server.py PORT CURRENT
CURRENT holds two paths, "CHAIN KEY" (CHAIN: the leaf, then its
intermediate). It is read again for every connection, so writing a new
CURRENT (atomically: write and rename) switches the chain the next handshake
sends; connections in flight finish with the old one. Each connection gets
an HTTP/1.0 200 answer to its request.
"""
import socket
import ssl
import sys
import threading

PORT = int(sys.argv[1])
CURRENT = sys.argv[2]
_contexts = {}


def context():
    with open(CURRENT) as f:
        chain, key = f.read().split()
    if (chain, key) not in _contexts:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(chain, key)
        _contexts[(chain, key)] = ctx
    return _contexts[(chain, key)]


def serve(conn):
    try:
        conn.settimeout(30)
        with context().wrap_socket(conn, server_side=True) as s:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    return
                data += chunk
            s.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n"
                      b"Connection: close\r\n\r\nok\n")
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", PORT))
    ls.listen(128)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
