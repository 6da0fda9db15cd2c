#!/usr/bin/env bash
# Issue 14: every file read from outside goes through one bounded reader. A
# FIFO never hangs, /dev/zero never reads until out of memory, a huge file is
# refused by size, and a YAML alias bomb or deep nesting is an error: each is
# exit 1 with a message naming the file and why, and nothing is written.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"; mkdir -p "$R/var/lib/trustform"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/good" "/CN=Good CA"
before=$(tree_sum "$R")

cfg() { # cfg FILE CAFILE [DISTRO-LINE]
  cat >"$1" <<YAML
version: 1
cas:
  x: { file: $2 }
stores:
  system: { type: system${3:-} }
roles:
  node: { cas: [x], stores: [system] }
hosts:
  h: [node]
YAML
}
# no_hang CMD...: CMD, failed if it hangs, without a wall-clock limit (which
# would fail a slow machine instead): at most 60 s of CPU time (SIGXCPU past
# that: a loop on hostile input), and killed with a message as soon as the
# kernel shows it blocked on a FIFO (waiting for a writer or for data).
no_hang() {
  bash -c 'ulimit -t 60; exec "$@"' _ "$@" &
  local pid=$! w
  while kill -0 "$pid" 2>/dev/null; do
    w=$(cat "/proc/$pid/wchan" 2>/dev/null || true)
    case $w in
      wait_for_partner | fifo_open | pipe_read | pipe_wait)
        echo "no_hang: $1 blocked on a FIFO (kernel wait: $w)" >&2; kill -9 "$pid" 2>/dev/null ;;
    esac
    sleep 0.05
  done
  wait "$pid"
}
# run NAME "expected" CONFIG: plan must fail, without looping, naming the reason
run() {
  local name=$1 want=$2 f=$3
  expect_rc 1 "$name: plan fails" no_hang "$TRUSTFORM" plan -c "$f" --root "$R" --host h
  check "$name: says '$want'" err_has "$want"
  expect_rc 1 "$name: apply fails" no_hang "$TRUSTFORM" apply -c "$f" --root "$R" --host h \
    --auto-approve
  check "$name: tree unchanged" test "$before" = "$(tree_sum "$R")"
}

mkfifo "$C/fifo.yaml"
run config_fifo "$C/fifo.yaml: error: cannot read the configuration: is a FIFO, not a regular file" \
  "$C/fifo.yaml"

mkfifo "$C/cas/fifo.pem"
cfg "$C/ca_fifo.yaml" cas/fifo.pem
run ca_fifo "is a FIFO, not a regular file" "$C/ca_fifo.yaml"
check "ca_fifo: names the CA file" err_has "fifo.pem"

ln -s /dev/zero "$C/cas/zero.pem"
cfg "$C/ca_zero.yaml" cas/zero.pem
run ca_dev_zero "is a character device, not a regular file" "$C/ca_zero.yaml"

truncate -s 17M "$C/cas/huge.pem"
cfg "$C/ca_huge.yaml" cas/huge.pem
run ca_huge "is larger than 16 MiB" "$C/ca_huge.yaml"

truncate -s 17M "$C/huge.yaml"
run config_huge "huge.yaml: error: cannot read the configuration: is larger than 16 MiB" \
  "$C/huge.yaml"

# os-release as a FIFO: named, not "missing", and no hang
rm "$R/etc/os-release"; mkfifo "$R/etc/os-release"; before=$(tree_sum "$R")
cfg "$C/osr.yaml" cas/good.pem
run osrelease_fifo "etc/os-release: cannot read it to tell the distribution" "$C/osr.yaml"
check "osrelease_fifo: says FIFO" err_has "is a FIFO, not a regular file"
rm "$R/etc/os-release"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' \
  >"$R/etc/os-release"
before=$(tree_sum "$R")

# the YAML alias bomb from the issue: 64 KiB string, five levels of ten aliases
python3 - "$C/bomb.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('s: &s "' + "x" * 65536 + '"\n')
    prev = "s"
    for k in "abcde":
        f.write("%s: &%s [%s]\n" % (k, k, ",".join(["*" + prev] * 10)))
        prev = k
PY
# 1 GB of address space is plenty (the unfixed loader took 7 GB); ASan needs
# terabytes of shadow mappings, so its build runs without the limit
# (ldd's whole output is read first: a grep -q stopping early would SIGPIPE
# ldd, and pipefail would then take the match for a miss.)
lim='ulimit -v 1000000;'
case "$(ldd "$TRUSTFORM" 2>/dev/null)" in *libasan*) lim= ;; esac
expect_rc 1 "alias bomb: fails" no_hang bash -c "$lim"' "$0" plan -c "$1" --host h' \
  "$TRUSTFORM" "$C/bomb.yaml"
check "alias bomb: says why, with a position" err_has "bomb.yaml:4:35:"
check "alias bomb: says why" err_has "aliases expand to too many nodes or bytes"

python3 -c 'import sys; sys.stdout.write("a: " + "[" * 40000 + "\n")' >"$C/deep.yaml"
expect_rc 1 "deep nesting: fails" no_hang "$TRUSTFORM" plan -c "$C/deep.yaml" --host h
check "deep nesting: says why, with a position" \
  err_has "deep.yaml:1:259: error: lists and mappings nest more than 256 levels deep"

printf 'version: 1\ncas:\n  x: { file: "a\0b" }\n' >"$C/nul.yaml"
expect_rc 1 "NUL byte: fails" "$TRUSTFORM" plan -c "$C/nul.yaml" --host h
check "NUL byte: placed at 3:16" err_has "nul.yaml:3:16: error: control characters are not allowed"
printf 'version: 1\ncas:\n  x: { file: "a\xffb" }\n' >"$C/utf.yaml"
expect_rc 1 "bad UTF-8: fails" "$TRUSTFORM" plan -c "$C/utf.yaml" --host h
check "bad UTF-8: placed at 3:16" err_has "utf.yaml:3:16: error: invalid leading UTF-8 octet"
done_testing
