#!/usr/bin/env python3
"""caddy_adapt_cmp.py IN.json OUT.json CA: OUT is IN with exactly one change,
apps.pki.certificate_authorities.CA.intermediate_common_name = "trustform-check"
(the stand-in for intermediate_lifetime, which Caddy 2.6.2 does not know)."""
import json
import sys

a, b, ca = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
got = b.get("apps", {}).get("pki", {}).get("certificate_authorities", {}).get(ca, {})
if got.get("intermediate_common_name") != "trustform-check":
    sys.exit(f"no intermediate_common_name for CA {ca} in the output: {got}")
node = a.setdefault("apps", {}).setdefault("pki", {}).setdefault("certificate_authorities", {})
node.setdefault(ca, {})["intermediate_common_name"] = "trustform-check"
if a != b:
    sys.exit("the adapted configs differ beyond the pki option:\n%s\n%s" % (
        json.dumps(a, sort_keys=True), json.dumps(b, sort_keys=True)))
