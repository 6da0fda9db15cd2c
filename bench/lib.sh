# Shared set-up and helpers of the benchmark scripts. A script does
#   set -euo pipefail; cd "$(dirname "$0")/.."; . bench/lib.sh
# and finds trustform built ($TF), the CA generator ($GEN), and a work
# directory $W removed on exit. BENCH_DIR picks the filesystem of $W: the
# default is tmpfs (/dev/shm), which measures the software; a disk directory
# adds that disk's metadata costs, which the compared tools pay alike.

scripts/build.sh build >/dev/null
cmake --build build --target gen_cas floor_probe >/dev/null
TF=$PWD/build/trustform
GEN=$PWD/build/gen_cas
FLOOR=$PWD/build/floor_probe
W=$(mktemp -d "${BENCH_DIR:-/dev/shm}/trustform-$(basename "$0" .sh).XXXXXX")
chmod 755 "$W"		# the NSS benchmarks' children run as other users
_bench_mounts=()
trap 'for m in ${_bench_mounts[@]+"${_bench_mounts[@]}"}; do umount -l "$m"; done; rm -rf --one-file-system "$W"' EXIT
export NO_COLOR=1

# median_ms RUNS SETUP-CMD CMD...: median wall time of CMD in ms; SETUP (a
# string, eval'd) runs before each timed run and is not timed.
median_ms() {
  local runs=$1 setup=$2; shift 2
  local t=() i s e
  for ((i = 0; i < runs; i++)); do
    eval "$setup"
    s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    t+=($(((e - s) / 1000000)))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

# ratio OURS BASELINE: "12.3x"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", (a > 0 ? b / a : 0) }'; }

# row LABEL OURS BASELINE RATIO [TARGET]: one line of a result table
row() { printf '  %-58s %9s %9s %8s   %s\n' "$1" "$2" "$3" "$4" "${5:-}"; }

# uca ROOT [ARGS...]: the real update-ca-certificates pointed at a sandbox tree
uca() {
  local r=$1; shift
  update-ca-certificates "$@" --certsconf "$r/etc/ca-certificates.conf" \
    --certsdir "$r/usr/share/ca-certificates" --localcertsdir "$r/usr/local/share/ca-certificates" \
    --etccertsdir "$r/etc/ssl/certs" --hooksdir "$r/etc/ca-certificates/update.d"
}

# mk_debian_tree ROOT: the 142 distro CAs selected, an empty /etc/ssl/certs
mk_debian_tree() {
  local r=$1
  mkdir -p "$r/etc/ssl/certs" "$r/usr/share/ca-certificates" "$r/usr/local/share/ca-certificates" \
    "$r/etc/ca-certificates/update.d"
  printf 'ID=debian\n' >"$r/etc/os-release"
  cp -r /usr/share/ca-certificates/mozilla "$r/usr/share/ca-certificates/"
  (cd "$r/usr/share/ca-certificates" && find mozilla -name '*.crt' | LC_ALL=C sort) \
    >"$r/etc/ca-certificates.conf"
}

# alternate RUNS -- CMD... -- CMD...: each command's median wall and CPU time
# (user + system, with its children) in µs, one line each, the commands run in
# turn in every round (bench/alternate.py)
alternate() { /usr/bin/python3 bench/alternate.py "$@"; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
# xr A B: B / A as "2.34x"
xr() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (a > 0 ? b / a : 0) }'; }

# floors_row ROOT CFG UCA-ROOT CHROOT RUNS: trustform's plan with nothing to do
# on ROOT beside the two floors of that work (floor_probe: nocache reads and
# hashes every source, link and the bundle; cached lstats the sources, reads
# the links, stats the bundle) and update-ca-certificates with nothing to do
# (on UCA-ROOT; with CHROOT non-empty, the tree's own, run by chroot into
# ROOT). Prints the rows; sets FL_TF_MS and FL_UCA_MS (wall medians).
floors_row() {
  local r=$1 cfg=$2 ur=$3 ch=$4 runs=$5 out uca_cmd
  if [ -n "$ch" ]; then uca_cmd=(chroot "$r" update-ca-certificates)
  else uca_cmd=(bash -c "$(declare -f uca); uca \"\$1\"" _ "$ur"); fi
  "$FLOOR" nocache "$r" "$cfg" >/dev/null
  out=$(alternate "$runs" -- "$TF" plan -c "$cfg/trust.yaml" --root "$r" --host bench \
    -- "$FLOOR" cached "$r" "$cfg" -- "$FLOOR" nocache "$r" "$cfg" -- "${uca_cmd[@]}")
  local tf cf nf uc
  { read -r -a tf; read -r -a cf; read -r -a nf; read -r -a uc; } <<<"$out"
  echo "  nothing to do, median of $runs rounds ($("$FLOOR" cached "$r" "$cfg" | cut -d' ' -f1-4))"
  printf '  %-44s %12s %12s\n' "" "wall (ms)" "CPU (ms)"
  printf '  %-44s %12s %12s\n' "trustplan" "$(ms "${tf[0]}")" "$(ms "${tf[1]}")" \
    "floor with a stat-keyed cache" "$(ms "${cf[0]}")" "$(ms "${cf[1]}")" \
    "floor without a cache (read + hash all)" "$(ms "${nf[0]}")" "$(ms "${nf[1]}")" \
    "update-ca-certificates${ch:+ , by chroot}" "$(ms "${uc[0]}")" "$(ms "${uc[1]}")"
  printf '  %-44s %12s %12s   %s\n' "trustform / cached floor" "$(xr "${cf[0]}" "${tf[0]}")" \
    "$(xr "${cf[1]}" "${tf[1]}")" "target <= 2x" \
    "trustform / no-cache floor" "$(xr "${nf[0]}" "${tf[0]}")" "$(xr "${nf[1]}" "${tf[1]}")" "" \
    "update-ca-certificates / trustform" "$(xr "${tf[0]}" "${uc[0]}")" "$(xr "${tf[1]}" "${uc[1]}")" \
    "target >= ${FL_UCA_TARGET:-100}x"
  FL_TF_MS=$((tf[0] / 1000)) FL_UCA_MS=$((uc[0] / 1000))
}

# sid_row: the same on the cached Debian sid test tree (tests/host/build-sid.sh;
# built once when missing, which takes minutes), with 100 local CAs applied,
# against sid's own update-ca-certificates run by chroot (target 60x).
# BENCH_SID=0 skips it.
sid_row() {
  [ "${BENCH_SID:-1}" != 0 ] || return 0
  local base s=$W/sid
  base=$(tests/host/build-sid.sh 2>"$W/sid.err") || { echo "  (no sid tree: $(tail -1 "$W/sid.err"))"; return 0; }
  mkdir -p "$s" "$W/sid.ovl/u" "$W/sid.ovl/w"
  if ! mount -t overlay overlay -o "lowerdir=$base,upperdir=$W/sid.ovl/u,workdir=$W/sid.ovl/w" "$s"; then
    echo "  (cannot mount the sid tree)"; return 0
  fi
  _bench_mounts=("$s" "${_bench_mounts[@]}")
  mount -t tmpfs -o mode=755,size=1m bench-dev "$s/dev"
  _bench_mounts=("$s/dev" "${_bench_mounts[@]}")
  mknod -m 666 "$s/dev/null" c 1 3; mknod -m 666 "$s/dev/urandom" c 1 9
  "$TF" apply -c "$W/cfg100/trust.yaml" --root "$s" --host bench --auto-approve >"$W/sid.apply" 2>&1 ||
    { echo "  (apply into the sid tree failed: $(tail -1 "$W/sid.apply"))"; return 0; }
  echo
  echo "Debian sid tree ($(ls "$s/usr/share/ca-certificates/mozilla" | wc -l) distro CAs + 100 local CAs, overlay over $base)"
  FL_UCA_TARGET=60 floors_row "$s" "$W/cfg100" "" chroot "${RUNS:-15}"
}
