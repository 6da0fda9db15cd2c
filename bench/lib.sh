# Shared set-up and helpers of the benchmark scripts. A script does
#   set -euo pipefail; cd "$(dirname "$0")/.."; . bench/lib.sh
# and finds trustform built ($TF), the CA generator ($GEN), and a work
# directory $W removed on exit. BENCH_DIR picks the filesystem of $W: the
# default is tmpfs (/dev/shm), which measures the software; a disk directory
# adds that disk's metadata costs, which the compared tools pay alike.

scripts/build.sh build >/dev/null
cmake --build build --target gen_cas >/dev/null
TF=$PWD/build/trustform
GEN=$PWD/build/gen_cas
W=$(mktemp -d "${BENCH_DIR:-/dev/shm}/trustform-$(basename "$0" .sh).XXXXXX")
chmod 755 "$W"		# the NSS benchmarks' children run as other users
trap 'rm -rf "$W"' EXIT
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
