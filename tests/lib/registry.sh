# Helpers for the registry store's tests: a real distribution registry on
# 127.0.0.1 serving TLS, Podman and containerd with private storage in $T.
# Sourced by tests/e2e/registry_*.sh after common.sh.

# start_registry LEAF_BASE PORT: Debian's docker-registry on 127.0.0.1:PORT
# with the leaf's certificate, its storage in $T/registry, accepting when this
# returns; it stops with the test.
start_registry() {
  local base=$1 port=$2
  mkdir -p "$T/registry"
  cat >"$T/registry/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $T/registry/data
http:
  addr: 127.0.0.1:$port
  tls:
    certificate: $base.pem
    key: $base.key
YML
  docker-registry serve "$T/registry/config.yml" >"$T/registry/log" 2>&1 </dev/null &
  local pid=$!
  server_started "$pid"
  wait_accepting "$port" "$pid" || { cat "$T/registry/log" >&2; return 1; }
}

# The podman command line with its storage, run state and temp files in $T.
PODMAN=(podman --root "$T/podman/storage" --runroot "$T/podman/run" --tmpdir "$T/podman/tmp"
  --storage-driver vfs --cgroup-manager cgroupfs --events-backend file)

# podman_in_root ROOT ARGS...: podman in a private mount namespace where
# /etc/containers is a copy of the real one whose certs.d is ROOT's, so that
# podman's own lookup of certs.d/<host:port> reads what trustform wrote there.
podman_in_root() {
  local r=$1; shift
  if [ ! -d "$T/podman/etc" ]; then
    mkdir -p "$T/podman/tmp"
    cp -a /etc/containers "$T/podman/etc"
    rm -rf "$T/podman/etc/certs.d"; mkdir -p "$T/podman/etc/certs.d"
  fi
  mkdir -p "$r/etc/containers/certs.d"
  TMPDIR=$T/podman/tmp unshare -m --propagation private sh -c \
    'mount --bind "$1" /etc/containers && mount --bind "$2" /etc/containers/certs.d && shift 2 && exec "$@"' \
    sh "$T/podman/etc" "$r/etc/containers/certs.d" "${PODMAN[@]}" "$@"
}

# push_test_image PORT REF: a one-file image made here (podman import of a
# tarball), pushed to the registry; TLS verification is off for this setup
# push only.
push_test_image() {
  local port=$1 ref=$2
  mkdir -p "$T/podman/tmp" "$T/image"
  echo "trustform registry test" >"$T/image/hello.txt"
  tar -C "$T/image" -cf "$T/image.tar" hello.txt
  TMPDIR=$T/podman/tmp "${PODMAN[@]}" import -q "$T/image.tar" "localhost/$ref" >/dev/null
  TMPDIR=$T/podman/tmp "${PODMAN[@]}" push -q --tls-verify=false "localhost/$ref" "127.0.0.1:$port/$ref"
  TMPDIR=$T/podman/tmp "${PODMAN[@]}" rmi -a -f >/dev/null
}

# start_containerd: a containerd of its own (root, state, sockets in $T, no
# CRI), answering when this returns; it stops with the test. Sets CTR to the ctr command line that talks to it.
start_containerd() {
  local d=$T/containerd i
  mkdir -p "$d"
  cat >"$d/config.toml" <<TOML
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/sock"
[ttrpc]
  address = "$d/ttrpc.sock"
TOML
  containerd -c "$d/config.toml" >"$d/log" 2>&1 </dev/null &
  local pid=$!
  server_started "$pid"
  until [ -S "$d/sock" ]; do
    kill -0 "$pid" 2>/dev/null || { echo "containerd exited before it made its socket:" >&2; cat "$d/log" >&2; return 1; }
    sleep 0.05
  done
  CTR=(ctr -a "$d/sock" -n trustform-test)
  "${CTR[@]}" version >/dev/null
}
