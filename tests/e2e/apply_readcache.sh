#!/usr/bin/env bash
# The read cache (reconcile/readcache.c): after an apply, plans take the state
# of an NSS database and of a PKCS#12 truststore from the cache, reading
# neither (no NSS child is started) — but only while everything the read
# depends on is unchanged. Any change by another tool (certutil, keytool), a
# changed owner, a changed password or configuration is a miss and a full
# read, and a cached plan always says what a full read says.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
mk_user "$R" alice 4242
C=$T/cfg; mkdir -p "$C/cas" "$R/opt/app"
mk_ca "$C/cas/corp" "/CN=Cache Corp Root"
mk_ca "$C/cas/lab" "/CN=Cache Lab Root"
mk_ca "$T/foreign" "/CN=Cache Foreign Root"
DB=$R/home/alice/.pki/nssdb
mk_nssdb "$DB"; chown -R 4242:4242 "$R/home/alice"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
stores:
  browsers: { type: nss, discover: [chrome], users: [alice] }
  jdk: { type: java, path: /opt/app/truststore.p12, password: changeit }
roles:
  node: { cas: [corp, lab], stores: [browsers, jdk] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)
# processes the plan forks: one per NSS database it reads (threads, and the
# CLONE_VM tracer a sanitizer build starts at exit, are not readers)
children() { strace -f -qq -e trace=clone,clone3,fork,vfork -o "$T/st" "$TRUSTFORM" plan "${args[@]}" >/dev/null 2>&1 || true
  grep -E 'clone|fork' "$T/st" | grep -vc 'CLONE_VM' || true; }
# a plan with the cache, and the same without: same output, same exit code
same_as_full_read() {
  local a=0 b=0
  tf plan "${args[@]}" --detailed-exitcode >"$T/cached.out" 2>&1 || a=$?
  TRUSTFORM_READ_CACHE=off tf plan "${args[@]}" --detailed-exitcode >"$T/full.out" 2>&1 || b=$?
  diff -u "$T/full.out" "$T/cached.out" && [ "$a" = "$b" ]
}

expect_rc 2 "first plan" tf plan "${args[@]}" --detailed-exitcode
check "no cache before an apply" test ! -d "$R/var/cache/trustform/read"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "apply wrote the cache, root-only" test "$(stat -c %a "$R/var/cache/trustform/read")" = 700
n=$(children); check "a cached plan reads no database (children: $n)" test "$n" = 0
n=$(TRUSTFORM_READ_CACHE=off children); check "without the cache it reads it (children: $n)" test "$n" -gt 0
check "cached plan = full read (clean)" same_as_full_read
expect_rc 0 "cached plan is clean" tf plan "${args[@]}" --detailed-exitcode

# Another tool changes the database: a miss, and the change is seen.
nss_certutil -M -d "sql:$DB" -n trustform-corp -t ",,"
check "trust changed by certutil: cached plan = full read" same_as_full_read
check "and it is drift" grep -q 'trust   = ",," -> "C,,"' "$T/cached.out"
expect_rc 0 "repair" tf apply "${args[@]}" --auto-approve
nss_add "$DB" "Foreign" "C,," "$T/foreign.pem"
check "a foreign certificate added: cached plan = full read" same_as_full_read
expect_rc 0 "show lists it" tf show "${args[@]}"
check "show sees the foreign certificate" out_has "CN=Cache Foreign Root"

# The truststore: keytool removes an entry; a wrong password is not hidden.
keytool -delete -alias trustform-lab -keystore "$R/opt/app/truststore.p12" -storepass changeit \
  -storetype PKCS12 >/dev/null 2>&1
check "an alias deleted by keytool: cached plan = full read" same_as_full_read
check "and it is drift" grep -q '# jdk (java): lab will be added' "$T/cached.out"
expect_rc 0 "repair" tf apply "${args[@]}" --auto-approve
n=$(children); check "cached again after the apply (children: $n)" test "$n" = 0
sed -i 's/password: changeit/password: wrong-password/' "$C/trust.yaml"
check "a changed password: cached plan = full read" same_as_full_read
check "and the wrong password is an error" grep -q 'jdk (java)' "$T/cached.out"
sed -i 's/password: wrong-password/password: changeit/' "$C/trust.yaml"

# Ownership is part of the key: the reader runs as the owner.
expect_rc 0 "back to clean" tf plan "${args[@]}" --detailed-exitcode
chown 4243:4243 "$DB/cert9.db"
check "a changed owner: cached plan = full read" same_as_full_read
check "and it is refused" grep -q 'owned by' "$T/cached.out"
chown 4242:4242 "$DB/cert9.db"

# A changed configuration is a miss too (labels can depend on its names).
sed -i 's/  lab: { file: cas\/lab.pem }/  lab2: { file: cas\/lab.pem }/; s/\[corp, lab\]/[corp, lab2]/' "$C/trust.yaml"
check "a renamed CA: cached plan = full read" same_as_full_read
check "and it is an update" grep -q 'lab2 will be updated in place' "$T/cached.out"

# What an NSS apply child wrote fills the cache without another read (one
# child to read, one to apply), and is what a full read finds: a rename, a
# removal, a distrust.
applied_children() { strace -f -qq -e trace=clone,clone3,fork,vfork -o "$T/st" "$TRUSTFORM" apply "${args[@]}" --auto-approve >/dev/null 2>&1 || true
  grep -E 'clone|fork' "$T/st" | grep -vc 'CLONE_VM' || true; }
n=$(applied_children); check "rename applied, read back from the apply (children: $n)" test "$n" = 2
check "after a rename: cached plan = full read" same_as_full_read
sed -i 's/\[corp, lab2\]/[corp]/' "$C/trust.yaml"
n=$(applied_children); check "removal applied, read back from the apply (children: $n)" test "$n" = 2
check "after a removal: cached plan = full read" same_as_full_read
check "and it is clean" grep -q 'No changes' "$T/cached.out"
sed -i 's/  lab2: { file: cas\/lab.pem }/  lab2: { file: cas\/lab.pem, ensure: distrusted }/' "$C/trust.yaml"
n=$(applied_children); check "distrust applied, read back from the apply (children: $n)" test "$n" = 2
check "after a distrust: cached plan = full read" same_as_full_read
check "and it is clean" grep -q 'No changes' "$T/cached.out"
nss_certutil -L -d "sql:$DB" >"$T/list"
check "the database holds it distrusted" grep -Eq 'trustform-lab2 +p,p,p' "$T/list"
done_testing
