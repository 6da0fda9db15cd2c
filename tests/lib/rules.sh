# Helpers of the client-rules tests (e2e/peers/rules_*): roots that break one
# rule of one client, and leaves under them that break none.

# rule_root BASE SUBJECT KEYSPEC [-addext ...]: a self-signed root with
# critical basicConstraints, keyUsage and a SKI (what every client wants),
# plus the extensions given; KEYSPEC is openssl req's -newkey argument.
rule_root() {
  local base=$1 subj=$2 key=$3; shift 3
  local -a kopt=(-newkey "$key")
  [ "$key" = ec ] && kopt+=(-pkeyopt ec_paramgen_curve:P-256)
  openssl req -x509 "${kopt[@]}" -nodes -keyout "$base.key" -subj "$subj" -days 365 -sha256 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -addext subjectKeyIdentifier=hash "$@" -out "$base.pem" 2>"$base.err" ||
    { echo "rule_root $base: $(cat "$base.err")" >&2; return 1; }
}

# rule_leaf BASE CA_BASE HOST: a P-256 leaf for HOST (and 127.0.0.1) under the CA
rule_leaf() {
  local base=$1 ca=$2 host=$3
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$base.key" \
    -subj "/O=Allowed/CN=$host" -out "$base.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=DNS:$host,IP:127.0.0.1" 'basicConstraints=CA:FALSE' \
    'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' \
    'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' >"$base.ext"
  openssl x509 -req -in "$base.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial -sha256 \
    -days 30 -extfile "$base.ext" -out "$base.pem" 2>/dev/null
}

# rule_servers NAME...: for each root $C/cas/NAME, a leaf for localhost under
# it and an openssl s_server serving it on 127.0.0.1 at ${port[NAME]}
declare -A port
rule_servers() {
  local n
  for n in "$@"; do
    rule_leaf "$T/$n" "$C/cas/$n" localhost
    port[$n]=$(free_port); start_tls_server "$T/$n" "${port[$n]}"
  done
}

# err_for STORE CA TEXT...: the last command's output has an error of STORE
# about CA that says each TEXT
err_for() {
  local store=$1 ca=$2 line t; shift 2
  line=$(grep -F "Error: $store: " "$T/.out" | grep -F "CA \"$ca\" (cas/$ca.pem)") ||
    { echo "  no error for $store, $ca" >&2; grep -F "Error: " "$T/.out" | sed 's/^/  out: /' >&2; return 1; }
  for t in "$@"; do
    grep -qF -- "$t" <<<"$line" || { echo "  lacks: $t: $line" >&2; return 1; }
  done
}
# no_err_for STORE [TEXT]: no error of STORE (that says TEXT)
no_err_for() { ! grep -F "Error: $1: " "$T/.out" | grep -qF -- "${2:-}"; }
