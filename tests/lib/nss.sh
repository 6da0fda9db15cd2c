# NSS databases (nss store): users, databases, profiles.
# Sourced by common.sh; the helpers of one store family.

# --- NSS databases (nss store) ----------------------------------------------

# mk_user ROOT NAME UID: a user of the sandbox (etc/passwd, etc/group, a home
# owned by UID). The id need not exist on the host. $T is opened to others so
# that trustform's child, running as UID, can reach the sandbox.
mk_user() {
  local r=$1 name=$2 uid=$3
  chmod 755 "$T"
  mkdir -p "$r/etc" "$r/home/$name"
  [ -s "$r/etc/passwd" ] || printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
  [ -s "$r/etc/group" ] || printf 'root:x:0:\n' >"$r/etc/group"
  printf '%s:x:%s:%s:%s:/home/%s:/bin/sh\n' "$name" "$uid" "$uid" "$name" "$name" >>"$r/etc/passwd"
  printf '%s:x:%s:\n' "$name" "$uid" >>"$r/etc/group"
  chown "$uid:$uid" "$r/home/$name"
}

# certutil that never waits for a password on a terminal
nss_certutil() { certutil "$@" </dev/null; }

# mk_nssdb DIR [UID]: an empty NSS database as certutil -N makes it, owned by UID
mk_nssdb() {
  mkdir -p "$1"
  nss_certutil -N -d "sql:$1" --empty-password
  [ -z "${2:-}" ] || chown -R "$2:$2" "$1"
}

# nss_add DIR NICK TRUST PEM: what a user or another tool would put there
nss_add() { nss_certutil -A -d "sql:$1" -n "$2" -t "$3" -i "$4"; }

# nss_trust DIR NICK: the trust flags certutil -L shows for NICK ("" if absent)
nss_trust() {
  nss_certutil -L -d "sql:$1" | awk -v n="$2" '
    NR > 4 { name = substr($0, 1, 60); sub(/ +$/, "", name); t = substr($0, 62)
             gsub(/ /, "", t); if (name == n) print t }'
}

# mk_firefox_profile HOME NAME DIRNAME [UID]: a profiles.ini entry and its database
mk_firefox_profile() {
  local home=$1 name=$2 dir=$3 uid=${4:-}
  mkdir -p "$home/.mozilla/firefox"
  local n; n=$(grep -c '^\[Profile' "$home/.mozilla/firefox/profiles.ini" 2>/dev/null || true)
  printf '[Profile%s]\nName=%s\nIsRelative=1\nPath=%s\n\n' "${n:-0}" "$name" "$dir" \
    >>"$home/.mozilla/firefox/profiles.ini"
  mk_nssdb "$home/.mozilla/firefox/$dir"
  [ -z "$uid" ] || chown -R "$uid:$uid" "$home/.mozilla"
}


# nss_three_users ROOT BASE: users u1..u3 (uids BASE+1..BASE+3) in ROOT, each
# with an empty Chrome database their own, and $T/cfg/trust.yaml giving CA
# corp ($T/cfg/cas/corp.pem) to an nss store of their three databases.
nss_three_users() {
  local r=$1 base=$2 i
  for i in 1 2 3; do
    mk_user "$r" "u$i" "$((base + i))"
    mk_nssdb "$r/home/u$i/.pki/nssdb"; chown -R "$((base + i)):$((base + i))" "$r/home/u$i"
  done
  mkdir -p "$T/cfg/cas"; mk_ca "$T/cfg/cas/corp" "/CN=Corp Root"
  cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  browsers: { type: nss, discover: [chrome], users: [u1, u2, u3] }
roles:
  desk: { cas: [corp], stores: [browsers] }
hosts:
  h: [desk]
YAML
}
