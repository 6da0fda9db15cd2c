#!/usr/bin/env bash
# Deno and Bun, proven by themselves: their Linux x64 binaries as the npm
# registry publishes them (@deno/linux-x64-glibc, @oven/bun-linux-x64),
# fetched with `npm pack` at test time and cached outside the tree
# ($PEER_CACHE/npm; delete it to test newer releases). Each runs fetch()
# (tests/clients/fetch.mjs) against an HTTPS server on 127.0.0.1 with exactly
# the environment of a systemd-env unit (DENO_CERT, NODE_EXTRA_CA_CERTS: the
# bundle) and of a login shell (shell-env: DENO_TLS_CA_STORE=system,
# NODE_USE_SYSTEM_CA=1: the system store, written by a system store of the
# same role). The flags make the runtimes read the system store at its real
# path, /etc/ssl/certs/ca-certificates.crt: they run in a private mount
# namespace where the tree's /etc/ssl/certs is mounted there. Each refuses
# before apply and connects after. Bun also reads the hashed links of
# /etc/ssl/certs without NODE_USE_SYSTEM_CA (proven below).
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS_DIR/lib/clients.sh"

# npm_peer PACKAGE: the cached package directory of PACKAGE, fetched when absent.
npm_peer() {
  local pkg=$1 dir=$PEER_CACHE/npm/${1//\//+}
  if [ ! -f "$dir/package/package.json" ]; then
    command -v npm >/dev/null || { echo "npm is not installed (apt-get install npm with Debian's nodejs; NodeSource's nodejs ships it), so $pkg cannot be fetched" >&2; return 1; }
    mkdir -p "$T/pack" "$PEER_CACHE/npm"
    if ! (cd "$T/pack" && npm pack "$pkg" --pack-destination "$T/pack" --cache "$T/npm-cache") >"$T/pack.log" 2>&1; then
      echo "npm pack $pkg failed, so it cannot be proven here (the registry npm is configured with: $(npm config get registry 2>/dev/null | sed 's|//[^/]*|//<host>|'))" >&2
      tail -5 "$T/pack.log" >&2; return 1
    fi
    rm -rf "$dir.$$"; mkdir -p "$dir.$$"
    tar -xzf "$T"/pack/*.tgz -C "$dir.$$" && rm -f "$T"/pack/*.tgz &&
      { rm -rf "$dir"; mv "$dir.$$" "$dir"; } || { echo "unpacking $pkg failed" >&2; return 1; }
  fi
  echo "$dir/package"
}
DENO=$(npm_peer @deno/linux-x64-glibc)/deno || { fail "Deno could not be fetched (above)"; done_testing; exit 1; }
BUN=$(npm_peer @oven/bun-linux-x64)/bin/bun || { fail "Bun could not be fetched (above)"; done_testing; exit 1; }
echo "peers: $("$DENO" --version | head -1); bun $("$BUN" --version)"
with_system_certs / true 2>"$T/ns.err" ||
  { fail "unshare --mount is not available, so the system-store flags cannot be proven: $(cat "$T/ns.err")"; done_testing; exit 1; }

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_leaf "$T/leaf" "$C/cas/corp"
mkdir -p "$R/usr/lib/systemd/system"
printf '[Service]\nExecStart=/usr/local/bin/app\n' >"$R/usr/lib/systemd/system/app.service"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  system: { type: system }
  app: { type: systemd-env, unit: app.service, env: [DENO_CERT, NODE_EXTRA_CA_CERTS] }
  shell: { type: shell-env, env: [DENO_TLS_CA_STORE, NODE_USE_SYSTEM_CA] }
roles:
  r: { cas: [corp], stores: [system, app, shell] }
hosts:
  h: [r]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)
W=$T/www; mkdir -p "$W"; echo hello >"$W/index.html"
start_https_files "$T/leaf" "$W"; U=https://127.0.0.1:$HTTPS_PORT/index.html

deno_fetch() {
  with_system_certs "${SYSDIR:-$R/etc/ssl/certs}" env -i PATH=/usr/bin:/bin HOME="$T/home" DENO_DIR="$T/deno" \
    DENO_NO_UPDATE_CHECK=1 $(cat "$1") "$DENO" run --allow-net "$TESTS_DIR/clients/fetch.mjs" "$U" >"$T/c.out" 2>"$T/c.err"
}
bun_fetch() {
  with_system_certs "${SYSDIR:-$R/etc/ssl/certs}" env -i PATH=/usr/bin:/bin HOME="$T/home" \
    $(cat "$1") "$BUN" "$TESTS_DIR/clients/fetch.mjs" "$U" >"$T/c.out" 2>"$T/c.err"
}
refused() {
  ! "$@" && grep -qiE "UnknownIssuer|unable to verify|certificate" "$T/c.err" ||
    { echo "  ($1 with $(cat "$2"): not refused for the certificate)" >&2; sed 's/^/  err: /' "$T/c.err" >&2; return 1; }
}
connects() { "$@" && grep -qx 200 "$T/c.out" || { echo "  ($1 with $(cat "$2") failed)" >&2; sed 's/^/  err: /' "$T/c.err" >&2; return 1; }; }
envs() {
  unit_env_file "$R" app.service "$T/unit.env"
  shell_env_file "$R" "$T/shell.env" DENO_TLS_CA_STORE NODE_USE_SYSTEM_CA
}
mkdir -p "$T/home"
envs
for c in deno_fetch bun_fetch; do
  check "unit: $c refused before apply" refused $c "$T/unit.env"
  check "shell: $c refused before apply" refused $c "$T/shell.env"
done

expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode
check "plan: DENO_CERT adds" out_has "DENO_CERT adds /etc/trustform/bundles/app.pem to the roots of Deno"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "plan clean" tf plan "${args[@]}" --detailed-exitcode
envs
check "unit env: DENO_CERT" grep -qx "DENO_CERT=$R/etc/trustform/bundles/app.pem" "$T/unit.env"
check "unit env: NODE_EXTRA_CA_CERTS" grep -qx "NODE_EXTRA_CA_CERTS=$R/etc/trustform/bundles/app.pem" "$T/unit.env"
check "shell env: DENO_TLS_CA_STORE=system" grep -qx "DENO_TLS_CA_STORE=system" "$T/shell.env"
check "shell env: NODE_USE_SYSTEM_CA=1" grep -qx "NODE_USE_SYSTEM_CA=1" "$T/shell.env"
for c in deno_fetch bun_fetch; do
  check "unit: $c connects after apply" connects $c "$T/unit.env"
  check "shell: $c connects after apply (the system store)" connects $c "$T/shell.env"
done
# What the flags change. Deno without DENO_TLS_CA_STORE keeps its Mozilla
# roots: refused although the system store holds corp.
: >"$T/none.env"
check "deno without DENO_TLS_CA_STORE: refused (its Mozilla roots)" refused deno_fetch "$T/none.env"
# Bun reads the hashed directory /etc/ssl/certs (<hash>.0 links) even without
# NODE_USE_SYSTEM_CA, and the system bundle file only with it: with the tree's
# whole /etc/ssl/certs it connects without the flag; with a directory that
# holds only ca-certificates.crt it is refused without the flag and connects
# with it.
check "bun without NODE_USE_SYSTEM_CA: reads the hashed links" connects bun_fetch "$T/none.env"
SYSDIR=$T/fileonly; mkdir -p "$SYSDIR"; cp "$R/etc/ssl/certs/ca-certificates.crt" "$SYSDIR/"
check "bun without NODE_USE_SYSTEM_CA, the bundle file only: refused" refused bun_fetch "$T/none.env"
check "bun with NODE_USE_SYSTEM_CA=1, the bundle file only: connects" connects bun_fetch "$T/shell.env"
check "deno with DENO_TLS_CA_STORE=system, the bundle file only: connects" connects deno_fetch "$T/shell.env"
unset SYSDIR
# Outside the namespace (the machine's /etc/ssl/certs, without corp), the
# runtimes also take the system bundle from SSL_CERT_FILE: Deno with
# DENO_TLS_CA_STORE=system (rustls' native roots honour it), Bun even without
# NODE_USE_SYSTEM_CA.
printf 'SSL_CERT_FILE=%s\n' "$R/etc/ssl/certs/ca-certificates.crt" >"$T/file.env"
cat "$T/shell.env" "$T/file.env" >"$T/shell-file.env"
plain() { # plain deno_fetch|bun_fetch ENVFILE: without the namespace
  local f; f=$(declare -f "$1" | sed 's/with_system_certs "[^"]*" //'); eval "${f/$1/_plain}"; _plain "$2"
}
check "deno, DENO_TLS_CA_STORE=system and SSL_CERT_FILE: connects" connects plain deno_fetch "$T/shell-file.env"
check "deno, DENO_TLS_CA_STORE=system alone: refused (the machine's store)" refused plain deno_fetch "$T/shell.env"
check "deno, SSL_CERT_FILE alone: refused (its Mozilla roots)" refused plain deno_fetch "$T/file.env"
check "bun, SSL_CERT_FILE alone: connects" connects plain bun_fetch "$T/file.env"
done_testing
