#!/usr/bin/env bash
# Every kind of NSS operation across the child's pipe, and a database changed
# behind the plan. A saved plan whose database changed (certutil, between
# trustplan --out and trustapply) is refused whole, nothing changed. A plan
# applied after the CA it updates was deleted with certutil -D: that step
# ends stale ("run trustplan again") from the operation's code, and the other
# operations of the same database (a remove, an add, a distrust) are still
# carried out, by the same child.
. "$(dirname "$0")/../lib/common.sh"
R=$T/root; mk_root "$R"
mk_user "$R" ci 4245
C=$T/cfg; mkdir -p "$C/cas"
for n in corp lab new bad; do mk_ca "$C/cas/$n" "/CN=${n^} Root"; done
DB=$R/home/ci/.pki/nssdb
mk_nssdb "$DB" 4245
write_cfg() { # TRUST CAS...
  local trust=$1; shift
  { echo "version: 1"; echo "cas:"
    for n in corp lab new; do echo "  $n: { file: cas/$n.pem }"; done
    # bad is distrusted on every store of the host once it is defined
    case " $* " in *" bad "*) echo "  bad: { file: cas/bad.pem, ensure: distrusted }" ;; esac
    echo "stores:"
    echo "  chrome-ci: { type: nss, path: /home/ci/.pki/nssdb, trust: \"$trust\" }"
    echo "roles:"
    echo "  r: { cas: [$(IFS=,; echo "$*")], stores: [chrome-ci] }"
    echo "hosts:"
    echo "  h: [r]"; } >"$C/trust.yaml"
}
write_cfg "C,," corp lab
args=(-c "$C/trust.yaml" --root "$R" --host h)
expect_rc 0 "first apply" tf apply "${args[@]}" --auto-approve
check "corp is in" test "$(nss_trust "$DB" trustform-corp)" = "C,,"
check "lab is in" test "$(nss_trust "$DB" trustform-lab)" = "C,,"

# corp's trust changes (update), lab leaves (remove), new comes (add), bad is
# held distrusted (add distrusted)
write_cfg "CT,C,C" corp new bad
expect_rc 2 "plan: four steps" tf plan "${args[@]}" --detailed-exitcode --out "$T/p.plan"
check "  corp updated" out_has '~ ca "corp"'
check "  lab removed" out_has '- ca "lab"'
check "  new added" out_has '+ ca "new"'
check "  bad added as distrusted" out_has 'bad will be added as distrusted'

# a saved plan: corp's trust changed with certutil since: refused, nothing changed
nss_certutil -M -d "sql:$DB" -n trustform-corp -t c,,
chown -R 4245:4245 "$DB"
expect_rc 1 "the saved plan is refused" tf apply "$T/p.plan"
check "  says it is stale" err_has "Saved plan is stale"
check "  and to plan again" err_has "make a new plan with trustplan"
check "  lab is still there" test "$(nss_trust "$DB" trustform-lab)" = "C,,"
check "  new was not added" test -z "$(nss_trust "$DB" trustform-new)"

# a plan applied after corp was deleted with certutil -D (at the prompt)
edit="certutil -D -d sql:$DB -n trustform-corp </dev/null && chown -R 4245:4245 $DB"
expect_rc 1 "apply fails" python3 "$SRC_DIR/tests/lib/apply_meanwhile.py" "$edit" "$TRUSTFORM" apply "${args[@]}"
check "corp's step is stale" out_has 'ca "corp": failed: the database changed since the plan was made ("trustform-corp" is no longer in it); run trustplan again'
check "lab was removed" out_has 'ca "lab": removed'
check "new was added" out_has 'ca "new": added'
check "bad was added as distrusted" out_has 'ca "bad": added as distrusted'
check "the summary says to plan again" out_has "Changed since the plan was made: chrome-ci (nss). What changed there was not touched; run trustplan again"
check "lab is gone" test -z "$(nss_trust "$DB" trustform-lab)"
check "new has the new trust" test "$(nss_trust "$DB" trustform-new)" = "CT,C,C"
check "bad is distrusted" test "$(nss_trust "$DB" trustform-bad)" = "p,p,p"
check "corp was not put back" test -z "$(nss_trust "$DB" trustform-corp)"
expect_rc 2 "plan again: corp is to be added" tf plan "${args[@]}" --detailed-exitcode
check "  + corp" out_has '+ ca "corp"'
expect_rc 0 "apply the new plan" tf apply "${args[@]}" --auto-approve
check "corp has the new trust" test "$(nss_trust "$DB" trustform-corp)" = "CT,C,C"
expect_rc 0 "converged" tf plan "${args[@]}" --detailed-exitcode
done_testing
