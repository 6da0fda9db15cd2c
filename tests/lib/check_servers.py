#!/usr/bin/env python3
"""Peers for the endpoint checks that openssl s_server cannot be:

  check_servers.py https PORT CERT KEY [CHAIN]   an HTTPS server that answers with
                                                 a Date: header (Python's http.server)
  check_servers.py silent PORT                   a socket that listens (the kernel
                                                 completes connections) but never
                                                 accepts or answers: a hung server

Both on 127.0.0.1, and both stop by themselves when the test that started
them is gone (their parent changes); no lifetime of their own, so a slow test
never loses its server."""
import http.server, os, socket, ssl, sys, threading, time

def _exit_with_parent(parent=os.getppid()):
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)
threading.Thread(target=_exit_with_parent, daemon=True).start()
mode, port = sys.argv[1], int(sys.argv[2])
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
