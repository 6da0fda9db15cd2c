#!/usr/bin/env python3
"""Certificates for the endpoint checks (e2e/check/*): exact names, SANs and
dates, which `openssl req/x509` cannot all set. One certificate per call:

  check_pki.py OUT SUBJECT_CN --issuer BASE|self [--ca] [--san DNS:x,IP:y]
               [--days-from N] [--days-to N] [--key BASE] [--sha1]

writes OUT.pem and OUT.key (P-256). --key reuses BASE.key (a CA regenerated
with the same name but a new key needs a new one; an old one the same)."""
import argparse, datetime, ipaddress, os
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ap = argparse.ArgumentParser()
ap.add_argument("out"); ap.add_argument("cn")
ap.add_argument("--issuer", default="self"); ap.add_argument("--ca", action="store_true")
ap.add_argument("--san", default=""); ap.add_argument("--key")
ap.add_argument("--sha1", action="store_true", help="a weak signature")
ap.add_argument("--days-from", type=float, default=-1); ap.add_argument("--days-to", type=float, default=30)
a = ap.parse_args()

def load_key(base):
    return serialization.load_pem_private_key(open(base + ".key", "rb").read(), None)

key = load_key(a.key) if a.key else ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, a.cn)])
if a.issuer == "self":
    iss_name, iss_key, iss_pub = name, key, key.public_key()
else:
    ic = x509.load_pem_x509_certificate(open(a.issuer + ".pem", "rb").read())
    iss_name, iss_key, iss_pub = ic.subject, load_key(a.issuer), ic.public_key()
now = datetime.datetime.now(datetime.timezone.utc)
b = (x509.CertificateBuilder().subject_name(name).issuer_name(iss_name)
     .public_key(key.public_key()).serial_number(x509.random_serial_number())
     .not_valid_before(now + datetime.timedelta(days=a.days_from))
     .not_valid_after(now + datetime.timedelta(days=a.days_to))
     .add_extension(x509.BasicConstraints(ca=a.ca, path_length=None), critical=True)
     .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
     .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(iss_pub), critical=False))
if a.ca:
    b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
else:
    b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
sans = []
for s in filter(None, a.san.split(",")):
    kind, v = s.split(":", 1)
    sans.append(x509.DNSName(v) if kind == "DNS" else x509.IPAddress(ipaddress.ip_address(v)))
if sans:
    b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
cert = b.sign(iss_key, hashes.SHA1() if a.sha1 else hashes.SHA256())
open(a.out + ".pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
if not a.key:
    fd = os.open(a.out + ".key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    os.close(fd)
