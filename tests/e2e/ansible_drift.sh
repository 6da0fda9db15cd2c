#!/usr/bin/env bash
# The Ansible module reads trustform's one verdict: in check mode, a host
# whose stores match but whose endpoint (connects_to) clients would refuse even
# after apply FAILS the task, with the endpoint named; the same host with its
# endpoint trusted is ok and unchanged; a host with store changes is changed.
# The real ansible-playbook runs the module on this machine (connection local)
# with the built trustform, under --root; a real openssl s_server on 127.0.0.1.
. "$(dirname "$0")/../lib/common.sh"

command -v ansible-playbook >/dev/null || { echo "FAIL: ansible-playbook is not installed (scripts/deps.txt)" >&2; exit 1; }
export HOME=$T/home ANSIBLE_COLLECTIONS_PATH=$SRC_DIR/ansible ANSIBLE_LOCAL_TEMP=$T/home/.ansible/tmp \
       ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_STDOUT_CALLBACK=default
mkdir -p "$HOME"

R=$T/root; mk_root "$R"
mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/root" "/CN=Ansible Drift Root"
mk_leaf "$T/good" "$T/cfg/cas/root" localhost
mk_ca "$T/cfg/cas/soon" "/CN=Ansible Soon Root" 5
soon_end=$(date -u -d "$(openssl x509 -in "$T/cfg/cas/soon.pem" -noout -enddate | cut -d= -f2)" +%F)
mk_ca "$T/other" "/CN=Someone Else"
mk_leaf "$T/bad" "$T/other" localhost
p_good=$(free_port); start_tls_server "$T/good" "$p_good"
p_bad=$(free_port); start_tls_server "$T/bad" "$p_bad"
cfg() {
  cat >"$T/cfg/trust.yaml" <<YAML
version: 1
cas:
  root: { file: cas/root.pem }
  soon: { file: cas/soon.pem }
stores:
  app: { type: pem-bundle, path: /etc/app/ca.pem }
roles:
  r:
    cas: [root${2:+, $2}]
    stores: [app]
    connects_to: [https://localhost:$1]
hosts:
  h: [r]
YAML
}
cat >"$T/play.yml" <<YAML
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: trust
      trustform.trust.trustform:
        config: $T/cfg/trust.yaml
        root: $R
        host: h
        binary: $TRUSTFORM
YAML
# Ansible wraps a warning at the terminal's width: read it as one line
warned() { cat "$T/.out" "$T/.err" | tr '\n' ' ' | grep -q "$1"; }
play() { ansible-playbook -i localhost, -e ansible_python_interpreter=/usr/bin/python3 "$T/play.yml" "$@"; }

cfg "$p_good"
expect_rc 0 "check mode, store changes: ok" play --check
check "check mode, store changes: changed" out_has "changed=1"
expect_rc 0 "apply" play
expect_rc 0 "check mode, clean: ok" play --check
check "check mode, clean: unchanged" out_has "changed=0"
check "check mode, clean: not failed" out_has "failed=0"

cfg "$p_good" soon
expect_rc 0 "apply a CA that expires in 5 days" play
check "apply: the expiring CA is a warning with its date" \
  warned "WARNING\]: CA \"soon\" (cas/soon.pem) expires on $soon_end"
expect_rc 0 "check mode, a CA within its renewal window: ok" play --check
check "check mode, expiring: unchanged" out_has "changed=0"
check "check mode, expiring: not failed" out_has "failed=0"
check "check mode, expiring: warned with the date and the store" \
  warned "WARNING\]: CA \"soon\" (cas/soon.pem) expires on $soon_end, in [0-9]* days.*(stores: app)"

cfg "$p_bad"
expect_rc 2 "check mode, endpoint refused: the play fails" play --check
check "check mode, endpoint refused: failed=1" out_has "failed=1"
check "check mode, endpoint refused: names it" out_has "clients would refuse 1 endpoint(s) even after apply: https://localhost:$p_bad"
done_testing
