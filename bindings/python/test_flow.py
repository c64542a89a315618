"""The flow engine from Python: the host loop of ENGINE §4 against an
in-memory store, with threads racing for one account."""

import re
import threading
import unittest

import varco_uniffi as v

T0 = 1_800_000_000_000
KEYS = dict(
    code_keys=[v.HostKey("c1", bytes([1] * 32))],
    sealing_keys=[v.HostKey("s1", bytes([2] * 32))],
    decoy_key=v.HostKey("d1", bytes([3] * 32)),
    peppers=None,
)
CONFIG = '{"hash":{"m_kib":8,"t":1,"p":1}}'


class Conflict(Exception):
    pass


class Store:
    """Records by key, (revision, text); one lock makes each commit atomic."""

    def __init__(self):
        self.records = {}
        self.outbox = []
        self.lock = threading.Lock()

    def load(self, keys):
        with self.lock:
            return [v.LoadedRecord(key=k, record=self.records.get(k, (0, None))[1]) for k in keys]

    def get(self, key):
        with self.lock:
            return self.records[key][1]

    def commit(self, step):
        with self.lock:
            for w in step.writes:
                current = self.records.get(w.key, (None, None))[0]
                if isinstance(w, v.FlowWrite.PUT):
                    ok = current is None if w.replaces == 0 else current == w.replaces
                else:
                    ok = current == w.revision
                if not ok:
                    raise Conflict()
            for w in step.writes:
                if isinstance(w, v.FlowWrite.PUT):
                    self.records[w.key] = (w.revision, w.record)
            self.outbox.append(step.effects)


def request(engine, store, flow_key, secret, token, input, now):
    """One user request: advance, commit, and Load / CommitAndRepeat /
    retry on conflict, until Respond."""
    keys, ticket = [], None
    for _ in range(200):
        step = engine.advance(store.get(flow_key), secret, token, input, ticket, store.load(keys), now)
        try:
            store.commit(step)
        except Conflict:
            continue
        if isinstance(step.then, v.Then.RESPOND):
            return step
        if isinstance(step.then, v.Then.LOAD):
            keys += step.then.keys
        else:
            ticket = step.then.ticket
    raise AssertionError("the host loop did not settle")


def answer(engine, store, flow_key, token, fact, now):
    """A host fact about the view whose token is `token`: answer, commit,
    and Load / retry on conflict, until Respond."""
    keys = []
    for _ in range(50):
        step = engine.answer(store.get(flow_key), token, fact, store.load(keys), now)
        try:
            store.commit(step)
        except Conflict:
            continue
        if isinstance(step.then, v.Then.LOAD):
            keys += step.then.keys
        else:
            return step
    raise AssertionError("the host loop did not settle")


class Client:
    """A browser: its flow, its secret, the token of the view it shows."""

    def __init__(self, engine, store, now, started=None):
        if started is None:
            started = engine.start(v.FlowKind.LOGIN, "203.0.113.7", None, None, False, now)
        store.commit(started.step)
        self.engine, self.store = engine, store
        self.key, self.secret = started.flow_key, started.client_secret
        self.token = started.step.view.token

    def submit(self, input, now):
        step = request(self.engine, self.store, self.key, self.secret, self.token, input, now)
        self.token = step.view.token
        return step


def last_code(store):
    for effects in reversed(store.outbox):
        for e in reversed(effects):
            if isinstance(e, v.Effect.SEND_SMS):
                return re.search(r"\d{6}", e.text.reveal()).group(0)
    raise AssertionError("no code sent")


def provision(engine, store, second_factor=True):
    account = v.NewAccount(id="a1", username="mario", email=None, mobile="333 123 4567",
                           second_factor=second_factor)
    store.commit(engine.provision(account, v.SecretText("Correct-Horse-1"), T0))


class FlowTest(unittest.TestCase):
    def setUp(self):
        self.engine = v.FlowEngine(CONFIG, **KEYS)
        self.store = Store()
        provision(self.engine, self.store)

    def test_a_login_with_an_sms_code(self):
        c = Client(self.engine, self.store, T0)
        self.assertEqual(c.submit(v.FlowInput.IDENTIFY("Mario"), T0 + 1).view.screen, v.Screen.PASSWORD())
        step = c.submit(v.FlowInput.PASSWORD(v.SecretText("Correct-Horse-1")), T0 + 2)
        self.assertEqual(step.outcome, v.FlowOutcome.CODE_SENT(channel=v.Channel.SMS, sent=True))
        code = last_code(self.store)
        wrong = "111111" if code == "000000" else "000000"
        step = c.submit(v.FlowInput.CODE(v.SecretText(wrong)), T0 + 3)
        self.assertEqual(step.view.error, v.ViewError.CODE_WRONG)
        step = c.submit(v.FlowInput.CODE(v.SecretText(code)), T0 + 4)
        self.assertIsInstance(step.outcome, v.FlowOutcome.SIGNED_IN)
        self.assertEqual((step.outcome.grant.account, step.outcome.grant.level), ("a1", 2))
        self.assertEqual(self.engine.check_session(step.outcome.grant, self.store.get("account/a1"), T0 + 5, None, 1),
                         v.SessionCheck.VALID)

    def test_a_steps_outbox_row_seals_its_messages(self):
        c = Client(self.engine, self.store, T0)
        c.submit(v.FlowInput.IDENTIFY("mario"), T0 + 1)
        step = c.submit(v.FlowInput.PASSWORD(v.SecretText("Correct-Horse-1")), T0 + 2)
        sms = [e for e in step.effects if isinstance(e, v.Effect.SEND_SMS)]
        self.assertEqual(len(sms), 1)
        code = re.search(r"\d{6}", sms[0].text.reveal()).group(0)
        row = step.outbox
        self.assertEqual(len(row.step_id), 32)
        self.assertNotIn(code, row.effects)
        opened = self.engine.open_outbox(row.effects, row.step_id)
        self.assertEqual([e.text.reveal() for e in opened if isinstance(e, v.Effect.SEND_SMS)],
                         [sms[0].text.reveal()])
        self.assertEqual(len(opened), len(step.effects))
        # A flow ends by itself: its write carries its expiry, for the store's sweep.
        started = self.engine.start(v.FlowKind.LOGIN, None, None, None, False, T0)
        self.assertGreater(started.step.writes[0].expires_at, T0)
        account = v.NewAccount(id="a9", username="nino", email=None, mobile=None, second_factor=False)
        self.assertEqual([w.expires_at for w in self.engine.provision(account, None, T0).writes], [None, None])
        # Moved to another step's row, or altered, it does not open.
        with self.assertRaises(v.VarcoError.UnusableRecord):
            self.engine.open_outbox(row.effects, "0" * 32)
        with self.assertRaises(v.VarcoError.UnusableRecord):
            self.engine.open_outbox(row.effects.replace('"sealed":"', '"sealed":"A', 1), row.step_id)

    def test_a_step_up_proves_the_factors_again_for_a_fresh_level_2_grant(self):
        store = Store()
        provision(self.engine, store, second_factor=False)
        c = Client(self.engine, store, T0)
        c.submit(v.FlowInput.IDENTIFY("mario"), T0 + 1)
        grant = c.submit(v.FlowInput.PASSWORD(v.SecretText("Correct-Horse-1")), T0 + 2).outcome.grant
        self.assertEqual(grant.level, 1)
        account = lambda: store.get("account/" + grant.account)
        self.assertEqual(self.engine.check_session(grant, account(), T0 + 3, None, 2), v.SessionCheck.STEP_UP)
        self.assertEqual(self.engine.check_session(grant, account(), T0 + 600_000, 300_000, 1),
                         v.SessionCheck.STEP_UP)
        with self.assertRaises(v.VarcoError.RejectInput):
            self.engine.check_session(grant, account(), T0 + 3, None, 3)
        started = self.engine.start_from_grant(v.FlowKind.STEP_UP, grant, 2, None, None, None, False, T0 + 10)
        store.commit(started.step)
        self.assertEqual(started.step.view.screen, v.Screen.PASSWORD())
        c.key, c.secret, c.token = started.flow_key, started.client_secret, started.step.view.token
        step = c.submit(v.FlowInput.PASSWORD(v.SecretText("Correct-Horse-1")), T0 + 11)
        self.assertEqual(step.view.screen, v.Screen.CODE(channel=v.Channel.SMS))
        step = c.submit(v.FlowInput.CODE(v.SecretText(last_code(store))), T0 + 12)
        fresh = step.outcome.grant
        self.assertEqual((fresh.level, fresh.at, fresh.methods), (2, T0 + 12, [v.Method.SMS]))
        self.assertEqual(self.engine.check_session(fresh, account(), T0 + 13, 300_000, 2), v.SessionCheck.VALID)
        with self.assertRaises(v.VarcoError.RejectInput):
            self.engine.start(v.FlowKind.STEP_UP, None, None, None, False, T0)
        with self.assertRaises(v.VarcoError.RejectInput):
            self.engine.start_from_grant(v.FlowKind.STEP_UP, grant, 3, None, None, None, False, T0)

    def test_an_unknown_account_looks_like_a_wrong_password(self):
        views = []
        for who, pw in [("mario", "wrong"), ("nobody", "wrong")]:
            c = Client(self.engine, self.store, T0)
            c.submit(v.FlowInput.IDENTIFY(who), T0 + 1)
            step = c.submit(v.FlowInput.PASSWORD(v.SecretText(pw)), T0 + 2)
            self.assertIsInstance(step.outcome, v.FlowOutcome.REJECTED)
            views.append((step.view.screen, step.view.error, step.view.methods, step.view.resend_at))
        self.assertEqual(views[0], views[1])
        self.assertEqual(views[0][1], v.ViewError.AUTHENTICATION_FAILED)

    def test_parallel_wrong_guesses_at_one_attempt_left_verify_one_password(self):
        for i in range(4):
            c = Client(self.engine, self.store, T0)
            c.submit(v.FlowInput.IDENTIFY("mario"), T0 + i)
            c.submit(v.FlowInput.PASSWORD(v.SecretText("wrong")), T0 + i)
        clients = []
        for _ in range(16):
            c = Client(self.engine, self.store, T0 + 10)
            c.submit(v.FlowInput.IDENTIFY("mario"), T0 + 10)
            clients.append(c)
        outcomes = []
        def guess(c):
            outcomes.append(c.submit(v.FlowInput.PASSWORD(v.SecretText("guess")), T0 + 11).outcome)
        threads = [threading.Thread(target=guess, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wrong = [o for o in outcomes if o == v.FlowOutcome.REJECTED(reason=v.Rejection.WRONG_PASSWORD)]
        locked = [o for o in outcomes if o == v.FlowOutcome.REJECTED(reason=v.Rejection.LOCKED)]
        self.assertEqual((len(wrong), len(locked)), (1, 15))

    def test_secrets_stay_out_of_string_forms(self):
        c = Client(self.engine, self.store, T0)
        c.submit(v.FlowInput.IDENTIFY("mario"), T0 + 1)
        step = c.submit(v.FlowInput.PASSWORD(v.SecretText("Correct-Horse-1")), T0 + 2)
        code = last_code(self.store)
        for shown in (repr(step), str(step), repr(v.FlowInput.CODE(v.SecretText(code)))):
            self.assertNotIn(code, shown)
            self.assertNotIn("Correct-Horse-1", shown)
        self.assertNotIn(c.secret.reveal(), repr(c.secret))

    def test_a_reset_then_a_password_change_from_the_new_session(self):
        self.store = Store()
        provision(self.engine, self.store, second_factor=False)
        reset = Client(self.engine, self.store, T0,
                       self.engine.start(v.FlowKind.PASSWORD_RESET, None, None, None, False, T0))
        step = reset.submit(v.FlowInput.IDENTIFY_BY(v.IdentifierKind.USERNAME, "Mario"), T0 + 1)
        self.assertEqual(step.view.screen, v.Screen.CODE(v.Channel.SMS))
        self.assertIsNone(step.view.masked)
        step = reset.submit(v.FlowInput.CODE(v.SecretText(last_code(self.store))), T0 + 2)
        self.assertEqual(step.view.screen, v.Screen.NEW_PASSWORD())
        fresh = "fiume violino tramonto"
        step = reset.submit(v.FlowInput.NEW_PASSWORD(v.SecretText(fresh), v.SecretText(fresh)), T0 + 3)
        self.assertEqual(step.outcome, v.FlowOutcome.DONE(done=v.Done.PASSWORD_RESET, grant=None))
        self.assertTrue(any(isinstance(e, v.Effect.REVOKE_SESSIONS) for e in step.effects))
        login = Client(self.engine, self.store, T0 + 4)
        login.submit(v.FlowInput.IDENTIFY("mario"), T0 + 4)
        grant = login.submit(v.FlowInput.PASSWORD(v.SecretText(fresh)), T0 + 5).outcome.grant
        change = Client(self.engine, self.store, T0 + 6,
                        self.engine.start_from_grant(v.FlowKind.PASSWORD_CHANGE, grant, 1, None, None, None,
                                                     False, T0 + 6))
        new = "lago montagna neve"
        input = v.FlowInput.CHANGE_PASSWORD(v.SecretText(fresh), v.SecretText(new), v.SecretText(new))
        for shown in (repr(input), str(input), repr(v.FlowInput.ANSWER(v.SecretText("Fido")))):
            self.assertNotIn(fresh, shown)
            self.assertNotIn(new, shown)
            self.assertNotIn("Fido", shown)
        step = change.submit(input, T0 + 7)
        self.assertTrue(step.outcome.is_done())
        self.assertEqual(step.outcome.grant.epoch, grant.epoch + 1)
        self.assertEqual(self.engine.check_session(step.outcome.grant, self.store.get("account/a1"), T0 + 8,
                                                   None, 1), v.SessionCheck.VALID)

    def test_the_host_answers_a_captcha_and_reports_a_failed_delivery(self):
        engine = v.FlowEngine('{"hash":{"m_kib":8,"t":1,"p":1},"captcha_after":1}', **KEYS)
        self.store = Store()
        provision(engine, self.store)
        c = Client(engine, self.store, T0)
        c.submit(v.FlowInput.IDENTIFY("nobody"), T0 + 1)
        step = c.submit(v.FlowInput.PASSWORD(v.SecretText("guess")), T0 + 2)
        self.assertEqual(step.view.screen, v.Screen.AWAITING_HOST(question=v.HostQuestion.CAPTCHA()))
        # No user input carries a verdict; the question takes no password.
        self.assertFalse(hasattr(v.FlowInput, "CAPTCHA"))
        with self.assertRaises(v.VarcoError.RejectInput):
            c.submit(v.FlowInput.PASSWORD(v.SecretText("guess")), T0 + 3)
        step = answer(engine, self.store, c.key, c.token, v.HostFact.CAPTCHA(passed=False), T0 + 3)
        self.assertEqual(step.outcome, v.FlowOutcome.REJECTED(reason=v.Rejection.CAPTCHA_FAILED))
        step = answer(engine, self.store, c.key, step.view.token, v.HostFact.CAPTCHA(passed=True), T0 + 4)
        self.assertEqual(step.view.screen, v.Screen.PASSWORD())
        # The same answer to an old view changes nothing.
        stale = answer(engine, self.store, c.key, c.token, v.HostFact.CAPTCHA(passed=True), T0 + 4)
        self.assertEqual((stale.outcome, stale.writes), (v.FlowOutcome.STALE(), []))
        # mario's sign-in from that source is asked too, then goes on to a
        # code the host cannot deliver.
        m = Client(engine, self.store, T0 + 5)
        step = m.submit(v.FlowInput.IDENTIFY("mario"), T0 + 5)
        self.assertEqual(step.outcome, v.FlowOutcome.AWAITING_HOST(question=v.HostQuestion.CAPTCHA()))
        m.token = answer(engine, self.store, m.key, m.token, v.HostFact.CAPTCHA(passed=True), T0 + 6).view.token
        m.submit(v.FlowInput.PASSWORD(v.SecretText("Correct-Horse-1")), T0 + 7)
        step = answer(engine, self.store, m.key, m.token, v.HostFact.DELIVERY_FAILED(), T0 + 8)
        self.assertEqual(step.view.error, v.ViewError.NOT_DELIVERED)

    def test_a_recovery_mobile_change_is_cancelled_only_with_the_link_sent_to_the_old_number(self):
        c = Client(self.engine, self.store, T0)
        c.submit(v.FlowInput.IDENTIFY("mario"), T0 + 1)
        c.submit(v.FlowInput.PASSWORD(v.SecretText("Correct-Horse-1")), T0 + 2)
        grant = c.submit(v.FlowInput.CODE(v.SecretText(last_code(self.store))), T0 + 3).outcome.grant
        enroll = Client(self.engine, self.store, T0 + 4,
                        self.engine.start_from_grant(v.FlowKind.RECOVERY_MOBILE, grant, 1, None, None, None,
                                                     False, T0 + 4))
        enroll.submit(v.FlowInput.MOBILE("320 7654321"), T0 + 5)
        step = enroll.submit(v.FlowInput.CODE(v.SecretText(last_code(self.store))), T0 + 6)
        self.assertTrue(step.outcome.is_done())
        sms = [e for e in step.effects if e.is_send_sms()]
        self.assertEqual([e.to for e in sms], ["+393331234567"])
        token = re.search(r"token=([0-9a-f]{64})", sms[0].text.reveal()).group(1)
        self.assertNotIn(token, self.store.get("account/a1"))
        records = lambda: self.store.load(["account/a1", "guard/a1"])
        for forged in (None, v.SecretText("0" * 64)):
            with self.assertRaises(v.VarcoError.RejectInput) as e:
                self.engine.command(v.Actor.HOST(), v.Command.CANCEL_MOBILE_CHANGE("a1", forged), records(), T0 + 7)
            self.assertEqual(e.exception.code, v.ErrorCode.INVALID_INPUT)
        command = v.Command.CANCEL_MOBILE_CHANGE("a1", v.SecretText(token))
        self.assertNotIn(token, repr(command) + str(command))
        step = self.engine.command(v.Actor.HOST(), command, records(), T0 + 8)
        self.store.commit(step)
        self.assertIn('"+393331234567"', self.store.get("account/a1"))
        self.assertNotIn("+393207654321", self.store.get("account/a1"))

    def test_an_operator_block_ends_the_sessions_and_bad_input_is_an_error(self):
        c = Client(self.engine, self.store, T0)
        c.submit(v.FlowInput.IDENTIFY("mario"), T0 + 1)
        c.submit(v.FlowInput.PASSWORD(v.SecretText("Correct-Horse-1")), T0 + 2)
        grant = c.submit(v.FlowInput.CODE(v.SecretText(last_code(self.store))), T0 + 3).outcome.grant
        records = self.store.load(["account/a1", "guard/a1"])
        step = self.engine.command(v.Actor.OPERATOR("op-1"), v.Command.BLOCK("a1", "stolen"), records, T0 + 4)
        self.store.commit(step)
        self.assertEqual(step.outcome, v.FlowOutcome.APPLIED(state=v.AccountState.SUSPENDED()))
        self.assertEqual(self.engine.check_session(grant, self.store.get("account/a1"), T0 + 5, None, 1),
                         v.SessionCheck.REVOKED)
        with self.assertRaises(v.VarcoError.RejectInput) as e:
            self.engine.command(v.Actor.HOST(), v.Command.UNBLOCK("a1"), records, T0 + 6)
        self.assertEqual(e.exception.code, v.ErrorCode.INVALID_INPUT)
        with self.assertRaises(v.VarcoError.UnusableRecord):
            self.engine.advance("{", c.secret, c.token, v.FlowInput.CANCEL(), None, [], T0)
        with self.assertRaises(v.VarcoError.FixConfiguration) as e:
            v.FlowEngine('{"flow_ttl_secs":1}', **KEYS)
        self.assertEqual(e.exception.code, v.ErrorCode.INVALID_ENGINE_CONFIG)


if __name__ == "__main__":
    unittest.main()
