"""varco-store through the Python bindings: `Store` runs the host loop on a
SQLite file (or PostgreSQL, or memory), keeps the effects in its outbox,
and is safe to share between threads."""

import os
import re
import tempfile
import threading
import unittest

import varco_uniffi as v

from test_flow import CONFIG, KEYS, T0

PASSWORD = "Correct-Horse-1"


def sms_codes(rows):
    codes = []
    for row in rows:
        for d in row.deliveries:
            if isinstance(d.effect, v.Effect.SEND_SMS):
                codes.append(re.search(r"\d{6}", d.effect.text.reveal()).group(0))
    return codes


class StoreTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "varco.db")
        self.engine = v.FlowEngine(CONFIG, **KEYS)
        self.store = v.Store.open(self.path)
        account = v.NewAccount(id="a1", username="mario", email=None, mobile="333 123 4567",
                               second_factor=True)
        self.store.provision(self.engine, account, v.SecretText(PASSWORD), T0)

    def tearDown(self):
        self.dir.cleanup()

    def drain(self, now):
        rows = self.store.claim_outbox(self.engine, now, 60_000, 100)
        for r in rows:
            self.assertTrue(self.store.outbox_sent(r.step_id))
        return rows

    def sign_in_to_the_code(self, now):
        s = self.store.start(self.engine, v.FlowKind.LOGIN, "203.0.113.7", None, None, False, now)
        r = self.store.advance(self.engine, s.flow_key, s.client_secret, s.view.token,
                               v.FlowInput.IDENTIFY("Mario"), now + 1)
        self.assertEqual(r.view.screen, v.Screen.PASSWORD())
        r = self.store.advance(self.engine, s.flow_key, s.client_secret, r.view.token,
                               v.FlowInput.PASSWORD(v.SecretText(PASSWORD)), now + 2)
        self.assertEqual(r.outcome, v.FlowOutcome.CODE_SENT(channel=v.Channel.SMS, sent=True))
        return s, r

    def test_a_sign_in_on_a_sqlite_file_with_its_sms_through_the_outbox(self):
        s, r = self.sign_in_to_the_code(T0)
        # The code waits in the outbox, sealed; the sender gets it opened,
        # with an idempotency key per effect.
        rows = self.store.claim_outbox(self.engine, T0 + 3, 60_000, 100)
        [code] = sms_codes(rows)
        self.assertTrue(all(d.idempotency_key.startswith(row.step_id + "/")
                            for row in rows for d in row.deliveries))
        # Claimed, a row is not claimed again within its lease ...
        self.assertEqual(self.store.claim_outbox(self.engine, T0 + 4, 60_000, 100), [])
        # ... but comes back after it, unsent: delivery is at least once.
        again = self.store.claim_outbox(self.engine, T0 + 3 + 60_001, 60_000, 100)
        self.assertEqual([x.step_id for x in again], [x.step_id for x in rows])
        for row in again:
            self.assertTrue(self.store.outbox_sent(row.step_id))
            self.assertFalse(self.store.outbox_sent(row.step_id))
        self.assertEqual(self.store.counts().outbox, 0)
        r = self.store.advance(self.engine, s.flow_key, s.client_secret, r.view.token,
                               v.FlowInput.CODE(v.SecretText(code)), T0 + 5)
        self.assertIsInstance(r.outcome, v.FlowOutcome.SIGNED_IN)
        grant = r.outcome.grant
        self.assertEqual((grant.account, grant.level), ("a1", 2))
        self.assertEqual(self.store.check_session(self.engine, grant, T0 + 6, None, 2), v.SessionCheck.VALID)
        # Another process opening the same file sees the same records.
        other = v.Store.open(self.path)
        self.assertEqual(other.get("account/a1").revision, self.store.get("account/a1").revision)
        self.assertIsNone(other.get("account/nobody"))

    def test_one_code_submitted_from_eight_threads_signs_in_once(self):
        s, r = self.sign_in_to_the_code(T0)
        [code] = sms_codes(self.drain(T0 + 3))
        outcomes, errors = [], []

        def submit():
            try:
                got = self.store.advance(self.engine, s.flow_key, s.client_secret, r.view.token,
                                         v.FlowInput.CODE(v.SecretText(code)), T0 + 4)
                outcomes.append(got.outcome)
            except v.VarcoError as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=submit) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        signed_in = [o for o in outcomes if isinstance(o, v.FlowOutcome.SIGNED_IN)]
        self.assertEqual(len(signed_in), 1, outcomes)

    def test_a_command_follows_what_the_engine_loads_and_ends_the_sessions(self):
        s, r = self.sign_in_to_the_code(T0)
        [code] = sms_codes(self.drain(T0 + 3))
        grant = self.store.advance(self.engine, s.flow_key, s.client_secret, r.view.token,
                                   v.FlowInput.CODE(v.SecretText(code)), T0 + 4).outcome.grant
        r = self.store.command(self.engine, v.Actor.OPERATOR("op-1"), v.Command.BLOCK("a1", "stolen"), T0 + 5)
        self.assertEqual(r.outcome, v.FlowOutcome.APPLIED(state=v.AccountState.SUSPENDED()))
        self.assertEqual(self.store.check_session(self.engine, grant, T0 + 6, None, 1), v.SessionCheck.REVOKED)
        audit = [d.effect for row in self.drain(T0 + 6) for d in row.deliveries
                 if isinstance(d.effect, v.Effect.AUDIT)]
        self.assertTrue(audit)
        # The host may not block; an unknown account is the engine's refusal.
        with self.assertRaises(v.VarcoError.RejectInput):
            self.store.command(self.engine, v.Actor.HOST(), v.Command.BLOCK("a1", "x"), T0 + 7)
        with self.assertRaises(v.VarcoError.RejectInput):
            self.store.command(self.engine, v.Actor.OPERATOR("op-1"), v.Command.UNBLOCK("nobody"), T0 + 7)

    def test_failures_are_typed_and_write_nothing(self):
        before = self.store.counts()
        # A second account with the same username is taken, and nothing of it stays.
        twin = v.NewAccount(id="a2", username="MARIO", email=None, mobile=None, second_factor=False)
        with self.assertRaises(v.VarcoError.Store) as e:
            self.store.provision(self.engine, twin, v.SecretText(PASSWORD), T0)
        self.assertEqual(e.exception.code, v.StoreErrorCode.TAKEN)
        self.assertEqual(self.store.counts(), before)
        # A flow never started.
        with self.assertRaises(v.VarcoError.Store) as e:
            self.store.advance(self.engine, "flow/nothing", v.SecretText("x"), "t",
                               v.FlowInput.IDENTIFY("mario"), T0)
        self.assertEqual(e.exception.code, v.StoreErrorCode.UNKNOWN_FLOW)
        # A wrong client secret moves nothing, as without a store: the
        # holder of the right one goes on from the same view.
        s = self.store.start(self.engine, v.FlowKind.LOGIN, None, None, None, False, T0)
        r = self.store.advance(self.engine, s.flow_key, v.SecretText("forged"), s.view.token,
                               v.FlowInput.IDENTIFY("mario"), T0 + 1)
        self.assertEqual(r.outcome, v.FlowOutcome.WRONG_CLIENT())
        r = self.store.advance(self.engine, s.flow_key, s.client_secret, s.view.token,
                               v.FlowInput.IDENTIFY("mario"), T0 + 2)
        self.assertEqual(r.view.screen, v.Screen.PASSWORD())
        # Bad store names and bad numbers.
        with self.assertRaises(v.VarcoError.Store) as e:
            v.Store.open("")
        self.assertEqual(e.exception.code, v.StoreErrorCode.INVALID)
        with self.assertRaises(v.VarcoError.Store) as e:
            v.Store.open(os.path.join(self.dir.name, "missing", "dir", "x.db"))
        self.assertEqual(e.exception.code, v.StoreErrorCode.DATABASE)
        with self.assertRaises(v.VarcoError.RejectInput):
            self.store.claim_outbox(self.engine, T0, -1, 10)
        with self.assertRaises(v.VarcoError.RejectInput):
            self.store.sweep(-5)
        with self.assertRaises(v.VarcoError.Store) as e:
            self.store.get("")
        self.assertEqual(e.exception.code, v.StoreErrorCode.INVALID)

    def test_expired_flows_are_swept(self):
        for i in range(5):
            self.store.start(self.engine, v.FlowKind.LOGIN, None, None, None, False, T0 + i)
        self.assertEqual(self.store.counts().expiring, 5)
        self.assertEqual(self.store.sweep(T0), 0)
        self.assertEqual(self.store.sweep(T0 + 30 * 86_400_000), 5)
        self.assertEqual(self.store.counts().expiring, 0)
        self.assertIsNotNone(self.store.get("account/a1"))

    def test_a_memory_store_and_a_store_that_hides_its_name(self):
        m = v.Store.open(":memory:")
        self.assertEqual(m.counts(), v.StoreCounts(records=0, expiring=0, outbox=0))
        pg = "postgresql://varco:hunter2@127.0.0.1:1/none"
        try:
            v.Store.open(pg)
            self.fail("nothing listens on port 1")
        except v.VarcoError.Store as e:
            self.assertEqual(e.code, v.StoreErrorCode.DATABASE)
            self.assertNotIn("hunter2", str(e))
        self.assertNotIn(self.path, repr(self.store))
        self.assertNotIn(self.path, str(self.store))


if __name__ == "__main__":
    unittest.main()
