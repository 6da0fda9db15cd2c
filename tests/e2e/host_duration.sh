#!/usr/bin/env bash
# One Go-duration parser (util/goduration.c) for `trustform validate` and the
# Caddy store, checked string by string against Caddy 2.11's own parser: the
# sid test host's caddy adapts a Caddyfile whose pki block sets
# intermediate_lifetime, and trustform validate reads the same string. They
# agree on every row, except that trustform refuses negative lifetimes, which
# Caddy reads but cannot issue for (the message says so).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"
testhost_up
echo "caddy in the test host: $(in_host caddy version)"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/r" "/CN=R"
mkdir -p "$H/tmp/d"
rows=(0 +5h -5h 43800h 1825d 30d 0.5d 1.5d 2d12h 1h1d 1h30m 1.5h .5h 5.h 300ms 2us 2µs 2μs 10ns
      1..5h 1h30 5hours h d 1hd . -. .s 10 3000000h 9223372036854775807ns 9223372036854775808ns
      -9223372036854775808ns 1.2.3d 1d2d +0 -0 0d +1d)
for s in "${rows[@]}"; do
  printf '{\n\tpki {\n\t\tca local {\n\t\t\tintermediate_lifetime %s\n\t\t}\n\t}\n}\n' "$s" >"$H/tmp/d/Caddyfile"
  caddy_ok=0
  in_host caddy adapt --config /tmp/d/Caddyfile --adapter caddyfile >/dev/null 2>"$T/caddy.err" || caddy_ok=1
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  r: { file: cas/r.pem, caddy: local }
stores:
  system: { type: system }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  caddyfile: /etc/caddy/Caddyfile
  intermediate_lifetime: "$s"
roles:
  edge: { cas: [r], stores: [system], caddy: true }
hosts:
  h: [edge]
YAML
  tf_ok=0
  tf validate -c "$C/trust.yaml" >"$T/tf.out" 2>&1 || tf_ok=1
  want=$caddy_ok
  case "$s" in
    -0 | -0d) ;;            # zero is not negative
    -*[0-9]*)
      if [ "$caddy_ok" = 0 ]; then
        # Caddy reads a negative duration; trustform refuses it, saying why
        check "\"$s\": trustform refuses a negative lifetime" test "$tf_ok" = 1
        check "\"$s\": and says so" grep -q 'is negative' "$T/tf.out"
        continue
      fi ;;
  esac
  if [ "$tf_ok" = "$want" ]; then pass; else
    fail "\"$s\": caddy adapt $([ "$caddy_ok" = 0 ] && echo accepts || echo refuses), trustform validate $([ "$tf_ok" = 0 ] && echo accepts || echo refuses)"
    sed 's/^/  caddy: /' "$T/caddy.err" >&2; sed 's/^/  tf: /' "$T/tf.out" >&2
  fi
done
done_testing
