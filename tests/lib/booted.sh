# A booted test system: a copy (overlay) of a cached Debian tree of SUITE
# (trixie or sid, tests/host/build-booted.sh) started with systemd as PID 1
# (systemd-nspawn -b), so that trustform runs WITHOUT --root against that
# system's own /, with real services under systemd. Source after common.sh:
#   . "$(dirname "$0")/../lib/common.sh"
#   . "$(dirname "$0")/../lib/booted.sh"
#   booted_up sid             # boots; $B is its root as seen from here
#   booted_install_trustform  # trustform into its /usr (built from this source)
#   in_booted systemctl start caddy
#   in_booted_sh 'curl -sS https://localhost/ | grep hello'
#
# How it runs on a host whose own PID 1 is not systemd and whose cgroup v2
# hierarchy is mounted beside v1 (a hybrid layout): SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1,
# --register=no (no machined to register with), --keep-unit (no transient
# scope), and a cgroup v2 group of its own per container, made under the
# current one, that the nspawn process moves itself into before it starts.
# The container has a private network with loopback only: its services
# (Caddy on 443, ...) never meet the host's or another test's ports. Commands
# run inside through nsenter into all its namespaces (systemd-run -M needs a
# registered machine). booted_down (on EXIT) powers it off, waits for nspawn
# to end, kills only the processes it started if they do not, and removes the
# cgroup and the overlay. When the system cannot be built or does not boot,
# the test FAILS and says why (the console and the journal's tail).
# $TRUSTFORM_BOOTED_NSPAWN_ARGS adds options to systemd-nspawn (split on spaces)
# for a machine that needs more.

_booted_pid=         # the systemd-nspawn process
BOOTED_LEADER=       # the container's PID 1, as seen from here
BOOTED_NAME=
BOOTED_SUITE=
_booted_cg=
_booted_dir=

_booted_fail() {
  echo "FAIL: the booted $BOOTED_SUITE system: $*" >&2
  if [ -n "$_booted_dir" ] && [ -s "$_booted_dir/console.log" ]; then
    echo "  console (last 30 lines):" >&2
    tail -30 "$_booted_dir/console.log" | sed 's/\x1b\[[0-9;]*m//g; s/^/    /' >&2
  fi
  if [ -n "$BOOTED_LEADER" ] && kill -0 "$BOOTED_LEADER" 2>/dev/null; then
    echo "  failed units:" >&2
    in_booted systemctl --failed --no-legend --no-pager 2>&1 | sed 's/^/    /' >&2 || true
    echo "  journal (last 40 lines):" >&2
    in_booted journalctl -b --no-pager -n 40 2>&1 | sed 's/^/    /' >&2 || true
  fi
  exit 1
}

# The cgroup v2 directory this shell is in (unified or hybrid layout).
_booted_cgroup_here() {
  local mnt rel
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then mnt=/sys/fs/cgroup
  elif [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then mnt=/sys/fs/cgroup/unified
  else return 1; fi
  rel=$(sed -n 's/^0:://p' /proc/self/cgroup)
  echo "$mnt${rel%/}"
}

# booted_up SUITE [NAME]: build (once) and boot SUITE; waits until
# `systemctl is-system-running --wait` says running or degraded. Sets $B (the
# root, from here), BOOTED_LEADER, BOOTED_NAME, BOOTED_BOOT_SECONDS.
booted_up() {
  BOOTED_SUITE=${1:?booted_up SUITE [NAME]}
  BOOTED_NAME=${2:-tfb-$BOOTED_SUITE-$$}
  local base err here t0 i state
  command -v systemd-nspawn >/dev/null ||
    _booted_fail "systemd-nspawn is not installed on this machine (apt-get install systemd-container)"
  [ "$(id -u)" = 0 ] || _booted_fail "needs root (overlay mount, cgroups, systemd-nspawn)"
  err=$T/.booted.err
  if ! base=$("$SRC_DIR/tests/host/build-booted.sh" "$BOOTED_SUITE" 2>"$err"); then
    sed 's/^/  /' "$err" >&2
    _booted_fail "the tree could not be built (above)"
  fi
  BOOTED_BASE=$base
  _booted_dir=$T/booted-$BOOTED_NAME
  B=$_booted_dir/root
  mkdir -p "$B" "$_booted_dir/upper" "$_booted_dir/work"
  trap 'booted_down; cleanup' EXIT
  mount -t overlay overlay -o "lowerdir=$base,upperdir=$_booted_dir/upper,workdir=$_booted_dir/work" "$B" ||
    _booted_fail "cannot mount an overlay over $base on $B"
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' >"$B/etc/hosts"
  # No console login prompt, no timers of the distribution firing mid-test.
  ln -sf /dev/null "$B/etc/systemd/system/console-getty.service"
  ln -sf /dev/null "$B/etc/systemd/system/apt-daily.timer"
  ln -sf /dev/null "$B/etc/systemd/system/apt-daily-upgrade.timer"

  here=$(_booted_cgroup_here) ||
    _booted_fail "no cgroup v2 hierarchy mounted (/sys/fs/cgroup or /sys/fs/cgroup/unified)"
  _booted_cg=$here/$BOOTED_NAME
  mkdir "$_booted_cg" || _booted_fail "cannot create the cgroup $_booted_cg"
  t0=$(date +%s.%N)
  # The nspawn process moves itself into its own cgroup, then becomes nspawn.
  setsid sh -c 'echo $$ >"$1/pid"; echo $$ >"$2/cgroup.procs" || exit 97
    exec env SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn -q -b -D "$3" -M "$4" \
      --register=no --keep-unit --private-network $5' \
    sh "$_booted_dir" "$_booted_cg" "$B" "$BOOTED_NAME" "${TRUSTFORM_BOOTED_NSPAWN_ARGS:-}" </dev/null >"$_booted_dir/console.log" 2>&1 &
  for i in $(seq 1 200); do [ -s "$_booted_dir/pid" ] && break; sleep 0.05; done
  _booted_pid=$(cat "$_booted_dir/pid" 2>/dev/null) || _booted_fail "systemd-nspawn did not start"
  # Its child is the container's systemd.
  for i in $(seq 1 600); do
    BOOTED_LEADER=$(pgrep -P "$_booted_pid" 2>/dev/null | head -1) || true
    [ -n "$BOOTED_LEADER" ] && break
    kill -0 "$_booted_pid" 2>/dev/null || _booted_fail "systemd-nspawn ended before the system started"
    sleep 0.1
  done
  [ -n "$BOOTED_LEADER" ] || _booted_fail "systemd-nspawn started no PID 1 within a minute"
  # Until systemd inside answers, then until it says the boot is over.
  for i in $(seq 1 600); do
    state=$(in_booted systemctl is-system-running 2>/dev/null) || true
    case $state in starting|initializing|running|degraded|maintenance) break ;; esac
    kill -0 "$_booted_pid" 2>/dev/null || _booted_fail "systemd-nspawn ended during the boot"
    sleep 0.1
  done
  state=$(in_booted timeout 600 systemctl is-system-running --wait 2>/dev/null) || true
  case $state in
    running) ;;
    degraded) echo "booted: $BOOTED_SUITE is degraded; failed units:" >&2
              in_booted systemctl --failed --no-legend --no-pager >&2 || true ;;
    *) _booted_fail "systemd did not finish booting: is-system-running says \"${state:-nothing}\"" ;;
  esac
  BOOTED_BOOT_SECONDS=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
  echo "booted: $BOOTED_SUITE ($(in_booted systemctl --version | head -1)) up in ${BOOTED_BOOT_SECONDS}s"
}

# in_booted CMD...: run CMD inside the booted system (all its namespaces, its
# root), with a clean environment; stdin/stdout/stderr pass through.
in_booted() {
  nsenter -t "$BOOTED_LEADER" -a \
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 NO_COLOR=1 "$@"
}

# in_booted_sh 'shell text': the same, through the system's /bin/sh
in_booted_sh() { in_booted /bin/sh -c "$1"; }

# booted_version PKG: the version of PKG in the booted system's tree
booted_version() { awk -v p="$1" '$1 == p { print $2 }' "$BOOTED_BASE/.trustform-versions"; }

booted_down() {
  local i
  if [ -n "$_booted_pid" ] && kill -0 "$_booted_pid" 2>/dev/null; then
    [ -z "$BOOTED_LEADER" ] || in_booted systemctl poweroff --no-block >/dev/null 2>&1 ||
      kill -s SIGRTMIN+4 "$BOOTED_LEADER" 2>/dev/null || true
    for i in $(seq 1 600); do kill -0 "$_booted_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$_booted_pid" 2>/dev/null; then
      echo "booted_down: $BOOTED_NAME did not power off within a minute; killing its nspawn ($_booted_pid)" >&2
      kill -9 "$_booted_pid" 2>/dev/null || true
    fi
  fi
  # Whatever is still in its cgroup was started by it: end those, by id.
  if [ -n "$_booted_cg" ] && [ -d "$_booted_cg" ]; then
    local p
    for p in $(find "$_booted_cg" -name cgroup.procs -exec cat {} + 2>/dev/null); do
      kill -9 "$p" 2>/dev/null || true
    done
    for i in $(seq 1 50); do
      find "$_booted_cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
      [ -d "$_booted_cg" ] || break
      sleep 0.1
    done
    [ ! -d "$_booted_cg" ] || echo "booted_down: cannot remove the cgroup $_booted_cg" >&2
  fi
  [ -z "$BOOTED_NAME" ] || rmdir "/run/systemd/nspawn/propagate/$BOOTED_NAME" 2>/dev/null || true
  _booted_pid=; BOOTED_LEADER=; _booted_cg=
  [ -z "$_booted_dir" ] || umount "$B" 2>/dev/null || umount -l "$B" 2>/dev/null || true
}

# booted_install_trustform: trustform into the booted system's /usr, with the
# drift units and /etc/default/trustform as the package lays them out. For now
# built from this source inside the system (its compiler and libraries),
# cached by the source's content hash and the tree; the one place to switch
# to installing the suite's .deb.
booted_install_trustform() {
  local cache hash key inst files
  cache=${TRUSTFORM_HOST_CACHE:-/var/cache/trustform-testhost}/booted-builds
  files=$(cd "$SRC_DIR" && git ls-files -z --cached --others --exclude-standard 2>/dev/null |
    while IFS= read -r -d '' f; do [ ! -f "$f" ] || printf '%s\n' "$f"; done |
    grep -v -e '^build' -e '^debian/\.debhelper' -e '^debian/trustform/' -e '^obj-' | LC_ALL=C sort)
  [ -n "$files" ] || _booted_fail "cannot list the source files of $SRC_DIR (git ls-files)"
  # The key: what the binary is built from (not the tests, not the docs).
  hash=$(cd "$SRC_DIR" && printf '%s\n' "$files" |
    grep -v -e '^tests/' \
      -e '\.md$' -e '^ansible/' -e '^examples/' -e '^man/' -e '^bench/' -e '^scripts/' -e '^debian/' |
    tr '\n' '\0' | xargs -0 sha256sum | sha256sum | cut -c1-16)
  key=$(basename "$BOOTED_BASE")-$hash
  inst=$cache/$key
  mkdir -p "$cache"
  if [ ! -f "$inst/.ready" ]; then
    exec 8>"$cache/.lock-$key"
    flock 8
    if [ ! -f "$inst/.ready" ]; then
      local t0=$SECONDS
      mkdir -p "$B/usr/src/trustform"
      (cd "$SRC_DIR" && printf '%s\n' "$files" | tr '\n' '\0' |
        xargs -0 cp --parents -t "$B/usr/src/trustform") ||
        _booted_fail "cannot copy the source into $B/usr/src/trustform"
      if ! in_booted_sh 'cd /usr/src/trustform &&
          cmake -S . -B /var/tmp/tf-build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr &&
          nice cmake --build /var/tmp/tf-build --target trustform -j2 &&
          DESTDIR=/var/tmp/tf-inst cmake --install /var/tmp/tf-build' >"$T/booted-build.log" 2>&1; then
        tail -40 "$T/booted-build.log" | sed 's/^/  /' >&2
        _booted_fail "trustform does not build from source in $BOOTED_SUITE (log above)"
      fi
      rm -rf "$inst.tmp"
      cp -a "$B/var/tmp/tf-inst" "$inst.tmp"
      cp "$T/booted-build.log" "$inst.tmp/.build.log"
      touch "$inst.tmp/.ready"
      mv "$inst.tmp" "$inst"
      rm -rf "$B/usr/src/trustform" "$B/var/tmp/tf-build" "$B/var/tmp/tf-inst"
      echo "booted: trustform built in $BOOTED_SUITE in $((SECONDS - t0)) s (cached as $inst)"
    fi
    exec 8>&-
  fi
  (cd "$inst" && tar -c --exclude=./.ready --exclude=./.build.log .) | tar -x -C "$B" ||
    _booted_fail "cannot install trustform from $inst"
  install -m 644 "$SRC_DIR/debian/trustform.trustform-drift.service" "$B/usr/lib/systemd/system/trustform-drift.service"
  install -m 644 "$SRC_DIR/debian/trustform.trustform-drift.timer" "$B/usr/lib/systemd/system/trustform-drift.timer"
  install -m 644 "$SRC_DIR/debian/trustform.default" "$B/etc/default/trustform"
  mkdir -p "$B/etc/trustform"
  in_booted systemctl daemon-reload
  in_booted trustform --version >/dev/null || _booted_fail "the installed trustform does not run"
}
