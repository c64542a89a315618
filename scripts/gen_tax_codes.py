#!/usr/bin/env python3
"""Known answers for the Italian tax codes, from a second implementation:
python-stdnum (PyPI `python-stdnum`, stdnum.it.codicefiscale and
stdnum.it.iva). Writes tests/data/tax_codes.tsv: kind, code, valid (1/0).
Codes are random but reproducible (seeded); about half are valid.

    pip install python-stdnum && scripts/gen_tax_codes.py"""
import os
import random
import string

from stdnum import luhn
from stdnum.it import codicefiscale, iva

random.seed(20261202)
OMOCODIA = "LMNPQRSTUV"
MONTHS = "ABCDEHLMPRST"
rows = []


def cf_body():
    letters = lambda n: "".join(random.choice(string.ascii_uppercase) for _ in range(n))
    digits = lambda n: "".join(random.choice(string.digits) for _ in range(n))
    day = random.choice([random.randint(1, 31), random.randint(41, 71)])
    body = list(letters(6) + digits(2) + random.choice(MONTHS) + f"{day:02d}" + letters(1) + digits(3))
    # Omocodia: replace some digits, from the right, by their letters.
    for pos in [14, 13, 12, 10, 9, 7, 6][: random.choice([0, 0, 0, 1, 2, 7])]:
        body[pos] = OMOCODIA[int(body[pos])]
    return "".join(body)


for _ in range(300):
    body = cf_body()
    good = body + codicefiscale.calc_check_digit(body)
    rows.append(("codice_fiscale", good))
    bad = body + random.choice(string.ascii_uppercase)
    rows.append(("codice_fiscale", bad))
    # A single changed character (the check must catch most of these).
    i = random.randrange(15)
    mutated = good[:i] + random.choice(string.ascii_uppercase + string.digits) + good[i + 1:]
    rows.append(("codice_fiscale", mutated))

for _ in range(300):
    office = random.choice([f"{random.randint(1, 100):03d}", "120", "121", "888", "999",
                            f"{random.randint(0, 999):03d}"])
    body = "".join(random.choice(string.digits) for _ in range(7)) + office
    good = body + luhn.calc_check_digit(body)
    rows.append(("partita_iva", good))
    rows.append(("partita_iva", body + random.choice(string.digits)))

out = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "tax_codes.tsv")
with open(out, "w") as f:
    f.write("# kind\tcode\tvalid (python-stdnum " + __import__("stdnum").__version__ + "); scripts/gen_tax_codes.py\n")
    for kind, code in rows:
        valid = (codicefiscale if kind == "codice_fiscale" else iva).is_valid(code)
        f.write(f"{kind}\t{code}\t{int(valid)}\n")
print(len(rows), "rows")
