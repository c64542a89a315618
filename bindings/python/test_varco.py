"""varco through UniFFI, from Python: the same answers as in Rust."""

import json
import re
import unittest

import varco_uniffi as v


def assert_error(exc, variant, code):
    """The error's variant is the caller's action, and it carries the typed code."""
    assert isinstance(exc, variant), f"{type(exc).__name__} is not {variant.__name__}"
    assert exc.code == code, f"{exc.code} != {code}"


def ctx(**kw):
    base = dict(username=None, email=None, second_factor=False, confirmation=None, current=None,
                service=None, words=[], history=[])
    base.update(kw)
    return v.PolicyContext(**base)


class PolicyTest(unittest.TestCase):
    def test_mail_service_rule(self):
        r = v.Policy.preset("mail_service").check("Ciao%2026", ctx(), "it")
        self.assertFalse(r.ok)
        self.assertEqual([x.code for x in r.violations], ["disallowed_characters"])
        self.assertIn("non ammesso", r.violations[0].message)
        self.assertIn('"count":1', r.violations[0].json)

    def test_a_context_never_prints_its_passwords(self):
        c = ctx(username="mario", confirmation=v.SecretText("violino tramo"),
                current=v.SecretText("vecchia parola"))
        for shown in (repr(c), str(c)):
            self.assertNotIn("violino", shown)
            self.assertNotIn("vecchia", shown)
        r = v.Policy.preset("nist_800_63b").check("violino tramo", c, "en")
        self.assertNotIn("confirmation", r.skipped)
        self.assertNotIn("current", r.skipped)

    def test_every_violation_at_once(self):
        r = v.Policy.preset("customer_area").check("ciao", ctx(confirmation=v.SecretText("ciaO")), "en")
        self.assertEqual(
            [x.code for x in r.violations],
            ["too_short", "missing_class", "missing_class", "missing_class", "confirmation_mismatch"],
        )
        self.assertEqual(r.length, 4)
        self.assertLessEqual(r.score, 4)

    def test_nist_with_second_factor_and_context(self):
        p = v.Policy.preset("nist_800_63b")
        self.assertTrue(p.check("violino tramo", ctx(second_factor=True, confirmation=v.SecretText("violino tramo")), "en").ok)
        r = p.check("mario.rossi was here!", ctx(username="mario.rossi"), "en")
        self.assertIn("contains_context", [x.code for x in r.violations])
        self.assertIn("confirmation", r.skipped)

    def test_policy_json_round_trip_and_errors(self):
        p = v.Policy.preset("mail_service")
        again = v.Policy.from_json(p.to_json())
        self.assertEqual(again.to_json(), p.to_json())
        with self.assertRaises(v.VarcoError) as e:
            v.Policy.from_json("{")
        assert_error(e.exception, v.VarcoError.FixConfiguration, v.ErrorCode.INVALID_POLICY)
        with self.assertRaises(v.VarcoError):
            v.Policy.preset("nope")
        with self.assertRaises(v.VarcoError):
            p.check("x", ctx(), "fr")

    def test_unicode_and_huge_input(self):
        p = v.Policy.preset("nist_800_63b")
        self.assertTrue(p.check("caff\u00e8 e cornetto!", ctx(confirmation=v.SecretText("caffe\u0300 e cornetto!")), "it").ok)
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
        assert_error(e.exception, v.VarcoError.FixConfiguration, v.ErrorCode.INVALID_HASH_PARAMS)
        with self.assertRaises(v.VarcoError):
            h.hash("x" * 5000)
        # A lone surrogate cannot become UTF-8: Python refuses it before the call.
        with self.assertRaises(Exception):
            h.hash("\ud800")


class TotpTest(unittest.TestCase):
    def test_rfc6238_vectors(self):
        sha1 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        sha256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
        self.assertEqual(v.totp_code(sha1, 59_000, '{"digits":8}'), "94287082")
        self.assertEqual(v.totp_code(sha1, 1111111109_000, '{"digits":8}'), "07081804")
        self.assertEqual(v.totp_code(sha256, 1111111109_000, '{"algorithm":"SHA256","digits":8}'), "68084774")

    def test_t0_and_the_window_come_from_the_configuration(self):
        sha1 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        # Steps counted from T0 = 60 s: at 90 s it is step 1, as at 30 s from 0.
        self.assertEqual(v.totp_code(sha1, 90_000, '{"t0_secs":60}'), v.totp_code(sha1, 30_000, None))
        with self.assertRaises(v.VarcoError) as e:
            v.totp_code(sha1, 30_000, '{"t0_secs":60}')  # before T0
        assert_error(e.exception, v.VarcoError.RejectInput, v.ErrorCode.INVALID_INPUT)
        with self.assertRaises(v.VarcoError) as e:
            v.totp_code(sha1, 0, '{"behind":11}')
        assert_error(e.exception, v.VarcoError.FixConfiguration, v.ErrorCode.INVALID_OTP_CONFIG)
        # The window is sealed into the record at enrolment: the previous
        # step's code passes with the default (behind 1), not with behind 0.
        keys = v.SealingKeys([SEAL_KEY])
        now = 1_700_000_010_000
        for config, want in [(None, v.OtpOutcome.ACCEPTED(drift=-1)),
                             ('{"behind":0}', v.OtpOutcome.REJECTED())]:
            e = v.totp_enroll(keys, "mario/totp", "Esempio", "mario", config, now)
            previous = v.totp_code(e.secret_base32.reveal(), now - 30_000, None)
            step = v.totp_verify(keys, "mario/totp", e.writes[0].record, previous, now)
            self.assertEqual(step.outcome, want, config)

    def test_bad_secret(self):
        with self.assertRaises(v.VarcoError) as e:
            v.totp_code("JBSWY3DP", 59_000, None)
        assert_error(e.exception, v.VarcoError.RejectInput, v.ErrorCode.INVALID_SECRET)


SEAL_KEY = v.HostKey(id="k1", secret=bytes(range(32)))
CODE_KEY = v.HostKey(id="c1", secret=bytes(range(32)))


class HostKeyTest(unittest.TestCase):
    def test_a_host_key_never_prints_its_bytes(self):
        k = v.HostKey(id="k1", secret=b"\x2a" * 32)
        for shown in (str(k), repr(k)):
            self.assertNotIn("\\x2a", shown)
            self.assertNotIn("*" * 8, shown)
        self.assertEqual(k.id(), "k1")


class AuthenticatorTest(unittest.TestCase):
    def test_enroll_verify_replay_and_sealing(self):
        keys = v.SealingKeys([SEAL_KEY])
        now = 1_700_000_000
        e = v.totp_enroll(keys, "mario/totp", "Esempio", "mario@example.it", None, now * 1000)
        uri, secret = e.uri.reveal(), e.secret_base32.reveal()
        self.assertTrue(uri.startswith("otpauth://totp/Esempio:mario%40example.it?"))
        self.assertFalse(e.weak_secret)
        # The secrets are opaque: no string form of the record prints them.
        self.assertNotIn(secret, repr(e) + str(e) + repr(e.uri))
        [w] = e.writes
        self.assertEqual((w.kind, w.replaces, w.revision), ("totp_credential", 0, 1))
        self.assertNotIn(secret, w.record)  # never stored in clear
        code = v.totp_code(secret, now * 1000, None)
        step = v.totp_verify(keys, "mario/totp", w.record, code, now * 1000)
        self.assertEqual(step.outcome, v.OtpOutcome.ACCEPTED(drift=0))
        [w2] = step.writes
        self.assertEqual((w2.replaces, w2.revision), (1, 2))
        again = v.totp_verify(keys, "mario/totp", w2.record, code, now * 1000 + 1000)
        self.assertEqual((again.outcome, again.writes), (v.OtpOutcome.REPLAYED(), []))
        wrong = "000000" if code != "000000" else "111111"
        self.assertEqual(v.totp_verify(keys, "mario/totp", w2.record, wrong, now * 1000).outcome,
                         v.OtpOutcome.REJECTED())
        # Bound to its record: under another account's key it does not open.
        with self.assertRaises(v.VarcoError) as err:
            v.totp_verify(keys, "luigi/totp", w2.record, code, now * 1000)
        assert_error(err.exception, v.VarcoError.UnusableRecord, v.ErrorCode.SEAL)
        # Another key cannot open it; a rotated key set can, and the core
        # seals it again under the new key, even for a wrong code.
        other = v.SealingKeys([v.HostKey(id="k2", secret=bytes(32))])
        with self.assertRaises(v.VarcoError) as err:
            v.totp_verify(other, "mario/totp", w2.record, code, now * 1000)
        assert_error(err.exception, v.VarcoError.UnusableRecord, v.ErrorCode.SEAL)
        rotated = v.SealingKeys([v.HostKey(id="k2", secret=bytes(32)), SEAL_KEY])
        moved = v.totp_verify(rotated, "mario/totp", w2.record, wrong, now * 1000)
        [w3] = moved.writes
        self.assertTrue(v.totp_verify(other, "mario/totp", w3.record, wrong, now * 1000).writes == [])

    def test_uri_round_trip_and_hotp(self):
        keys = v.SealingKeys([SEAL_KEY])
        e = v.hotp_enroll(keys, "mario/hotp", "Esempio", "mario", v.Algorithm.SHA256, 8, 0)
        info = v.otpauth_parse(e.uri.reveal())
        self.assertEqual((info.kind, info.issuer, info.account, info.algorithm, info.digits, info.counter),
                         ("hotp", "Esempio", "mario", v.Algorithm.SHA256, 8, 0))
        secret = e.secret_base32.reveal()
        self.assertEqual(info.secret_base32.reveal(), secret)
        record = e.writes[0].record
        code = v.hotp_code(secret, 2, v.Algorithm.SHA256, 8)
        step = v.hotp_verify(keys, "mario/hotp", record, code, 5, 0)
        self.assertEqual(step.outcome, v.OtpOutcome.ACCEPTED(drift=2))
        record = step.writes[0].record
        self.assertEqual(v.hotp_verify(keys, "mario/hotp", record, code, 5, 0).outcome, v.OtpOutcome.REJECTED())
        # A device far ahead: two consecutive codes bring it back.
        c50, c51 = (v.hotp_code(secret, n, v.Algorithm.SHA256, 8) for n in (50, 51))
        self.assertEqual(v.hotp_verify(keys, "mario/hotp", record, c50, 5, 0).outcome, v.OtpOutcome.REJECTED())
        synced = v.hotp_resync(keys, "mario/hotp", record, c50, c51, 100, 0)
        self.assertTrue(synced.outcome.is_accepted())
        c52 = v.hotp_code(secret, 52, v.Algorithm.SHA256, 8)
        self.assertEqual(v.hotp_verify(keys, "mario/hotp", synced.writes[0].record, c52, 0, 0).outcome,
                         v.OtpOutcome.ACCEPTED(drift=0))
        # An 80-bit secret imports, flagged weak.
        weak = v.otpauth_parse("otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example")
        self.assertTrue(weak.weak_secret)
        for bad in ["", "http://x", "otpauth://totp/x?secret=%ZZ", "otpauth://" + "a" * 10000]:
            with self.assertRaises(v.VarcoError):
                v.otpauth_parse(bad)


class RecoveryTest(unittest.TestCase):
    def test_single_use_codes(self):
        h = v.Hasher.with_params(64, 1, 1)
        new = v.recovery_codes_generate(h, None, 3, 1000)
        codes = [c.reveal() for c in new.codes]
        self.assertEqual(len(codes), 3)
        self.assertRegex(codes[0], r"^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$")
        self.assertNotIn(codes[0], repr(new) + str(new))  # opaque secrets
        [w] = new.writes
        self.assertEqual((w.kind, w.replaces, w.revision), ("recovery_codes", 0, 1))
        for c in codes:
            self.assertNotIn(c.replace("-", ""), w.record)
        step = v.recovery_code_redeem(h, w.record, codes[1].lower(), 2000)
        self.assertEqual(step.outcome, v.RecoveryOutcome.ACCEPTED(remaining=2))
        used = step.writes[0].record
        again = v.recovery_code_redeem(h, used, codes[1], 3000)
        self.assertEqual((again.outcome, again.writes), (v.RecoveryOutcome.REJECTED(), []))
        # A new set replaces the stored one: the old codes stop working.
        newer = v.recovery_codes_generate(h, used, 2, 4000)
        self.assertEqual(newer.writes[0].replaces, 2)
        self.assertEqual(v.recovery_code_redeem(h, newer.writes[0].record, codes[0], 5000).outcome,
                         v.RecoveryOutcome.REJECTED())
        with self.assertRaises(v.VarcoError) as err:
            v.recovery_code_redeem(h, "{not json", codes[0], 0)
        assert_error(err.exception, v.VarcoError.UnusableRecord, v.ErrorCode.DESERIALIZE)
        with self.assertRaises(v.VarcoError):
            v.recovery_codes_generate(h, None, 0, 0)


def records(step):
    """The step's writes by kind: {kind: record}."""
    return {w.kind: w.record for w in step.writes}


class DeliveryTest(unittest.TestCase):
    def test_issue_wrong_resend_accept(self):
        d = v.Delivery('{"service":"Esempio","lang":"it"}', [CODE_KEY])
        s = d.issue(v.Purpose.RECOVERY, v.Channel.EMAIL, "mario@example.it", None, 0)
        self.assertEqual(s.outcome, v.IssueOutcome.SENT(expires_at=300_000, next_resend_at=30_000))
        # Two new records, in commit order: the budget, then the challenge.
        self.assertEqual([(w.kind, w.replaces, w.revision) for w in s.writes],
                         [("destination_budget", 0, 1), ("challenge", 0, 1)])
        self.assertEqual(len(s.challenge_id), 32)
        mail = s.effects[0]
        self.assertTrue(mail.is_send_email())
        self.assertEqual(mail.to, "mario@example.it")
        code = re.search(r"\d{6}", mail.body.reveal()).group(0)
        self.assertNotIn(code, repr(mail) + str(mail) + repr(mail.body))  # logging cannot leak it
        challenge, budget = records(s)["challenge"], records(s)["destination_budget"]
        self.assertNotIn(code, challenge)  # only its keyed hash is stored
        self.assertEqual(s.effects[1].kind, v.AuditKind.CODE_ISSUED)
        step = d.verify(challenge, code, v.Purpose.LOGIN, 1000)
        self.assertEqual(step.outcome, v.CodeOutcome.WRONG_PURPOSE())
        [w] = step.writes
        self.assertEqual((w.replaces, w.revision), (1, 2))
        step = d.verify(w.record, code, v.Purpose.RECOVERY, 2000)
        self.assertEqual(step.outcome, v.CodeOutcome.ACCEPTED())
        done = step.writes[0].record
        again = d.resend(done, budget, 40_000)
        self.assertEqual(again.outcome, v.ResendOutcome.NOT_PENDING())
        self.assertEqual(again.writes, [])  # a refusal writes nothing

    def test_bad_input(self):
        with self.assertRaises(v.VarcoError):
            v.Delivery('{"digits": 3}', [CODE_KEY])
        with self.assertRaises(v.VarcoError):
            v.Delivery("{}", [])
        with self.assertRaises(v.VarcoError):
            v.Delivery("{}", [v.HostKey(id="c", secret=b"short")])
        d = v.Delivery("{}", [CODE_KEY])
        with self.assertRaises(v.VarcoError):
            d.issue(v.Purpose.LOGIN, v.Channel.SMS, "", None, 0)
        with self.assertRaises(v.VarcoError) as err:
            d.issue(v.Purpose.LOGIN, v.Channel.SMS, "+39", None, -5)
        assert_error(err.exception, v.VarcoError.RejectInput, v.ErrorCode.INVALID_TIME)
        for state in ["", "[]", '{"kind":"challenge","version": 99}', "x" * 100_000]:
            with self.assertRaises(v.VarcoError):
                d.verify(state, "123456", v.Purpose.LOGIN, 0)
        # another destination's budget is refused
        s = d.issue(v.Purpose.LOGIN, v.Channel.SMS, "+393331234567", None, 0)
        with self.assertRaises(v.VarcoError) as err:
            d.issue(v.Purpose.LOGIN, v.Channel.SMS, "+393330000000", records(s)["destination_budget"], 0)
        assert_error(err.exception, v.VarcoError.RejectInput, v.ErrorCode.INVALID_INPUT)
        with self.assertRaises(v.VarcoError):
            d.issue(v.Purpose.LOGIN, v.Channel.SMS, "+39", "{bad budget", 0)


class GuardTest(unittest.TestCase):
    def test_lockout_and_unlock(self):
        g = v.Guard('{"password": {"threshold": 2}}')
        record, revision = None, 0
        for t in (0, 2000):
            s = g.begin(record, v.Factor.PASSWORD, None, t)
            self.assertTrue(s.admission.is_allowed())
            [w] = s.writes
            # compare-and-swap: 0 is "must not exist", then the revision held
            self.assertEqual((w.kind, w.replaces, w.revision), ("account_guard", revision, revision + 1))
            record, revision = w.record, w.revision
            self.assertEqual(g.failed(record, s.admission.attempt, t).writes, [])
        locked = g.begin(record, v.Factor.PASSWORD, None, 4000)
        self.assertTrue(locked.admission.is_locked())
        self.assertEqual(locked.admission.reason, v.Reason.TOO_MANY_FAILURES)
        self.assertEqual(locked.writes, [])  # a refusal writes nothing
        self.assertEqual(locked.effects[0].kind, v.AuditKind.ATTEMPT_REFUSED)
        [w] = g.unlock(record, "operatore-7", 5000).writes
        self.assertTrue(g.begin(w.record, v.Factor.PASSWORD, None, 6000).admission.is_allowed())

    def test_success_and_trusted_device(self):
        g = v.Guard("{}")
        s = g.begin(None, v.Factor.PASSWORD, "phone", 0)
        [w] = s.writes
        [w] = g.succeed(w.record, s.admission.attempt, 0).writes
        [w] = g.trust_device(w.record, "phone", 1000).writes
        self.assertEqual(w.revision, 3)

    def test_bad_input(self):
        with self.assertRaises(v.VarcoError):
            v.Guard('{"password": {"threshold": 0}}')
        with self.assertRaises(v.VarcoError):
            v.Guard('{"password": {"forget_after_ms": 0}}')
        g = v.Guard("{}")
        with self.assertRaises(v.VarcoError) as err:
            g.failed('{"kind":"account_guard","version":2}', "{}", 0)
        assert_error(err.exception, v.VarcoError.UnusableRecord, v.ErrorCode.UNSUPPORTED_VERSION)
        with self.assertRaises(v.VarcoError) as err:
            g.begin(None, v.Factor.PASSWORD, None, -1)
        assert_error(err.exception, v.VarcoError.RejectInput, v.ErrorCode.INVALID_TIME)
        [w] = g.begin(None, v.Factor.PASSWORD, None, 0).writes
        with self.assertRaises(v.VarcoError) as err:
            g.succeed(w.record, "not a ticket", 0)
        assert_error(err.exception, v.VarcoError.RejectInput, v.ErrorCode.INVALID_INPUT)
        with self.assertRaises(v.VarcoError):
            g.trust_device(None, "", 0)


class HistoryAndContextTest(unittest.TestCase):
    def test_history_words_and_service(self):
        base = json.loads(v.Policy.preset("nist_800_63b").to_json())
        base["rules"].append({"rule": "history", "last": 3})
        base.pop("name", None)
        policy = v.Policy.from_json(json.dumps(base))
        h = v.Hasher.with_params(64, 1, 1)
        old = "fiume violino tramonto lampada"
        c = ctx(history=[h.hash("something else entirely"), h.hash(old)])
        self.assertIn("history", policy.check(old, c, "en").skipped)
        codes = [x.code for x in policy.check_with_history(old, c, h, "en").violations]
        self.assertIn("reused", codes)
        self.assertEqual(policy.check_with_history("tramonto violino fiume lampada", c, h, "en").violations, [])
        fav = [x.code for x in policy.check("esempioportale2024xx", ctx(service="esempioportale"), "en").violations]
        self.assertIn("contains_context", fav)
        word = [x.code for x in policy.check("gattomichelangelo2024", ctx(words=["michelangelo"]), "en").violations]
        self.assertIn("contains_context", word)


class ThrottleRiskPepperTest(unittest.TestCase):
    def test_source_budget(self):
        t = v.Throttle('{"threshold": 2, "min_interval_ms": 0}')
        record, ticket = None, None
        admissions = []
        for _ in range(3):
            s = t.begin(record, 1000)
            admissions.append(s.admission)
            if s.writes:
                record, ticket = s.writes[0].record, s.admission.attempt
        self.assertTrue(all(a.is_allowed() for a in admissions[:2]))
        self.assertTrue(admissions[2].is_locked())
        [w] = t.succeed(record, ticket, 2000).writes
        self.assertTrue(t.begin(w.record, 2000).admission.is_allowed())
        with self.assertRaises(v.VarcoError):
            v.Throttle('{"treshold": 2}')

    def test_travel(self):
        milan = '{"at":0,"place":{"kind":"coordinates","lat":45.46,"lon":9.19}}'
        lima = '{"at":3600000,"place":{"kind":"coordinates","lat":-12.05,"lon":-77.04}}'
        self.assertTrue(v.assess_travel(milan, lima, None).is_step_up())
        self.assertTrue(v.assess_travel(milan, lima, '{"action":"block"}').is_block())
        self.assertEqual(v.assess_travel(None, lima, None), v.RiskDecision.ALLOW())
        with self.assertRaises(v.VarcoError):
            v.assess_travel(None, "{}", None)

    def test_pepper_rotation(self):
        p1 = v.HostKey(id="p1", secret=bytes([9] * 16))
        old = v.Hasher.with_pepper(64, 1, 1, p1, [])
        phc = old.hash("pw")
        rotated = v.Hasher.with_pepper(64, 1, 1, v.HostKey(id="p2", secret=bytes(32)), [p1])
        self.assertEqual(rotated.verify("pw", phc), v.VerifyResult(valid=True, needs_rehash=True))
        with self.assertRaises(v.VarcoError) as err:
            v.Hasher.with_pepper(64, 1, 1, v.HostKey(id="p2", secret=bytes(32)), []).verify("pw", phc)
        assert_error(err.exception, v.VarcoError.UnusableRecord, v.ErrorCode.UNKNOWN_PEPPER)

    def test_legacy_unpeppered_hashes_only_when_accepted(self):
        legacy = v.Hasher.with_params(64, 1, 1).hash("pw")
        p1 = v.HostKey(id="p1", secret=bytes([9] * 16))
        with self.assertRaises(v.VarcoError) as err:
            v.Hasher.with_pepper(64, 1, 1, p1, []).verify("pw", legacy)
        assert_error(err.exception, v.VarcoError.UnusableRecord, v.ErrorCode.PEPPER_REQUIRED)
        accepting = v.Hasher.with_pepper(64, 1, 1, p1, [], accept_legacy_unpeppered=True)
        self.assertEqual(accepting.verify("pw", legacy), v.VerifyResult(valid=True, needs_rehash=True))

    def test_an_unknown_account_costs_what_a_wrong_password_costs(self):
        h = v.Hasher.with_params(64, 2, 1)
        phc = h.hash("pw")
        before = h.work()
        self.assertFalse(h.verify("wrong", phc).valid)
        wrong = h.work() - before
        h.dummy_verify("wrong")
        self.assertEqual(h.work() - before - wrong, wrong)
        self.assertEqual(wrong, 64 * 2)


class LifecycleTest(unittest.TestCase):
    def test_transitions(self):
        c = v.lifecycle_create(0)
        self.assertEqual((c.state, c.can_authenticate), (v.AccountState.PENDING_ACTIVATION(), False))
        [w] = c.writes
        self.assertEqual((w.kind, w.replaces, w.revision), ("lifecycle", 0, 1))
        l = v.lifecycle_apply(w.record, v.LifecycleEvent.ACTIVATE(), 1000)
        self.assertEqual((l.state, l.can_authenticate), (v.AccountState.ACTIVE(), True))
        active = l.writes[0].record
        b = v.lifecycle_apply(active, v.LifecycleEvent.PREVENTIVE_BLOCK(detail="login da Lima"), 2000)
        self.assertEqual(b.state, v.AccountState.LOCKED(cause=v.LockCause.LOCATION))
        self.assertTrue(any(e.is_notify_owner() for e in b.effects))
        blocked = b.writes[0].record
        for event in (v.LifecycleEvent.ACTIVATE(), v.LifecycleEvent.RECOVERY_COMPLETED()):
            with self.assertRaises(v.VarcoError) as err:
                v.lifecycle_apply(blocked, event, 3000)
            assert_error(err.exception, v.VarcoError.StartOver, v.ErrorCode.ILLEGAL_TRANSITION)
        quiet = v.lifecycle_check_inactivity(active, 180, 2000)
        self.assertEqual((quiet.state, quiet.writes), (v.AccountState.ACTIVE(), []))
        dormant = v.lifecycle_check_inactivity(active, 180, 1000 + 181 * 86_400_000)
        self.assertEqual(dormant.state, v.AccountState.DORMANT())
        self.assertEqual(len(dormant.writes), 1)


class BoundaryTest(unittest.TestCase):
    def test_none_and_wrong_types_are_refused_before_the_call(self):
        for bad in [None, 42, b"bytes"]:
            with self.assertRaises(TypeError):
                v.totp_code(bad, 59_000, None)
        # A negative time is a signed value the core refuses.
        with self.assertRaises(v.VarcoError) as e:
            v.totp_code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", -1, None)
        assert_error(e.exception, v.VarcoError.RejectInput, v.ErrorCode.INVALID_TIME)
        with self.assertRaises((TypeError, ValueError, OverflowError)):
            v.totp_code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 2**63, None)

    def test_out_of_order_steps_are_outcomes_or_errors(self):
        d = v.Delivery("{}", [CODE_KEY])
        s = d.issue(v.Purpose.LOGIN, v.Channel.SMS, "+393331234567", None, 0)
        code = re.search(r"\d{6}", s.effects[0].text.reveal()).group(0)
        done = d.verify(records(s)["challenge"], code, v.Purpose.LOGIN, 1000).writes[0].record
        self.assertEqual(d.verify(done, code, v.Purpose.LOGIN, 2000).outcome, v.CodeOutcome.ALREADY_USED())
        self.assertEqual(d.resend(done, None, 60_000).outcome, v.ResendOutcome.NOT_PENDING())
        with self.assertRaises(v.VarcoError):
            v.Guard("{}").succeed("", "{}", 0)


class StrengthAndBreachTest(unittest.TestCase):
    def test_strength(self):
        weak = v.strength("mario1985", ["mario"], "en")
        strong = v.strength("vT9#qL2!xW7@pZ4$", [], "en")
        self.assertLessEqual(weak.score, 1)
        self.assertEqual(strong.score, 4)
        self.assertGreater(strong.guesses_log10, weak.guesses_log10)

    def test_breach_range_query(self):
        q = v.BreachQuery("password")
        self.assertEqual(q.prefix(), "5BAA6")
        body = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:3861493\r\n0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n"
        self.assertEqual(q.count(body), 3861493)
        self.assertEqual(q.count("0018A45C4D1DEF81644B54AB7F969B88D65:1"), 0)
        with self.assertRaises(v.VarcoError):
            q.count("not a range response")


class ValidatorTest(unittest.TestCase):
    def test_every_problem_in_italian_and_english(self):
        self.assertEqual(v.validate(v.Field.MOBILE, "0039 333-1234567", None).value, "+393331234567")
        r = v.validate(v.Field.CODICE_FISCALE, "RSSMR180Z41H5A1U", None)
        self.assertIsNone(r.value)
        self.assertEqual([p.code for p in r.problems], ["cf_letter_expected", "cf_digit_expected", "cf_month", "cf_check"])
        self.assertEqual(r.problems[2].message_it, "La lettera del mese di nascita non è valida.")
        self.assertEqual(v.validate(v.Field.PHONE, "430 1234567", None).problems[0].code, "mobile_a2p")
        self.assertEqual(v.validate(v.Field.REGISTRATION_EMAIL, "x@pec.comune.roma.it", None).problems[0].code, "email_pec")
        with self.assertRaises(v.VarcoError.FixConfiguration):
            v.validate(v.Field.EMAIL, "a@b.it", '{"pec":{"domains":["x"]}}')

    def test_codice_fiscale_against_its_person(self):
        mario = v.Person(first_name="Mario", last_name="Rossi", birth_date=v.BirthDate(year=1980, month=1, day=1), sex=v.Sex.MALE)
        self.assertEqual(v.validate_codice_fiscale_of("rssmra80a01h501u", mario).value, "RSSMRA80A01H501U")
        other = v.Person(first_name="Luigi", last_name=None, birth_date=v.BirthDate(year=1981, month=1, day=1), sex=None)
        r = v.validate_codice_fiscale_of("RSSMRA80A01H501U", other)
        self.assertEqual([p.code for p in r.problems], ["cf_name", "cf_birth_date"])


if __name__ == "__main__":
    unittest.main()
