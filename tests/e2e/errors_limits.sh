#!/usr/bin/env bash
# Limits that other inputs have (issue 18 item 8):
#  - a tree of links in /usr/local/share/ca-certificates that fans out
#    (d_i/{x,y} -> d_{i+1}, depth 18: 2^18 paths) is walked once per
#    directory: the plan ends and its CA is seen once, not once per path;
#  - containerd's config.toml: a commented-out config_path does not count
#    (the plan says containerd's CRI will not read certs.d), nor does a
#    directory that only starts with certs.d; a real one does.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Limits Root"
mk_ca "$T/fan" "/CN=Fan Out Leaf Root"
L=$R/usr/local/share/ca-certificates/fan
mkdir -p "$L"
for i in $(seq 0 18); do mkdir -p "$L/d$i"; done
for i in $(seq 0 17); do ln -s "../d$((i + 1))" "$L/d$i/x"; ln -s "../d$((i + 1))" "$L/d$i/y"; done
cp "$T/fan.pem" "$L/d18/fan.crt"
mkdir -p "$R/etc/containerd"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  system: { type: system }
  regs: { type: registry, hosts: ["registry.corp:5000"] }
roles:
  node: { cas: [corp], stores: [system, regs] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)

expect_rc 0 "show with a fan-out tree of links ends" tf show "${args[@]}" --target system
check "the fan-out CA is listed once" test "$(grep -c 'Fan Out Leaf Root' "$T/.out")" = 1

note="does not set config_path = \"/etc/containerd/certs.d\""
printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  # config_path = "/etc/containerd/certs.d"\n' \
  >"$R/etc/containerd/config.toml"
expect_rc 0 "plan: config_path only in a comment" tf plan "${args[@]}" --target regs
check "the commented-out line does not count" out_has "$note"
printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d.old"\n' \
  >"$R/etc/containerd/config.toml"
expect_rc 0 "plan: config_path naming another directory" tf plan "${args[@]}" --target regs
check "a directory that only starts with certs.d does not count" out_has "$note"
printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"\n' \
  >"$R/etc/containerd/config.toml"
expect_rc 0 "plan: config_path set" tf plan "${args[@]}" --target regs
check "no note then" sh -c "! grep -qF 'config_path' '$T/.out'"
done_testing
