"""varco through UniFFI, from Python: the same answers as in Rust."""

import unittest

import varco_uniffi as v


def ctx(**kw):
    base = dict(username=None, email=None, second_factor=False, confirmation=None, current=None)
    base.update(kw)
    return v.PolicyContext(**base)


class PolicyTest(unittest.TestCase):
    def test_mail_service_rule(self):
        r = v.Policy.preset("mail_service").check("Ciao%2026", ctx(), "it")
        self.assertFalse(r.ok)
        self.assertEqual([x.code for x in r.violations], ["disallowed_characters"])
        self.assertIn("non ammesso", r.violations[0].message)
        self.assertIn('"count":1', r.violations[0].json)

    def test_every_violation_at_once(self):
        r = v.Policy.preset("customer_area").check("ciao", ctx(confirmation="ciaO"), "en")
        self.assertEqual(
            [x.code for x in r.violations],
            ["too_short", "missing_class", "missing_class", "missing_class", "confirmation_mismatch"],
        )
        self.assertEqual(r.length, 4)
        self.assertLessEqual(r.score, 4)

    def test_nist_with_second_factor_and_context(self):
        p = v.Policy.preset("nist_800_63b")
        self.assertTrue(p.check("violino tramo", ctx(second_factor=True, confirmation="violino tramo"), "en").ok)
        r = p.check("mario.rossi was here!", ctx(username="mario.rossi"), "en")
        self.assertIn("contains_context", [x.code for x in r.violations])
        self.assertIn("confirmation", r.skipped)

    def test_policy_json_round_trip_and_errors(self):
        p = v.Policy.preset("mail_service")
        again = v.Policy.from_json(p.to_json())
        self.assertEqual(again.to_json(), p.to_json())
        with self.assertRaises(v.VarcoError) as e:
            v.Policy.from_json("{")
        self.assertEqual(e.exception.code, "deserialize")
        with self.assertRaises(v.VarcoError):
            v.Policy.preset("nope")
        with self.assertRaises(v.VarcoError):
            p.check("x", ctx(), "fr")

    def test_unicode_and_huge_input(self):
        p = v.Policy.preset("nist_800_63b")
        self.assertTrue(p.check("caff\u00e8 e cornetto!", ctx(confirmation="caffe\u0300 e cornetto!"), "it").ok)
        r = p.check("x" * 100_000, ctx(), "en")
        self.assertEqual([x.code for x in r.violations if x.code == "too_long"], ["too_long"])


class HashTest(unittest.TestCase):
    def test_hash_verify_rehash(self):
        small = v.Hasher.with_params(64, 1, 1)
        phc = small.hash("correct horse")
        self.assertTrue(phc.startswith("$argon2id$v=19$m=64,t=1,p=1$"))
        self.assertEqual(small.verify("correct horse", phc), v.VerifyResult(valid=True, needs_rehash=False))
        self.assertEqual(small.verify("correct hors", phc), v.VerifyResult(valid=False, needs_rehash=False))
        owasp = v.Hasher.owasp()
        self.assertEqual(owasp.verify("correct horse", phc), v.VerifyResult(valid=True, needs_rehash=True))

    def test_reference_vector(self):
        phc = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
        self.assertTrue(v.Hasher.owasp().verify("password", phc).valid)

    def test_bad_input_is_a_clean_error(self):
        h = v.Hasher.with_params(64, 1, 1)
        for bad in ["", "garbage", "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$aGFzaA"]:
            with self.assertRaises(v.VarcoError):
                h.verify("pw", bad)
        with self.assertRaises(v.VarcoError) as e:
            v.Hasher.with_params(1, 1, 1)
        self.assertEqual(e.exception.code, "invalid_hash_params")
        with self.assertRaises(v.VarcoError):
            h.hash("x" * 5000)
        # A lone surrogate cannot become UTF-8: Python refuses it before the call.
        with self.assertRaises(Exception):
            h.hash("\ud800")


class TotpTest(unittest.TestCase):
    def test_rfc6238_vectors(self):
        sha1 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        sha256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
        self.assertEqual(v.totp_code(sha1, 59, "sha1", 8, 30), "94287082")
        self.assertEqual(v.totp_code(sha1, 1111111109, "sha1", 8, 30), "07081804")
        self.assertEqual(v.totp_code(sha256, 1111111109, "sha256", 8, 30), "68084774")

    def test_bad_secret(self):
        with self.assertRaises(v.VarcoError) as e:
            v.totp_code("JBSWY3DP", 59, "sha1", 6, 30)
        self.assertEqual(e.exception.code, "invalid_secret")


if __name__ == "__main__":
    unittest.main()
