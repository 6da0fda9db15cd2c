# System store helpers: sandbox Debian trees, the real update-ca-certificates, listings.
# Sourced by common.sh; the helpers of one store family.

# --- sandbox roots ----------------------------------------------------------

# mk_root DIR [with-distro]: a Debian tree; with-distro copies the 142 Mozilla CAs
mk_root() {
  local r=$1
  mkdir -p "$r/etc/ssl/certs" "$r/usr/share/ca-certificates" \
    "$r/usr/local/share/ca-certificates" "$r/etc/ca-certificates/update.d"
  printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' \
    >"$r/etc/os-release"
  if [ "${2:-}" = with-distro ]; then
    cp -r /usr/share/ca-certificates/mozilla "$r/usr/share/ca-certificates/"
    (cd "$r/usr/share/ca-certificates" && find mozilla -name '*.crt' | LC_ALL=C sort) \
      >"$r/etc/ca-certificates.conf"
  else
    : >"$r/etc/ca-certificates.conf"
  fi
}

# A hook that records what it was told, for the hook tests.
mk_recording_hook() {
  local r=$1
  cat >"$r/etc/ca-certificates/update.d/record" <<HOOK
#!/bin/sh
cat >> "$r/hook.log"
echo "--" >> "$r/hook.log"
HOOK
  chmod +x "$r/etc/ca-certificates/update.d/record"
}

# Real update-ca-certificates pointed at a sandbox tree.
real_update_ca() {
  local r=$1; shift
  update-ca-certificates "$@" --certsconf "$r/etc/ca-certificates.conf" \
    --certsdir "$r/usr/share/ca-certificates" --localcertsdir "$r/usr/local/share/ca-certificates" \
    --etccertsdir "$r/etc/ssl/certs" --hooksdir "$r/etc/ca-certificates/update.d" >/dev/null 2>&1
}

# As real_update_ca, then with the tree's path taken off the link targets:
# what update-ca-certificates run inside a chroot of the tree writes (absolute
# targets as the tree sees them, e.g. /usr/share/ca-certificates/mozilla/X.crt).
# (One process rewrites the links: a readlink and an ln per link took about
# a minute on a loaded machine.)
real_update_ca_chroot_like() {
  local r=$1; shift
  r=$(cd "$r" && pwd)
  real_update_ca "$r" "$@"
  /usr/bin/python3 - "$r" <<'PY'
import os, sys
root = sys.argv[1]
d = os.path.join(root, "etc/ssl/certs")
for name in sorted(os.listdir(d)):
    p = os.path.join(d, name)
    if not os.path.islink(p):
        continue
    t = os.readlink(p)
    if t.startswith(root + "/"):
        tmp = os.path.join(d, ".relink-" + name)
        os.symlink(t[len(root):], tmp)
        os.replace(tmp, p)
PY
}

# /etc/ssl/certs of a tree, one line per entry: links with their exact text,
# files with a content hash. A target that names the tree from the host
# (what real_update_ca writes) is shown as the tree sees it; anything else,
# relative targets included, is shown as it is: comparable across trees, and
# a link the tree's own tool would rewrite shows up as a difference.
certs_dir_listing() {
  local r=$1 d f t rl rp
  rl=$(cd "$r" && pwd); rp=$(cd "$r" && pwd -P)
  d=$(cd "$r/etc/ssl/certs" && pwd -P)
  (cd "$d" && for f in $(LC_ALL=C ls -A); do
    if [ -L "$f" ]; then
      t=$(readlink "$f")
      case "$t" in
        "$rl"/*) t=${t#"$rl"} ;;
        "$rp"/*) t=${t#"$rp"} ;;
      esac
      echo "$f -> $t"
    elif [ -f "$f" ]; then echo "$f [file $(sha256sum <"$f" | cut -c1-16)]"
    else echo "$f [other]"; fi
  done)
}

# capath_of DIR: a host directory holding DIR's /etc/ssl/certs as a chroot
# into DIR sees it (absolute link targets taken under DIR), for
# `openssl verify -CApath` and `curl --capath` run from the host.
capath_of() {
  local r d f t
  r=$(cd "$1" && pwd)
  d=$(mktemp -d "$T/capath.XXXXXX")
  for f in "$r"/etc/ssl/certs/*; do
    if [ -L "$f" ]; then
      t=$(readlink "$f")
      case "$t" in /*) t=$r$t ;; esac
      ln -s "$t" "$d/${f##*/}"
    elif [ -f "$f" ]; then cp "$f" "$d/"; fi
  done
  echo "$d"
}

# A checksum of a whole tree: names, types, modes, link targets and contents.
# The run lock (which records its holder) is not part of any store, nor are
# the effect cache's entries (results of checks a plan ran, each bound to the
# exact inputs it was run with).
tree_sum() {
  (cd "$1" && find . ! -path ./var/lib/trustform/lock ! -path './var/cache/trustform/read/effect-*' \
      -printf '%p %y %m %l\n' | LC_ALL=C sort &&
    find . -type f ! -path ./var/lib/trustform/lock ! -path './var/cache/trustform/read/effect-*' -print0 | LC_ALL=C sort -z |
    xargs -0 -r sha256sum) | sha256sum | cut -d' ' -f1
}

# free_port: a TCP port on 127.0.0.1 that was free a moment ago
