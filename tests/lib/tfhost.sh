# trustform itself inside a test host tree, run WITHOUT --root: the tree is its
# "/" (chroot), as on a machine where it is installed. Source it after
# testhost.sh, then:
#   tf_into_host           # copies the built binary into $H/opt/trustform-test
#   tf_host plan -c /etc/trustform/trust.yaml ...
#
# The binary is built on this machine, against its libraries; the tree is
# another Debian release. So the binary travels with the exact libraries it was
# linked with and this machine's dynamic loader, all under one directory of the
# tree, and is started by that loader (--library-path), never through the
# environment: the programs trustform runs in the tree (the venv's python,
# update-ca-certificates, openssl) use the tree's own libraries.
TF_HOST_DIR=/opt/trustform-test

tf_into_host() {
  local d=$H$TF_HOST_DIR lib
  mkdir -p "$d/lib"
  cp "$TRUSTFORM" "$d/trustform"
  ldd "$TRUSTFORM" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
    while read -r lib; do cp -L "$lib" "$d/lib/"; done
  cp -L "$(ldd "$TRUSTFORM" | awk '$1 ~ /^\/.*ld-linux/ { print $1 }')" "$d/ld.so"
}

# tf_host ARGS...: trustform ARGS inside the tree, with a clean environment
tf_host() {
  in_host "$TF_HOST_DIR/ld.so" --library-path "$TF_HOST_DIR/lib" "$TF_HOST_DIR/trustform" "$@"
}
