#!/usr/bin/env python3
"""Known answers for imported legacy hashes, made by passlib (PyPI
`passlib` 1.7.4, with `bcrypt` 4.0.1 as its bcrypt backend). Writes
tests/data/legacy_hashes.tsv: scheme, password (hex of its UTF-8), hash.
Each hash verifies its password; the test also checks that it does not
verify the password with one more character.

    pip install passlib bcrypt==4.0.1 && scripts/gen_legacy_hashes.py"""
import os

import passlib
from passlib.hash import bcrypt, pbkdf2_sha256, pbkdf2_sha512, sha256_crypt, sha512_crypt

PASSWORDS = ["password", "", "pässwörd", "correct horse battery staple", "\U0001F511 key",
             "x" * 71, "y" * 80]  # bcrypt reads at most 72 bytes
SCHEMES = [
    ("bcrypt", bcrypt.using(rounds=4, ident="2b")),
    ("bcrypt", bcrypt.using(rounds=5, ident="2a")),
    ("bcrypt", bcrypt.using(rounds=4, ident="2y")),
    ("pbkdf2_sha256", pbkdf2_sha256.using(rounds=1000)),
    ("pbkdf2_sha256", pbkdf2_sha256.using(rounds=29000)),
    ("pbkdf2_sha512", pbkdf2_sha512.using(rounds=1000)),
    ("sha256_crypt", sha256_crypt.using(rounds=5000)),
    ("sha256_crypt", sha256_crypt.using(rounds=1000)),
    ("sha512_crypt", sha512_crypt.using(rounds=5000)),
    ("sha512_crypt", sha512_crypt.using(rounds=2000)),
]
out = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "legacy_hashes.tsv")
with open(out, "w") as f:
    f.write(f"# scheme\tpassword (UTF-8 hex)\thash (passlib {passlib.__version__}); scripts/gen_legacy_hashes.py\n")
    for name, scheme in SCHEMES:
        for pw in PASSWORDS:
            if name == "bcrypt" and pw == "":
                continue
            h = scheme.hash(pw)
            assert scheme.verify(pw, h)
            f.write(f"{name}\t{pw.encode().hex()}\t{h}\n")
print("written")
