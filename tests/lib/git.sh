# Configuration from git: sandboxed repositories and pushes.
# Sourced by common.sh; the helpers of one store family.

# --- git repositories (configuration from git) --------------------------------

# git_sandbox: a private $HOME with a git identity, and no system git config
git_sandbox() {
  export GIT_CONFIG_NOSYSTEM=1 HOME=$T/home
  mkdir -p "$HOME"
  git config --global user.name "Trust Admin"
  git config --global user.email admin@example.org
  git config --global init.defaultBranch main
}

# git_push WORK MESSAGE: commit everything in the clone WORK and push it
git_push() {
  (cd "$1" && git add -A && git commit -q -m "$2" && git push -q origin HEAD 2>/dev/null)
}

# mk_git_config BARE WORK: a bare repository and its clone holding trust.yaml
# (CA "corp" from cas/corp.pem, pinned; store system; host h), pushed to main
mk_git_config() {
  local bare=$1 work=$2
  git init -q --bare "$bare"
  git clone -q "$bare" "$work" 2>/dev/null
  mkdir -p "$work/cas"
  mk_ca "$work/cas/corp" "/CN=Git Corp Root"
  rm -f "$work/cas/corp.key"
  cat >"$work/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem, sha256: "$(fingerprint "$work/cas/corp.pem")" }
stores:
  system: { type: system }
roles:
  node: { cas: [corp], stores: [system] }
hosts:
  h: [node]
YAML
  git_push "$work" "trust.yaml"
}

# break_store ROOT: the Debian store of ROOT can no longer be read (a symlink
# loop at /etc/ssl/certs): for tests of how one failing store is reported
break_store() {
  rm -rf "$1/etc/ssl/certs"
  ln -s certs.loop "$1/etc/ssl/certs"
  ln -s certs "$1/etc/ssl/certs.loop"
}
