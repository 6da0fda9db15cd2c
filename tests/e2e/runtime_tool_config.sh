#!/usr/bin/env bash
# The configuration-file stores, proven by their tools: pip (`pip download`
# from an HTTPS simple index), npm (`npm view` against an HTTPS registry stub)
# and git (`git ls-remote` of a repository served over HTTPS), all from one
# python3 HTTPS server on 127.0.0.1 with a leaf of the store's CA. The tools
# run in a mount namespace where the tree's /etc and /usr are laid over the
# host's (overlayfs, read-only: the host's files are untouched), so that they
# read the tree's /etc/pip.conf, /etc/gitconfig, /usr/etc/npmrc (this npm's
# global file: `path:`) and bundles at the paths trustform wrote into them,
# and a user's files through HOME. Each refuses before apply and connects
# after; every foreign byte of the files is kept; a user's later setting
# (~/.npmrc, an [include] of ~/.gitconfig, a [download] section of pip.conf)
# is reported as ineffective trust, naming the file and line, and the tool
# really fails while it is there, and so is a project's own (a project's
# .npmrc, a repository's .git/config); scope: user writes the users' own files,
# owned by them, and refuses a link a user put in place of one; one user's
# broken file (a damaged block, a FIFO) fails that file alone, never the
# bundle and another user's file.
. "$(dirname "$0")/../lib/common.sh"

for t in npm git unshare; do
  command -v "$t" >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
/usr/bin/python3 -m pip --version >/dev/null 2>&1 || { echo "SKIP: python3-pip is not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (users' files, mount namespaces)"; exit 77; }
mkdir -p "$T/ov/lower" "$T/ov/mnt"
unshare -m mount -t overlay tf-probe -o "lowerdir=$T/ov/lower:$T/ov/mnt" "$T/ov/mnt" 2>/dev/null ||
  { echo "SKIP: no overlayfs in a mount namespace here"; exit 77; }

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$T/other" "/CN=Other Root"
mk_leaf "$T/leaf" "$C/cas/corp"
echo 'alice:x:4242:4242::/home/alice:/bin/sh' >"$R/etc/passwd"
echo 'alice:x:4242:' >"$R/etc/group"
mkdir -p "$R/home/alice" "$R/usr/etc" "$R/etc/trustform"
chown 4242:4242 "$R/home/alice"
cp "$T/other.pem" "$R/etc/trustform/other.pem"

# The tree's own files, each with lines trustform must keep (and shadowing the
# host's files of the same names inside the namespace).
printf '# site pip settings\n[global]\ntimeout = 30\n\n[install]\nno-compile = true' >"$R/etc/pip.conf"
printf '; site npm settings\nfetch-retries=0\n[corp]\nkey=value\n' >"$R/usr/etc/npmrc"
printf '# site git settings\n[core]\n\tpager = cat\n[http "https://elsewhere.example/"]\n\tproxy = http://proxy.example:3128\n' >"$R/etc/gitconfig"
for f in etc/pip.conf usr/etc/npmrc etc/gitconfig; do cp "$R/$f" "$T/orig-${f//\//_}"; done

# One HTTPS server: a simple index with one wheel, an npm packument, a bare
# git repository (git's dumb protocol: plain files).
W=$T/www; mkdir -p "$W/simple/tfprobe" "$W/files"
port=$(free_port)
/usr/bin/python3 - "$W/files/tfprobe-1.0-py3-none-any.whl" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("tfprobe/__init__.py", "")
    z.writestr("tfprobe-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: tfprobe\nVersion: 1.0\n")
    z.writestr("tfprobe-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr("tfprobe-1.0.dist-info/RECORD", "")
PY
printf '<a href="../../files/tfprobe-1.0-py3-none-any.whl">tfprobe-1.0-py3-none-any.whl</a>\n' >"$W/simple/tfprobe/index.html"
cat >"$W/tfprobe" <<JSON
{"name":"tfprobe","dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":{"name":"tfprobe","version":"1.0.0","description":"probe package","dist":{"tarball":"https://127.0.0.1:$port/tfprobe-1.0.0.tgz"}}}}
JSON
git init -q "$T/src"
git -C "$T/src" -c user.name=t -c user.email=t@example.invalid commit -q --allow-empty -m one
git clone -q --bare "$T/src" "$W/repo.git"
git -C "$W/repo.git" update-server-info
(cd "$W" && exec /usr/bin/python3 -c '
import http.server, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2] + ".pem", sys.argv[2] + ".key")
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Quiet)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()' "$port" "$T/leaf" </dev/null >/dev/null 2>&1) &
SERVER_PID=$!
server_started "$SERVER_PID"
wait_accepting "$port" "$SERVER_PID"

# in_tree HOME CMD...: CMD with the tree's /etc and /usr laid over the host's,
# an empty environment but PATH and HOME.
mkdir -p "$T/roothome" "$T/npmcache"
in_tree() {
  local home=$1; shift
  unshare -m bash -c 'mount -t overlay tf-etc -o "lowerdir=$0/etc:/etc" /etc &&
    mount -t overlay tf-usr -o "lowerdir=$0/usr:/usr" /usr && exec "$@"' "$R" \
    env -i PATH=/usr/bin:/bin HOME="$home" npm_config_cache="$T/npmcache" \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false "$@"
}
pip_dl() { # pip_dl HOME
  rm -rf "$T/dl"
  in_tree "$1" /usr/bin/python3 -m pip download --no-deps --no-cache-dir --disable-pip-version-check \
    --retries 0 --timeout 20 -d "$T/dl" --index-url "https://127.0.0.1:$port/simple/" tfprobe \
    >"$T/pip.out" 2>&1 && [ -f "$T/dl/tfprobe-1.0-py3-none-any.whl" ]
}
# a fresh cache each time: a cached packument would answer without TLS
npm_view() { rm -rf "$T/npmcache"; in_tree "$1" npm view tfprobe description --registry "https://127.0.0.1:$port/" >"$T/npm.out" 2>&1 && grep -qx "probe package" "$T/npm.out"; }
git_ls() { in_tree "$1" git ls-remote "https://127.0.0.1:$port/repo.git" >"$T/git.out" 2>&1 && grep -q refs/heads/ "$T/git.out"; }
# Refused for the certificate, not for anything else.
pip_refused() { ! pip_dl "$1" && grep -qi "CERTIFICATE_VERIFY_FAILED" "$T/pip.out"; }
npm_refused() { ! npm_view "$1" && grep -Eqi "UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY" "$T/npm.out" || show_out npm; }
git_refused() { ! git_ls "$1" && grep -qi "certificate" "$T/git.out"; }
show_out() { sed 's/^/  tool: /' "$T/$1.out" >&2; return 1; }
shown() { local o=$1; shift; "$@" || show_out "$o"; } # shown OUT CMD...: CMD, its output shown when it fails

check "pip refuses before apply" pip_refused "$T/roothome"
check "npm refuses before apply" npm_refused "$T/roothome"
check "git refuses before apply" git_refused "$T/roothome"

cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  pip: { type: pip-config, users: [alice] }
  npm: { type: npm-config, path: /usr/etc/npmrc, users: [alice] }
  git: { type: git-config, users: [alice] }
roles:
  build: { cas: [corp], stores: [pip, npm, git] }
hosts:
  h: [build]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)
expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode
check "plan: pip.conf gets cert" out_has "/etc/pip.conf is out of date (cert = /etc/trustform/bundles/pip.pem)"
check "plan: npmrc gets cafile" out_has "/usr/etc/npmrc is out of date (cafile=/etc/trustform/bundles/npm.pem)"
check "plan: gitconfig gets sslCAInfo" out_has "/etc/gitconfig is out of date (sslCAInfo = /etc/trustform/bundles/git.pem)"
check "plan: cafile replaces npm's roots" out_has \
  "npm \`cafile\` replaces the roots of npm: /etc/trustform/bundles/npm.pem holds the 1 CA of this store and not the system set"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "plan clean after apply" tf plan "${args[@]}" --detailed-exitcode

# Every foreign byte kept: the file without trustform's block is the old one
# (pip.conf had no final newline: the block went in after [global]).
unblock() { sed '/^# trustform:begin /,/^# trustform:end /d' "$1"; }
check "pip.conf: foreign lines kept" cmp <(unblock "$R/etc/pip.conf") "$T/orig-etc_pip.conf"
check "npmrc: foreign lines kept" cmp <(unblock "$R/usr/etc/npmrc") "$T/orig-usr_etc_npmrc"
check "gitconfig: foreign lines kept" cmp <(unblock "$R/etc/gitconfig") "$T/orig-etc_gitconfig"
check "pip.conf: cert in [global]" grep -qx "cert = /etc/trustform/bundles/pip.pem" "$R/etc/pip.conf"
check "  (python's configparser reads it)" /usr/bin/python3 -c '
import configparser, sys
c = configparser.RawConfigParser(); c.read(sys.argv[1])
assert c.get("global", "cert") == "/etc/trustform/bundles/pip.pem"' "$R/etc/pip.conf"
check "git reads http.sslCAInfo" test "$(git config --file "$R/etc/gitconfig" http.sslCAInfo)" = /etc/trustform/bundles/git.pem

check "pip connects after apply" shown pip pip_dl "$T/roothome"
check "npm connects after apply" shown npm npm_view "$T/roothome"
check "git connects after apply" shown git git_ls "$T/roothome"
A=$R/home/alice
check "alice's pip connects" shown pip pip_dl "$A"
check "alice's npm connects" shown npm npm_view "$A"
check "alice's git connects" shown git git_ls "$A"

# A later setting of alice's wins over the system file's: each is an error of
# the plan naming her file and line, and her tool really fails.
mkdir -p "$A/.config/pip"
printf '[download]\ncert = /etc/trustform/other.pem\n' >"$A/.config/pip/pip.conf"
printf 'cafile=/etc/trustform/other.pem\n' >"$A/.npmrc"
printf '[user]\n\tname = Alice\n[include]\n\tpath = ~/.gitconfig-corp\n' >"$A/.gitconfig"
printf '[http]\n\tsslCAInfo = /etc/trustform/other.pem\n' >"$A/.gitconfig-corp"
expect_rc 1 "a user's override is an error" tf plan "${args[@]}" --detailed-exitcode
check "  pip's [download] cert named" out_has \
  "pip (pip-config): trust will not take effect: /home/alice/.config/pip/pip.conf:2: download.cert=/etc/trustform/other.pem wins over trustform's cert (/etc/pip.conf:4) for user alice"
check "  npm's ~/.npmrc named" out_has \
  "npm (npm-config): trust will not take effect: /home/alice/.npmrc:1: cafile=/etc/trustform/other.pem wins over trustform's cafile (/usr/etc/npmrc:4) for user alice"
check "  git's include named" out_has \
  "git (git-config): trust will not take effect: /home/alice/.gitconfig-corp:2 (read through /home/alice/.gitconfig:4, include.path): http.sslcainfo=/etc/trustform/other.pem wins over trustform's sslCAInfo"
check "alice's pip really fails" pip_refused "$A"
check "alice's npm really fails" npm_refused "$A"
check "alice's git really fails" git_refused "$A"
check "root's tools still connect" git_ls "$T/roothome"
# includeIf: whether its condition holds is not known to a plan: reported too.
printf '[includeIf "gitdir:~/work/"]\n\tpath = ~/.gitconfig-corp\n' >"$A/.gitconfig"
expect_rc 1 "an includeIf is an error" tf plan "${args[@]}" --detailed-exitcode
check "  named, with its condition" out_has \
  "/home/alice/.gitconfig-corp:2 (read through /home/alice/.gitconfig:2, includeif.gitdir:~/work/.path: wherever its condition holds)"
# Settings that turn verification off are reported as well.
printf 'strict-ssl=false\n' >"$A/.npmrc"
expect_rc 1 "strict-ssl=false is an error" tf plan "${args[@]}" --detailed-exitcode
check "  named" out_has "/home/alice/.npmrc:1: strict-ssl=false: npm then accepts any certificate; remove that line"
rm -r "$A/.config" "$A/.npmrc" "$A/.gitconfig" "$A/.gitconfig-corp"
expect_rc 0 "overrides gone: clean" tf plan "${args[@]}" --detailed-exitcode
# pip's own names: trusted_host is trusted-host, --cert is cert.
mkdir -p "$A/.config/pip"
printf '[global]\ntrusted_host = 127.0.0.1\n[download]\n--cert = /etc/trustform/other.pem\n' >"$A/.config/pip/pip.conf"
expect_rc 1 "pip's trusted_host and --cert are errors" tf plan "${args[@]}" --detailed-exitcode
check "  trusted_host named" out_has "/home/alice/.config/pip/pip.conf:2: global.trusted-host=127.0.0.1: pip then accepts any certificate"
check "  --cert named" out_has "/home/alice/.config/pip/pip.conf:4: download.cert=/etc/trustform/other.pem wins over trustform's cert"
sed -i '/trusted_host/d' "$A/.config/pip/pip.conf"
check "  and pip really reads --cert: it fails" pip_refused "$A"
rm -r "$A/.config"
# A file git includes again and again (each includeIf names ~/.gitconfig) is
# read once: ten such sections were 10^10 reads under the run lock.
for i in 0 1 2 3 4 5 6 7 8 9; do printf '[includeIf "gitdir:/nonexistent%s/"]\n\tpath = ~/.gitconfig\n' $i; done >"$A/.gitconfig"
printf '[http]\n\tsslVerify = false\n' >>"$A/.gitconfig"
expect_rc 1 "a file including itself is read once" tf plan "${args[@]}" --detailed-exitcode
check "  its setting named once" test "$(grep -c '/home/alice/.gitconfig:22: http.sslverify=false' "$T/.out")" = 1
# ... and a reader's files are capped (git's depth limit is 10: the cap is
# reached through many includes of distinct files)
: >"$A/.gitconfig"
for i in $(seq 0 99); do : >"$A/.inc$i"; printf '[include]\n\tpath = ~/.inc%s\n' $i >>"$A/.gitconfig"; done
expect_rc 1 "the files a reader reads are capped" tf plan "${args[@]}" --detailed-exitcode
check "  the cap named with the file" out_has "is not read: the files git reads for user alice hold more than 64 files"
rm -f "$A"/.inc* "$A/.gitconfig"
# A dotfile that is a link of alice's own (stow): what it sets is unknown,
# said, naming it; the plan still runs.
mkdir -p "$A/dotfiles"; printf 'strict-ssl=false\n' >"$A/dotfiles/npmrc"
ln -s dotfiles/npmrc "$A/.npmrc"; chown -h 4242:4242 "$A/dotfiles" "$A/dotfiles/npmrc" "$A/.npmrc"
expect_rc 1 "a user's linked dotfile is an error" tf plan "${args[@]}" --detailed-exitcode
check "  naming it" out_has "/home/alice/.npmrc is not read ("
check "  and what to do" out_has "replace the link with the file it points to"
rm -r "$A/.npmrc" "$A/dotfiles"
expect_rc 0 "overrides gone: clean again" tf plan "${args[@]}" --detailed-exitcode

# A project's own settings win over every file above: npm reads the project's
# .npmrc (the nearest directory up with a package.json), git a repository's
# .git/config. With projects: (npm) or a consumer unit's WorkingDirectory=
# (git), each is an error naming its line; the tool run there really fails.
# A project setting naming a bundle that holds the store's CA is fine.
mkdir -p "$R/srv/app/lib" "$R/etc/systemd/system"
echo '{"name":"app","version":"1.0.0"}' >"$R/srv/app/package.json"
printf 'cafile=/etc/trustform/other.pem\n' >"$R/srv/app/.npmrc"
git init -q "$R/srv/repo"; mkdir -p "$R/srv/repo/sub"
git -C "$R/srv/repo" config http.sslCAInfo /etc/trustform/other.pem
printf '[Service]\nExecStart=/usr/bin/true\nWorkingDirectory=-/srv/repo/sub\n' >"$R/etc/systemd/system/app.service"
sed -e 's|npm: { type: npm-config, path: /usr/etc/npmrc, users: \[alice\] }|npm: { type: npm-config, path: /usr/etc/npmrc, users: [alice], projects: [/srv/app/lib] }|' \
  -e 's|git: { type: git-config, users: \[alice\] }|git: { type: git-config, users: [alice], consumers: [{unit: app.service}] }|' \
  "$C/trust.yaml" >"$C/proj.yaml"
pargs=(-c "$C/proj.yaml" --root "$R" --host h)
in_dir() { local d=$1; shift; in_tree "$T/roothome" bash -c 'cd "$1" && shift && exec "$@"' sh "$d" "$@"; }
npm_proj() { rm -rf "$T/npmcache"; in_dir "$R/srv/app/lib" npm view tfprobe description --registry "https://127.0.0.1:$port/" >"$T/npm.out" 2>&1 && grep -qx "probe package" "$T/npm.out"; }
git_proj() { in_dir "$R/srv/repo/sub" git ls-remote "https://127.0.0.1:$port/repo.git" >"$T/git.out" 2>&1 && grep -q refs/heads/ "$T/git.out"; }
check "npm outside the project connects" shown npm npm_view "$T/roothome"
check "npm in the project really fails" eval '! npm_proj && grep -Eqi "UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY" "$T/npm.out"'
check "git in the repository really fails" eval '! git_proj && grep -qi certificate "$T/git.out"'
expect_rc 1 "a project's override is an error" tf plan "${pargs[@]}" --detailed-exitcode
check "  npm's project .npmrc named" out_has \
  "npm (npm-config): trust will not take effect: /srv/app/.npmrc:1 (read by npm run in /srv/app/lib: projects:): cafile=/etc/trustform/other.pem wins over trustform's cafile (/usr/etc/npmrc:4), so npm does not use /etc/trustform/bundles/npm.pem; remove that line, or set it to /etc/trustform/bundles/npm.pem"
gl=$(grep -n sslCAInfo "$R/srv/repo/.git/config" | cut -d: -f1)
check "  git's .git/config named, through the unit" out_has \
  "git (git-config): trust will not take effect: /srv/repo/.git/config:$gl (read by git run in /srv/repo/sub: WorkingDirectory= of app.service, /etc/systemd/system/app.service:3): http.sslcainfo=/etc/trustform/other.pem wins over trustform's sslCAInfo"
cp "$C/cas/corp.pem" "$R/etc/trustform/app.pem"
printf 'cafile=/etc/trustform/app.pem\n' >"$R/srv/app/.npmrc"
git -C "$R/srv/repo" config http.sslCAInfo /etc/trustform/app.pem
expect_rc 0 "project settings naming a bundle with the CA: clean" tf plan "${pargs[@]}" --detailed-exitcode
check "  said as a note" out_has "/srv/app/.npmrc:1 (read by npm run in /srv/app/lib: projects:): cafile=/etc/trustform/app.pem wins over trustform's cafile (/usr/etc/npmrc:4); it holds every CA of this store"
check "  npm in the project connects" shown npm npm_proj
check "  git in the repository connects" shown git git_proj
rm -r "$R/srv/app" "$R/srv/repo" "$R/etc/systemd/system/app.service" "$R/etc/trustform/app.pem"

# pip refuses a file that sets cert twice in a section: a foreign cert there
# is an error, and trustform does not add a second one.
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$R/etc/pip.conf"
expect_rc 1 "a foreign cert in [global] is an error" tf plan "${args[@]}" --detailed-exitcode
check "  naming the line" out_has "/etc/pip.conf:2: \`cert\` is set here already, and pip refuses a file that sets it twice in [global]; remove that line"
expect_rc 1 "apply fails the store" tf apply "${args[@]}" --auto-approve
check "  and leaves the file as pip reads it" /usr/bin/python3 -c '
import configparser, sys
c = configparser.RawConfigParser(); c.read(sys.argv[1])' "$R/etc/pip.conf"
printf '[global]\ntimeout = 30\n' >"$R/etc/pip.conf"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve

# scope: user writes alice's own files, as hers; a link she put in place of
# one is refused (trustform never follows a user's link as root).
R2=$T/root2; mk_root "$R2"; mkdir -p "$R2/home/alice"
cp "$R/etc/passwd" "$R/etc/group" "$R2/etc/"; chown 4242:4242 "$R2/home/alice"
sed -e 's/pip-config, users/pip-config, scope: user, users/' \
  -e 's/npm-config, path: \/usr\/etc\/npmrc, users/npm-config, scope: user, users/' \
  -e 's/git-config, users/git-config, scope: user, users/' "$C/trust.yaml" >"$C/user.yaml"
uargs=(-c "$C/user.yaml" --root "$R2" --host h)
expect_rc 0 "user scope: apply" tf apply "${uargs[@]}" --auto-approve
A2=$R2/home/alice
check "~/.config/pip/pip.conf is alice's" test "$(stat -c %u:%g "$A2/.config/pip/pip.conf" "$A2/.config/pip" "$A2/.config" | sort -u)" = 4242:4242
check "~/.npmrc is alice's" test "$(stat -c %u:%g "$A2/.npmrc")" = 4242:4242
check "~/.gitconfig is alice's" test "$(stat -c %u:%g "$A2/.gitconfig")" = 4242:4242
expect_rc 0 "user scope: clean" tf plan "${uargs[@]}" --detailed-exitcode
R_SAVE=$R; R=$R2
check "alice's pip connects (user scope)" shown pip pip_dl "$A2"
check "alice's npm connects (user scope)" shown npm npm_view "$A2"
check "alice's git connects (user scope)" shown git git_ls "$A2"
check "root's git still refuses (no system file)" git_refused "$T/roothome"
R=$R_SAVE
rm "$A2/.npmrc"; ln -s /etc/passwd "$A2/.npmrc"
expect_rc 1 "a link in alice's home is refused" tf plan "${uargs[@]}" --detailed-exitcode
check "  naming the link" out_has "/home/alice/.npmrc of user alice is not written ("
check "  and why" out_has "trustform never follows a link there"
tf apply "${uargs[@]}" --auto-approve >/dev/null 2>&1 || true
check "  apply did not write through it" cmp "$R2/etc/passwd" "$R/etc/passwd"
check "  the link is still hers" test -L "$A2/.npmrc"

# One user's broken ~/.npmrc is hers alone: a lone begin marker (or a FIFO)
# of alice's never vetoes removing a CA from the bundle and bob's file.
R4=$T/root4; mk_root "$R4"; mkdir -p "$R4/home/alice" "$R4/home/bob"
printf 'alice:x:4242:4242::/home/alice:/bin/sh\nbob:x:4243:4243::/home/bob:/bin/sh\n' >"$R4/etc/passwd"
printf 'alice:x:4242:\nbob:x:4243:\n' >"$R4/etc/group"
chown 4242:4242 "$R4/home/alice"; chown 4243:4243 "$R4/home/bob"; cp "$T/other.pem" "$C/cas/other.pem"
printf 'version: 1\ncas:\n  corp: { file: cas/corp.pem }\n  other: { file: cas/other.pem }\nstores:\n  npm: { type: npm-config, scope: user, users: [alice, bob] }\nroles:\n  build: { cas: [corp, other], stores: [npm] }\nhosts:\n  h: [build]\n' >"$C/two.yaml"
sed 's/cas: \[corp, other\], stores/cas: [other], stores/' "$C/two.yaml" >"$C/two-rm.yaml"
R_SAVE=$R; R=$R4
expect_rc 0 "two users: apply" tf apply -c "$C/two.yaml" --root "$R4" --host h --auto-approve
check "  bob's npm connects" shown npm npm_view "$R4/home/bob"
printf '# trustform:begin npm\nregistry=https://127.0.0.1/\n' >"$R4/home/alice/.npmrc"
cp "$R4/home/alice/.npmrc" "$T/alice-npmrc"
expect_rc 1 "alice's damaged block: the removal fails her file alone" \
  tf apply -c "$C/two-rm.yaml" --root "$R4" --host h --auto-approve
check "  naming her file and the fix" out_has "/home/alice/.npmrc:1: trustform's block of store npm is damaged"
check "  her file left as it is" cmp "$R4/home/alice/.npmrc" "$T/alice-npmrc"
check "  bob's npm refuses the CA removed from the bundle" npm_refused "$R4/home/bob"
expect_rc 1 "  the plan: her file alone, as trust that will not take effect" \
  tf plan -c "$C/two-rm.yaml" --root "$R4" --host h --detailed-exitcode
check "  named" out_has "trust will not take effect: /home/alice/.npmrc:1: trustform's block of store npm is damaged"
rm "$R4/home/alice/.npmrc"; mkfifo -m 0644 "$R4/home/alice/.npmrc"
expect_rc 1 "alice's FIFO: the CA back fails her file alone" \
  tf apply -c "$C/two.yaml" --root "$R4" --host h --auto-approve
check "  naming it" out_has "/home/alice/.npmrc: cannot read (is a FIFO, not a regular file)"
check "  her FIFO left as it is" test -p "$R4/home/alice/.npmrc"
check "  bob's npm connects again" shown npm npm_view "$R4/home/bob"
R=$R_SAVE

# Without users:, the users' files are not checked, and the plan says so.
sed 's/, users: \[alice\]//' "$C/trust.yaml" >"$C/nousers.yaml"
expect_rc 0 "without users:" tf plan -c "$C/nousers.yaml" --root "$R" --host h --detailed-exitcode
check "  the users' files are not checked, said" out_has \
  "npm (npm-config): users' own files (~/.npmrc) are read after /usr/etc/npmrc and may override it; they are not checked: list the users in \`users:\`"

# A venv's own pip.conf is read after every other file by the venv's pip:
# with venvs: it is checked, and its cert is an error; the venv's pip (the
# system's pip module run by the venv's python) really fails.
/usr/bin/python3 -m venv --without-pip --system-site-packages "$R/opt/app/venv"
printf '[global]\ncert = /etc/trustform/other.pem\n' >"$R/opt/app/venv/pip.conf"
sed 's|pip: { type: pip-config, users: \[alice\] }|pip: { type: pip-config, users: [alice], venvs: [/opt/app/venv] }|' \
  "$C/trust.yaml" >"$C/venv.yaml"
expect_rc 1 "a venv's cert is an error" tf plan -c "$C/venv.yaml" --root "$R" --host h --detailed-exitcode
check "  named" out_has \
  "/opt/app/venv/pip.conf:2 (read by the pip of /opt/app/venv): global.cert=/etc/trustform/other.pem wins over trustform's cert (/etc/pip.conf:3), so pip does not use"
# ... and so is the venv a consumer unit runs (its ExecStart= program in the
# venv's bin/), without venvs:
mkdir -p "$R/etc/systemd/system"
printf '[Service]\nExecStart=/opt/app/venv/bin/python -m app\n' >"$R/etc/systemd/system/api.service"
sed 's|pip: { type: pip-config, users: \[alice\] }|pip: { type: pip-config, users: [alice], consumers: [{unit: api.service}] }|' \
  "$C/trust.yaml" >"$C/venvunit.yaml"
expect_rc 1 "the venv of a consumer unit: its cert is an error" tf plan -c "$C/venvunit.yaml" --root "$R" --host h --detailed-exitcode
check "  named" out_has \
  "/opt/app/venv/pip.conf:2 (read by the pip of /opt/app/venv): global.cert=/etc/trustform/other.pem wins over trustform's cert"
rm "$R/etc/systemd/system/api.service"
pip_venv() {
  rm -rf "$T/dl"
  in_tree "$T/roothome" "$R/opt/app/venv/bin/python" -m pip download --no-deps --no-cache-dir \
    --disable-pip-version-check --retries 0 --timeout 20 -d "$T/dl" \
    --index-url "https://127.0.0.1:$port/simple/" tfprobe >"$T/pip.out" 2>&1
}
check "  the venv's pip really fails" eval '! pip_venv && grep -qi CERTIFICATE_VERIFY_FAILED "$T/pip.out"'
rm "$R/opt/app/venv/pip.conf"
expect_rc 0 "  without it: clean" tf plan -c "$C/venv.yaml" --root "$R" --host h --detailed-exitcode
check "  and the venv's pip connects" shown pip pip_venv

# An env store that sets PIP_CERT to another bundle wins over every pip
# file in login shells: an error naming that store's env:, and pip in a login
# shell really fails (the shell store holds another CA only).
mk_ca "$C/cas/lab" "/CN=Lab Root"
cat >"$C/env.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
stores:
  pip: { type: pip-config }
  shell: { type: shell-env, env: [PIP_CERT] }
roles:
  build: { cas: [corp], stores: [pip] }
  lab: { cas: [lab], stores: [shell] }
hosts:
  h: [build, lab]
YAML
expect_rc 1 "PIP_CERT of a shell-env store is an error" tf apply -c "$C/env.yaml" --root "$R" --host h --auto-approve
check "  naming the store's env:" out_has \
  "store shell (shell-env) sets PIP_CERT=/etc/trustform/bundles/shell.pem for every login shell and desktop session, and pip prefers it over every file, so pip does not use /etc/trustform/bundles/pip.pem there"
pip_login() { # pip in a login shell of the tree: PIP_CERT from its profile.d
  rm -rf "$T/dl"
  in_tree "$T/roothome" bash -c '. /etc/profile.d/trustform.sh; exec "$@"' sh /usr/bin/python3 -m pip download \
    --no-deps --no-cache-dir --disable-pip-version-check --retries 0 --timeout 20 -d "$T/dl" \
    --index-url "https://127.0.0.1:$port/simple/" tfprobe >"$T/pip.out" 2>&1
}
check "  pip in a login shell really fails" eval '! pip_login && grep -qi CERTIFICATE_VERIFY_FAILED "$T/pip.out"'
check "  pip outside one still connects" shown pip pip_dl "$T/roothome"
rm -f "$R/etc/profile.d/trustform.sh" "$R/etc/environment.d/90-trustform.conf"

# Options are checked at load, each at its line:column with the fix.
cat >"$C/bad.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  a: { type: pip-config, scope: user }
  b: { type: npm-config, bundle: "/etc/my bundle.pem" }
  c: { type: git-config, url: "http://plain.example/" }
  d: { type: npm-config, scope: user, users: [alice], path: /etc/npmrc }
roles:
  build: { cas: [corp], stores: [a, b, c, d] }
hosts:
  h: [build]
YAML
expect_rc 1 "bad options" tf plan -c "$C/bad.yaml" --root "$R" --host h
check "  scope: user without users" err_has "scope: user writes the files of users' homes; list them with users: [alice, …]"
check "  a bundle that needs quoting" err_has "the bundle path \"/etc/my bundle.pem\" is written unquoted"
check "  a URL that is not https" err_has "url \"http://plain.example/\" must be an https:// URL"
check "  path: with scope: user" err_has "path: names the system file; with scope: user"

# git's per-URL form: http."<url>".sslCAInfo reaches that URL and no other
# (the same server as https://localhost: is refused); a longer URL of a
# user's wins over it for its repositories.
R3=$T/root3; mk_root "$R3"; cp "$R/etc/passwd" "$R/etc/group" "$R3/etc/"
mkdir -p "$R3/home/alice" "$R3/usr/etc"; chown 4242:4242 "$R3/home/alice"
cat >"$C/url.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  gitu: { type: git-config, url: "https://127.0.0.1:$port/", users: [alice] }
roles:
  build: { cas: [corp], stores: [gitu] }
hosts:
  h: [build]
YAML
rargs=(-c "$C/url.yaml" --root "$R3" --host h)
expect_rc 0 "per-URL: apply" tf apply "${rargs[@]}" --auto-approve
check "  git reads http.<url>.sslCAInfo" test \
  "$(git config --file "$R3/etc/gitconfig" "http.https://127.0.0.1:$port/.sslCAInfo")" = /etc/trustform/bundles/gitu.pem
R=$R3
check "per-URL: git connects to that URL" shown git git_ls "$T/roothome"
git_ls_localhost() { in_tree "$1" git ls-remote "https://localhost:$port/repo.git" >"$T/git.out" 2>&1; }
check "per-URL: the same server by another URL is refused" \
  eval '! git_ls_localhost "$T/roothome" && grep -qi certificate "$T/git.out"'
printf '[http "https://127.0.0.1:%s/repo.git"]\n\tsslCAInfo = /etc/trustform/other.pem\n' "$port" >"$R3/home/alice/.gitconfig"
cp "$T/other.pem" "$R3/etc/trustform/other.pem"
expect_rc 1 "per-URL: a longer URL of alice's is an error" tf plan "${rargs[@]}" --detailed-exitcode
check "  named" out_has "/home/alice/.gitconfig:2: http.https://127.0.0.1:$port/repo.git.sslcainfo=/etc/trustform/other.pem wins over trustform's sslCAInfo"
check "  and alice's git really fails" git_refused "$R3/home/alice"
check "  root's still connects" shown git git_ls "$T/roothome"
R=$R_SAVE

done_testing
