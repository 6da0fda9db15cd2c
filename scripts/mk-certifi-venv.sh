#!/usr/bin/env bash
# mk-certifi-venv.sh DIR: a Python venv (Debian's /usr/bin/python3, with the
# system site-packages for requests) that carries a real certifi with its own
# cacert.pem, as `pip install certifi` leaves it. Used by the demo and tests.
#
# Debian's python3-certifi is patched to return /etc/ssl/certs, so it cannot
# serve. The certifi used: an upstream certifi already installed on this
# machine (pure Python, copied verbatim), or else the certifi release that
# Debian's pip wheel (python3-pip-whl) vendors, as upstream ships it: pip's
# vendoring renamed its imports and Debian appended a where() that returns the
# system bundle; both are undone.
set -euo pipefail
v=$1
src=
/usr/bin/python3 -m venv --without-pip --system-site-packages "$v"
site=$(echo "$v"/lib/python3*/site-packages)
for c in $(python3 -c 'import certifi, os; print(os.path.dirname(certifi.__file__))' 2>/dev/null) \
  /root/.pyenv/versions/*/lib/python3*/site-packages/certifi; do
  if [ -f "$c/cacert.pem" ] && [ -f "$c/core.py" ] && ! grep -q DEBIAN "$c/core.py"; then src=$c; break; fi
done
if [ -n "$src" ]; then
  cp -r "$src" "$site/certifi"; rm -rf "$site/certifi/__pycache__"
  echo "certifi for the venv: $src" >&2
  exit 0
fi
whl=$(ls /usr/share/python-wheels/pip-*.whl | head -1)
echo "certifi for the venv: $whl (pip/_vendor/certifi, as upstream)" >&2
/usr/bin/python3 - "$whl" "$site" <<'PY'
import sys, zipfile, os
whl, site = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    for n in z.namelist():
        if n.startswith("pip/_vendor/certifi/") and not n.endswith("/"):
            dst = os.path.join(site, "certifi", n[len("pip/_vendor/certifi/"):])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            data = z.read(n)
            if n.endswith(".py"):
                data = data.replace(b"pip._vendor.certifi", b"certifi")
                cut = data.find(b"\n# Debian: Use system CA certs")
                if cut >= 0:
                    data = data[:cut + 1]
            open(dst, "wb").write(data)
PY
