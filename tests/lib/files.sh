# File stores (python, systemd-env, pem-bundle): venvs and clean client environments.
# Sourced by common.sh; the helpers of one store family.

# --- runtimes (issue 4) -----------------------------------------------------

# mk_certifi_venv DIR: a venv carrying a real certifi (scripts/mk-certifi-venv.sh)
mk_certifi_venv() { "$SRC_DIR/scripts/mk-certifi-venv.sh" "$1"; }

# run_clean CMD...: run a client with a clean environment, so that variables of
# the machine (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, ...) do
# not decide what it trusts; extra "K=V" words may precede the command.
run_clean() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$T" LANG=C.UTF-8 "$@"; }
