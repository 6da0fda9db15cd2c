#!/usr/bin/env bash
# JDKs outside the distribution, proven by their own `java`: the machine's
# openjdk-17 copied (hard links, with a cacerts of its own) to /opt/jdk-x and
# to a SDKMAN-like home of a user (alice, who owns it), and a distro JDK whose
# cacerts links to Debian's /etc/ssl/certs/java/cacerts. Mode 1, the jdk
# store: each JDK's own lib/security/cacerts gets trustform-corp; each JDK's
# java refuses the server before apply and connects after. Mode 2, a java
# store with unit: (the JDK's file must not change): a JKS truststore and a
# drop-in JAVA_TOOL_OPTIONS=-Djavax.net.ssl.trustStore=…; /opt/jdk-y's java,
# run with exactly the unit's environment, refuses before and connects after,
# while its cacerts stays byte for byte. The client is
# tests/fixtures/java/TlsClient.java against openssl s_server on 127.0.0.1.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS_DIR/lib/clients.sh"

SRCJDK=/usr/lib/jvm/java-17-openjdk-amd64
[ -x "$SRCJDK/bin/java" ] || { fail "$SRCJDK is missing: apt-get install openjdk-17-jdk-headless (scripts/deps.txt)"; done_testing; exit 1; }
echo "peer: $("$SRCJDK/bin/java" -version 2>&1 | head -1)"
R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas" "$T/classes"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_leaf "$T/leaf" "$C/cas/corp"
port=$(free_port); start_tls_server "$T/leaf" "$port"
javac -d "$T/classes" "$TESTS_DIR/fixtures/java/TlsClient.java"

# copy_jdk DEST: the JDK as hard links (nothing of it is changed in place:
# trustform replaces cacerts by rename), with a cacerts file of its own.
copy_jdk() {
  mkdir -p "$(dirname "$1")"
  cp -al "$SRCJDK" "$1"
  rm "$1/lib/security/cacerts"
  cp /etc/ssl/certs/java/cacerts "$1/lib/security/cacerts"
}
copy_jdk "$R/opt/jdk-x"
copy_jdk "$R/opt/jdk-y"
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:4242:4242::/home/alice:/bin/bash\n' >"$R/etc/passwd"
printf 'root:x:0:\nalice:x:4242:\n' >"$R/etc/group"
SDK=$R/home/alice/.sdkman/candidates/java
copy_jdk "$SDK/17.0.9-tem"
ln -s 17.0.9-tem "$SDK/current"
# alice's second "JDK": its cacerts is her link to a file of root's.
mkdir -p "$SDK/99-evil/lib/security"; echo secret >"$R/etc/secret"
ln -s /etc/secret "$SDK/99-evil/lib/security/cacerts"
# alice owns her JDK: the directories (new ones) and the cacerts copy; the
# hard-linked files are the machine's and keep their owner.
find "$R/home/alice" -type d -exec chown 4242:4242 {} +
chown -h 4242:4242 "$SDK/17.0.9-tem/lib/security/cacerts" "$SDK/current" "$SDK/99-evil/lib/security/cacerts"
# A distro JDK: its cacerts is Debian's, which the system store feeds.
mkdir -p "$R/usr/lib/jvm/java-17-openjdk-amd64/lib/security" "$R/etc/ssl/certs/java"
cp /etc/ssl/certs/java/cacerts "$R/etc/ssl/certs/java/cacerts"
ln -s /etc/ssl/certs/java/cacerts "$R/usr/lib/jvm/java-17-openjdk-amd64/lib/security/cacerts"
mkdir -p "$R/usr/lib/systemd/system"
printf '[Service]\nExecStart=/opt/jdk-y/bin/java -jar /srv/app.jar\n' >"$R/usr/lib/systemd/system/app.service"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  jdks: { type: jdk, discover: [jvm, sdkman], users: [alice], paths: [/opt/jdk-x] }
  app: { type: java, path: /etc/trustform/java/app.jks, format: jks, password: changeit,
         unit: app.service }
roles:
  r: { cas: [corp], stores: [jdks, app] }
hosts:
  h: [r]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)

# java_of JDK [ENVFILE]: the JDK's java runs the client, with PATH and HOME
# only (and ENVFILE's variables: the unit's environment).
java_of() {
  local envf=${2:-/dev/null}
  run_env "$envf" "$1/bin/java" "${@:3}" -cp "$T/classes" TlsClient localhost "$port" >"$T/java.out" 2>&1
}
refused() { ! java_of "$@" && grep -q "unable to find valid certification path" "$T/java.out" ||
  { echo "  ($1: not refused for the certificate)" >&2; sed 's/^/  out: /' "$T/java.out" >&2; return 1; }; }
connects() { java_of "$@" && grep -q "handshake ok" "$T/java.out" ||
  { echo "  ($1 failed)" >&2; sed 's/^/  out: /' "$T/java.out" >&2; return 1; }; }
unit_env_file "$R" app.service "$T/unit.env"
ysum=$(sha256sum <"$R/opt/jdk-y/lib/security/cacerts")

check "/opt/jdk-x: refused before apply" refused "$R/opt/jdk-x"
check "SDKMAN JDK: refused before apply" refused "$SDK/17.0.9-tem"
check "/opt/jdk-y under app.service: refused before apply" refused "$R/opt/jdk-y" "$T/unit.env"

expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode
check "plan: /opt/jdk-x" out_has "# jdks (jdk /opt/jdk-x): corp will be added"
check "plan: alice's SDKMAN JDK" out_has "# jdks (jdk /home/alice/.sdkman/candidates/java/17.0.9-tem): corp will be added"
check "plan: the distro JDK is the system store's" out_has \
  "/usr/lib/jvm/java-17-openjdk-amd64: its cacerts is /etc/ssl/certs/java/cacerts, which a hook of update-ca-certificates (Debian's ca-certificates-java) makes from the system store: list the CAs in a system store for it"
check "plan: alice's link is refused" out_has "/home/alice/.sdkman/candidates/java/99-evil: "
check "  naming the link" out_has "is a symbolic link (to /etc/secret) in a directory that uid 4242 can write"
check "plan: the drop-in" out_has \
  "/etc/systemd/system/app.service.d/90-trustform-java.conf will be written: JAVA_TOOL_OPTIONS=-Djavax.net.ssl.trustStore=/etc/trustform/java/app.jks"
check "plan: what the unit's JVMs read" out_has \
  "app.service's JVMs read /etc/trustform/java/app.jks instead of their JDK's cacerts (JAVA_TOOL_OPTIONS): it holds what this store holds and nothing else"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "plan clean" tf plan "${args[@]}" --detailed-exitcode

unit_env_file "$R" app.service "$T/unit.env"
check "the unit's environment" grep -qx "JAVA_TOOL_OPTIONS=-Djavax.net.ssl.trustStore=$R/etc/trustform/java/app.jks" "$T/unit.env"
check "/opt/jdk-x: connects after apply" connects "$R/opt/jdk-x"
check "SDKMAN JDK: connects after apply" connects "$SDK/17.0.9-tem"
check "  its cacerts still alice's" test "$(stat -c %u:%g "$SDK/17.0.9-tem/lib/security/cacerts")" = 4242:4242
check "  and still a PKCS#12 keytool reads with changeit" bash -c \
  "keytool -list -keystore '$SDK/17.0.9-tem/lib/security/cacerts' -storepass changeit | grep -q '^trustform-corp, .*trustedCertEntry'"
check "/opt/jdk-y under app.service: connects after apply" connects "$R/opt/jdk-y" "$T/unit.env"
check "  picked up from JAVA_TOOL_OPTIONS" grep -q "Picked up JAVA_TOOL_OPTIONS" "$T/java.out"
check "/opt/jdk-y's cacerts unchanged" test "$(sha256sum <"$R/opt/jdk-y/lib/security/cacerts")" = "$ysum"
check "/opt/jdk-y without the unit's environment: still refused" refused "$R/opt/jdk-y"
check "the distro JDK's cacerts untouched (still the link)" test -L "$R/usr/lib/jvm/java-17-openjdk-amd64/lib/security/cacerts"
check "/etc/secret untouched" grep -qx secret "$R/etc/secret"

# discover: [opt] finds both copies in /opt.
sed -i 's/discover: \[jvm, sdkman\], users: \[alice\], paths: \[\/opt\/jdk-x\]/discover: [opt]/' "$C/trust.yaml"
expect_rc 2 "discover opt: plan" tf plan "${args[@]}" --detailed-exitcode
check "  finds /opt/jdk-y" out_has "# jdks (jdk /opt/jdk-y): corp will be added"
check "  and /opt/jdk-x is clean" bash -c "! grep -q 'jdk /opt/jdk-x): corp will be added' '$T/.out'"

# The unit sets JAVA_TOOL_OPTIONS itself: refused, naming where.
mkdir -p "$R/etc/systemd/system/app.service.d"
printf '[Service]\nEnvironment=JAVA_TOOL_OPTIONS=-Xmx1g\n' >"$R/etc/systemd/system/app.service.d/50-heap.conf"
expect_rc 1 "a unit with its own JAVA_TOOL_OPTIONS" tf plan "${args[@]}" --detailed-exitcode
check "  says where and what to do" err_has \
  "app.service sets JAVA_TOOL_OPTIONS=-Xmx1g in /etc/systemd/system/app.service.d/50-heap.conf:2, which trustform's drop-in would replace: add -Djavax.net.ssl.trustStore=/etc/trustform/java/app.jks to that setting yourself and remove unit: from this store"
rm "$R/etc/systemd/system/app.service.d/50-heap.conf"
# Settings the JVM reads after JAVA_TOOL_OPTIONS (_JAVA_OPTIONS, then the
# command line) that name another truststore: the real JVM, with exactly the
# unit's environment and command line, refuses; the plan says trust will not
# take effect, naming the file and line.
D=$R/etc/systemd/system/app.service.d
printf '[Service]\nEnvironment=_JAVA_OPTIONS=-Djavax.net.ssl.trustStore=/etc/ssl/certs/java/cacerts\n' >"$D/60-opts.conf"
unit_env_file "$R" app.service "$T/unit.env"
check "_JAVA_OPTIONS names another truststore: /opt/jdk-y under app.service refuses" refused "$R/opt/jdk-y" "$T/unit.env"
check "  having picked up both" grep -q "Picked up _JAVA_OPTIONS" "$T/java.out"
expect_rc 1 "  plan" tf plan "${args[@]}" --detailed-exitcode
check "  says trust will not take effect, where and why" out_has \
  "Error: app (java): trust will not take effect: /etc/systemd/system/app.service.d/60-opts.conf:2: _JAVA_OPTIONS=\"-Djavax.net.ssl.trustStore=/etc/ssl/certs/java/cacerts\" reaches app.service, and its JVMs read _JAVA_OPTIONS after trustform's JAVA_TOOL_OPTIONS: they read the truststore /etc/ssl/certs/java/cacerts, not /etc/trustform/java/app.jks; remove that option, or make it -Djavax.net.ssl.trustStore=/etc/trustform/java/app.jks"
check "  and does not claim the JVMs read the store" bash -c "! grep -q \"app.service's JVMs read /etc/trustform/java/app.jks\" '$T/.out'"
printf '[Service]\nEnvironment=_JAVA_OPTIONS=-Djavax.net.ssl.trustStore=/etc/trustform/java/app.jks\n' >"$D/60-opts.conf"
unit_env_file "$R" app.service "$T/unit.env"
check "_JAVA_OPTIONS naming trustform's truststore: connects" connects "$R/opt/jdk-y" "$T/unit.env"
expect_rc 2 "  and the plan has no error" tf plan "${args[@]}" --detailed-exitcode
check "  (the JVMs read the store)" out_has "app.service's JVMs read /etc/trustform/java/app.jks instead"
rm "$D/60-opts.conf"
printf '[Service]\nExecStart=\nExecStart=/opt/jdk-y/bin/java \\\n  -Djavax.net.ssl.trustStore=/etc/ssl/certs/java/cacerts -jar /srv/app.jar\n' >"$D/60-exec.conf"
unit_env_file "$R" app.service "$T/unit.env"
check "ExecStart= names another truststore: the JVM given that option refuses" \
  refused "$R/opt/jdk-y" "$T/unit.env" -Djavax.net.ssl.trustStore=/etc/ssl/certs/java/cacerts
expect_rc 1 "  plan" tf plan "${args[@]}" --detailed-exitcode
check "  says trust will not take effect, where and why" out_has \
  "trust will not take effect: /etc/systemd/system/app.service.d/60-exec.conf:3: ExecStart= of app.service passes -Djavax.net.ssl.trustStore=/etc/ssl/certs/java/cacerts, and the command line wins over trustform's JAVA_TOOL_OPTIONS"
printf '[Service]\nEnvironment=OPTS=-Djavax.net.ssl.trustStore=/srv/other.jks\nExecStart=\nExecStart=/opt/jdk-y/bin/java $OPTS -jar /srv/app.jar\n' >"$D/60-exec.conf"
expect_rc 1 "ExecStart= with \$OPTS naming another truststore: plan" tf plan "${args[@]}" --detailed-exitcode
check "  says so" out_has \
  "/etc/systemd/system/app.service.d/60-exec.conf:4: ExecStart= of app.service passes -Djavax.net.ssl.trustStore=/srv/other.jks"
rm "$D/60-exec.conf"
expect_rc 2 "all removed: the plan has no error" tf plan "${args[@]}" --detailed-exitcode
# A path that is no JDK: an error naming it; sdkman without users: at validate.
sed -i 's/discover: \[opt\]/paths: [\/srv\/nojdk]/' "$C/trust.yaml"; mkdir -p "$R/srv/nojdk"
expect_rc 1 "a path that is no JDK" tf plan "${args[@]}" --detailed-exitcode
check "  says so" err_has "/srv/nojdk has no lib/security/cacerts (is it a JDK home? the directory of bin/java)"
sed -i 's/paths: \[\/srv\/nojdk\]/discover: [sdkman]/' "$C/trust.yaml"
expect_rc 1 "sdkman without users" tf validate -c "$C/trust.yaml"
check "  says what to add" err_has "discover: [sdkman] looks in users' homes; list them with users: [alice, …]"
sed -i 's/discover: \[sdkman\]/discover: [jvm]/' "$C/trust.yaml"
# unit: with a PKCS#12 truststore: refused at validate.
sed -i 's/format: jks, //' "$C/trust.yaml"
expect_rc 1 "unit: without format: jks" tf validate -c "$C/trust.yaml"
check "  says why" err_has "unit: points the JVMs at the truststore without its password, which the JVM can do only for JKS; set format: jks"
done_testing
