# A booted test system: a copy (overlay) of a cached Debian tree of SUITE
# (trixie or sid, tests/host/build-booted.sh) started with systemd as PID 1
# (systemd-nspawn -b), so that trustform runs WITHOUT --root against that
# system's own /, with real services under systemd. Source after common.sh:
#   . "$(dirname "$0")/../lib/common.sh"
#   . "$(dirname "$0")/../lib/booted.sh"
#   booted_up sid             # boots; $B is its root as seen from here
#   booted_install_trustform  # trustform from the package built for SUITE
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

# _booted_pid1 NSPAWN_PID: the child of nspawn that is the container's PID 1
# (in a PID namespace of its own) and has executed its init, or nothing
_booted_pid1() {
  local c own comm
  own=$(readlink "/proc/$1/ns/pid" 2>/dev/null) || return 0
  for c in $(pgrep -P "$1" 2>/dev/null); do
    comm=$(cat "/proc/$c/comm" 2>/dev/null) || continue
    [ "$(readlink "/proc/$c/ns/pid" 2>/dev/null)" != "$own" ] &&
      [ "$comm" != systemd-nspawn ] && { echo "$c"; return; }
  done
  return 0
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
  # The container's PID 1 is a child of nspawn once it has executed systemd.
  # nspawn first forks a short-lived helper, also its child: taking that one
  # (as a bare `pgrep -P` may) leaves nsenter a PID that is gone a moment
  # later, and the boot looks as if systemd never answered.
  for i in $(seq 1 600); do
    BOOTED_LEADER=$(_booted_pid1 "$_booted_pid")
    [ -n "$BOOTED_LEADER" ] && break
    kill -0 "$_booted_pid" 2>/dev/null || _booted_fail "systemd-nspawn ended before the system started"
    sleep 0.1
  done
  [ -n "$BOOTED_LEADER" ] || _booted_fail "systemd-nspawn started no PID 1 (systemd) within a minute"
  # Until systemd inside answers, then until it says the boot is over.
  for i in $(seq 1 600); do
    state=$(in_booted systemctl is-system-running 2>/dev/null) || true
    case $state in starting|initializing|running|degraded|maintenance) break ;; esac
    kill -0 "$_booted_pid" 2>/dev/null || _booted_fail "systemd-nspawn ended during the boot"
    sleep 0.1
  done
  state=$(in_booted timeout 600 systemctl is-system-running --wait 2>"$T/.booted.state.err") || true
  case $state in
    running) ;;
    degraded) echo "booted: $BOOTED_SUITE is degraded; failed units:" >&2
              in_booted systemctl --failed --no-legend --no-pager >&2 || true ;;
    *) _booted_fail "systemd did not finish booting: is-system-running says \"${state:-nothing}\"$(sed 's/^/ /' "$T/.booted.state.err" | tr -d '\n')" ;;
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

# booted_install_trustform: trustform installed the way users install it,
# from the package built for this suite (scripts/build-deb.sh SUITE, inside a
# build tree of that release, with the same options and package cache as the
# e2e/suite tests, so the two share one build of a given source): apt-get
# installs the .deb (with the drift units and /etc/default/trustform it
# carries) into the booted system, which already holds every library it
# depends on (the network inside is loopback only: apt fetches nothing).
booted_install_trustform() {
  local deb t0=$SECONDS
  deb=$(DEB_BUILD_OPTIONS=werror TRUSTFORM_DEB_CACHE=${TRUSTFORM_DEB_CACHE:-/var/cache/trustform-deb} \
        nice "$SRC_DIR/scripts/build-deb.sh" --suite "$BOOTED_SUITE" "$T/deb" 2>"$T/build-deb.err" | tail -1) &&
    [ -f "$deb" ] || {
    tail -40 "$T/build-deb.err" | sed 's/^/  /' >&2
    _booted_fail "the $BOOTED_SUITE package could not be built (scripts/build-deb.sh $BOOTED_SUITE; log above)"; }
  # /var/tmp: the booted system mounts a tmpfs over /tmp
  cp "$deb" "$B/var/tmp/" || _booted_fail "cannot copy $deb into the system"
  if ! in_booted env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      "/var/tmp/$(basename "$deb")" >"$T/booted-install.log" 2>&1; then
    tail -30 "$T/booted-install.log" | sed 's/^/  /' >&2
    _booted_fail "the package $(basename "$deb") does not install (log above)"
  fi
  in_booted dpkg -s trustform >/dev/null 2>&1 || _booted_fail "dpkg does not list trustform after the install"
  mkdir -p "$B/etc/trustform"
  in_booted systemctl daemon-reload
  in_booted trustform --version >/dev/null || _booted_fail "the installed trustform does not run"
  echo "booted: $(basename "$deb") installed in $((SECONDS - t0)) s"
}
