#!/usr/bin/env python3
"""Peers for the endpoint checks that openssl s_server cannot be:

  check_servers.py https PORT CERT KEY [CHAIN]   an HTTPS server that answers with
                                                 a Date: header (Python's http.server)
  check_servers.py silent PORT                   a socket that listens (the kernel
                                                 completes connections) but never
                                                 accepts or answers: a hung server

  check_servers.py trickle PORT LOG              accepts, then sends a TLS record one
                                                 byte every 0.5 s (240 bytes: two
                                                 minutes); logs "closed by the
                                                 client after N bytes" when the peer
                                                 hangs up first
  check_servers.py dnssilent LOG                 a DNS server on 127.0.0.1:53 (UDP and
                                                 TCP; for a network namespace) that
                                                 logs each query and never answers

All on 127.0.0.1, and all stop by themselves when the test that started them
is gone (their parent changes); no lifetime of their own, so a slow test never
loses its server."""
import http.server, os, socket, ssl, sys, threading, time

def _exit_with_parent(parent=os.getppid()):
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)
threading.Thread(target=_exit_with_parent, daemon=True).start()
mode = sys.argv[1]
if mode == "dnssilent":
    log = open(sys.argv[2], "a", buffering=1)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 53))
    t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("127.0.0.1", 53)); t.listen(16)
    threading.Thread(target=lambda: [t.accept() for _ in iter(int, 1)], daemon=True).start()
    log.write("listening\n")
    while True:
        u.recvfrom(4096); log.write("query\n")
port = int(sys.argv[2])
if mode == "trickle":
    import select
    log = open(sys.argv[3], "a", buffering=1)
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(16)
    # a handshake record announcing 16 KiB, then its bytes: never complete
    record = bytes([0x16, 0x03, 0x03, 0x40, 0x00, 0x02]) + bytes(234)
    def trickle(c):
        sent = 0
        while sent < len(record):
            r, _, _ = select.select([c], [], [], 0.5)
            if r:
                if not c.recv(4096):  # the ClientHello is read; b'' is the client gone
                    log.write("closed by the client after %d bytes\n" % sent); c.close(); return
                continue
            try:
                c.send(record[sent:sent + 1]); sent += 1
            except OSError:
                log.write("closed by the client after %d bytes\n" % sent); return
        log.write("sent all %d bytes\n" % sent)
    while True:
        c, _ = s.accept()
        threading.Thread(target=trickle, args=(c,), daemon=True).start()
if mode == "silent":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(16)
    while True:
        time.sleep(1)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
class H(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", port), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
