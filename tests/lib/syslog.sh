# A syslog receiver for tests: a datagram socket in $T that a program run
# through in_ns sees as /dev/log (a private mount namespace: the host's /dev
# is never touched). syslog_start; in_ns CMD...; syslog_stop; lines in
# $T/syslog.txt, one per message, with the <PRI> the program sent.
syslog_start() {
  SOCK=$T/log.sock
  /usr/bin/python3 - "$SOCK" "$T/syslog.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "a") as out:
    try:
        while True:
            msg = s.recv(65536).decode()
            out.write(msg.replace("\n", " ") + "\n")
            out.flush()
            if "STOP" in msg:
                break
    except socket.timeout:
        pass
PY
  _syslog_pid=$!
  _bg_pids+=("$_syslog_pid")
  for _ in $(seq 1 200); do [ -S "$SOCK" ] && break; sleep 0.05; done
}
syslog_stop() {
  /usr/bin/python3 -c "import socket,sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'STOP', sys.argv[1])" "$SOCK"
  wait "$_syslog_pid" || true
}
in_ns() {
  unshare -m bash -c '
    set -e
    T=$1; shift
    mkdir -p "$T/olddev"; mount --bind /dev "$T/olddev"
    mount -t tmpfs tf-dev /dev
    for n in null zero urandom random full; do touch "/dev/$n"; mount --bind "$T/olddev/$n" "/dev/$n"; done
    ln -s "$T/log.sock" /dev/log
    "$@"' in-ns "$T" "$@"
}
