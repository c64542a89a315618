"""The shared scenario (bindings/scenarios/scenario.tsv) through the Python
bindings: the same lines, the same results as in Rust, C and Kotlin."""

import enum
import json
import os
import re
import tempfile
import unittest

import varco_uniffi as v

import test_flow

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.environ.get("VARCO_SCENARIO", os.path.join(HERE, "scenario.tsv"))


FACTORS = {"password": v.Factor.PASSWORD, "second_factor": v.Factor.SECOND_FACTOR,
           "recovery": v.Factor.RECOVERY}
REASONS = {v.Reason.TOO_MANY_FAILURES: "too_many_failures", v.Reason.TOO_FAST: "too_fast"}


ALGORITHMS = {"SHA1": v.Algorithm.SHA1, "SHA256": v.Algorithm.SHA256, "SHA512": v.Algorithm.SHA512}
CHANNELS = {"sms": v.Channel.SMS, "email": v.Channel.EMAIL}
PURPOSES = {"login": v.Purpose.LOGIN, "registration": v.Purpose.REGISTRATION,
            "recovery": v.Purpose.RECOVERY, "enrollment": v.Purpose.ENROLLMENT,
            "password_change": v.Purpose.PASSWORD_CHANGE, "activation": v.Purpose.ACTIVATION}


def outcome_json(outcome):
    """A delivery outcome as the core's JSON: the variant's name, then its fields."""
    return {"outcome": type(outcome).__name__.split(".")[-1].lower(), **vars(outcome)}


def admission_json(a):
    """An admission as the core's JSON."""
    if a.is_allowed():
        return {"admission": "allowed", "attempt": json.loads(a.attempt)}
    if a.is_step_up():
        return {"admission": "step_up", "reason": REASONS[a.reason]}
    return {"admission": "locked", "until": a.until, "reason": REASONS[a.reason]}


def variant_name(value):
    """A UniFFI enum variant's name as the core's JSON spells it."""
    return type(value).__name__.split(".")[-1].lower()


def state_json(state):
    """An account state as the core's JSON: its name, then its fields."""
    fields = {k: x.name.lower() if isinstance(x, enum.Enum) else x for k, x in vars(state).items()}
    return {"state": variant_name(state), **fields}


def lifecycle_event(d):
    """A lifecycle event from the core's JSON: the variant named by "event"."""
    fields = {k: x for k, x in d.items() if k != "event"}
    return getattr(v.LifecycleEvent, d["event"].upper())(**fields)


def code_in(effects):
    for e in effects:
        if e.is_send_sms():
            m = re.search(r"\d{6,}", e.text.reveal())
            if m:
                return m.group(0)
    return None


def flow_input(name, fields):
    """An input from the scenario's name and (field, value) pairs (secrets
    wrapped)."""
    kwargs = {}
    for key, value in fields:
        if key in ("password", "code", "confirmation", "current", "answer", "token"):
            value = v.SecretText(value)
        elif key in ("accept_terms", "accept_privacy"):
            value = value == "true"
        elif key == "choice":
            value = getattr(v.DuplicateChoice, value.upper())
        elif key == "method":
            value = getattr(v.Method, value.upper())
        elif key == "kind":
            value = getattr(v.IdentifierKind, value.upper())
        kwargs[key] = value
    if name == "email":
        kwargs.setdefault("username", None)
    return getattr(v.FlowInput, name.upper())(**kwargs)


def grant_of(text):
    """A session grant from the core's JSON."""
    g = json.loads(text)
    return v.SessionGrant(account=g["account"], epoch=g["epoch"], level=g["level"],
                          methods=[getattr(v.Method, m.upper()) for m in g.get("methods", [])],
                          at=g["at"], device=g.get("device"))


def flow_summary(o):
    """A flow outcome as the scenario writes it."""
    name = variant_name(o)
    if o.is_rejected():
        return f"{name}:{o.reason.name.lower()}"
    if o.is_code_sent():
        return f"{name}:{o.channel.name.lower()}:{'sent' if o.sent else 'not_sent'}"
    if o.is_signed_in():
        return f"{name}:{o.grant.level}"
    if o.is_blocked():
        return f"{name}:{o.cause.name.lower()}"
    if o.is_ended():
        return f"{name}:{o.reason.name.lower()}"
    if o.is_applied():
        return f"{name}:{variant_name(o.state)}"
    if o.is_awaiting_host():
        return f"{name}:{variant_name(o.question)}"
    if o.is_done():
        return f"{name}:{o.done.name.lower()}"
    return name


def view_summary(view):
    screen = variant_name(view.screen)
    return f"{screen}:{view.error.name.lower()}" if view.error is not None else screen


def last_link(store):
    """The token of the last link sent, by email or SMS ("...token=<64 hex digits>")."""
    for effects in reversed(store.outbox):
        for e in reversed(effects):
            text = e.body.reveal() if e.is_send_email() else e.text.reveal() if e.is_send_sms() else ""
            m = re.search(r"token=([0-9a-f]{64})", text)
            if m:
                return m.group(1)
    raise AssertionError("no link was sent")


def codes_sent(store):
    sent = []
    for effects in store.outbox:
        for e in effects:
            text = e.text.reveal() if e.is_send_sms() else e.body.reveal() if e.is_send_email() else ""
            m = re.search(r"\d{6,}", text)
            if m and "token=" not in text:  # a link's token is not a code
                sent.append(m.group(0))
    return sent


class ModelHost:
    """The runner's own host loop (test_flow) on its own in-memory store."""

    def __init__(self, engine):
        self.engine, self.store = engine, test_flow.Store()

    @property
    def outbox(self):
        return self.store.outbox

    def provision(self, account, password, now):
        keys = []
        step = self.engine.provision(account, password, now, self.store.load(keys))
        while isinstance(step.then, v.Then.LOAD):  # the hints it asks for
            keys += step.then.keys
            step = self.engine.provision(account, password, now, self.store.load(keys))
        self.store.commit(step)

    def start(self, kind, source, now):
        s = self.engine.start(kind, source, None, None, False, now)
        self.store.commit(s.step)
        return s.flow_key, s.client_secret, s.step.view

    def start_from_grant(self, kind, grant, level, now):
        s = self.engine.start_from_grant(kind, grant, level, None, None, None, False, now)
        self.store.commit(s.step)
        return s.flow_key, s.client_secret, s.step.view

    def request(self, key, secret, token, input, now):
        step = test_flow.request(self.engine, self.store, key, secret, token, input, now)
        return step.outcome, step.view

    def answer(self, key, token, fact, now):
        step = test_flow.answer(self.engine, self.store, key, token, fact, now)
        return step.outcome, step.view

    def command(self, actor, command, now):
        keys = [f"account/{command.account}", f"guard/{command.account}"]
        step = self.engine.command(actor, command, self.store.load(keys), now)
        while isinstance(step.then, v.Then.LOAD):  # the records it asks for
            keys += step.then.keys
            step = self.engine.command(actor, command, self.store.load(keys), now)
        self.store.commit(step)
        return step.outcome

    def account(self, account_id):
        return self.store.get("account/" + account_id)


class LibraryHost:
    """The library's own store and host loop (varco-store through UniFFI):
    every step committed by `Store`, every effect taken out of its outbox
    as a sender would, with its idempotency key."""

    def __init__(self, engine, name):
        self.engine, self.store, self.outbox = engine, v.Store.open(name), []

    def _sent(self, now):
        for row in self.store.claim_outbox(self.engine, now, 60_000, 1000):
            assert not row.unreadable, row.step_id
            keys = [d.idempotency_key for d in row.deliveries]
            assert keys == [f"{row.step_id}/{i}" for i in range(len(keys))], keys
            self.outbox.append([d.effect for d in row.deliveries])
            assert self.store.outbox_sent(row.step_id)

    def provision(self, account, password, now):
        self.store.provision(self.engine, account, password, now)
        self._sent(now)

    def start(self, kind, source, now):
        s = self.store.start(self.engine, kind, source, None, None, False, now)
        self._sent(now)
        return s.flow_key, s.client_secret, s.view

    def start_from_grant(self, kind, grant, level, now):
        s = self.store.start_from_grant(self.engine, kind, grant, level, None, None, None, False, now)
        self._sent(now)
        return s.flow_key, s.client_secret, s.view

    def request(self, key, secret, token, input, now):
        r = self.store.advance(self.engine, key, secret, token, input, now)
        self._sent(now)
        return r.outcome, r.view

    def answer(self, key, token, fact, now):
        r = self.store.answer(self.engine, key, token, fact, now)
        self._sent(now)
        return r.outcome, r.view

    def command(self, actor, command, now):
        r = self.store.command(self.engine, actor, command, now)
        self._sent(now)
        return r.outcome

    def account(self, account_id):
        return self.store.get("account/" + account_id).record


class ScenarioTest(unittest.TestCase):
    def test_shared_scenario(self):
        """The runner's own host loop."""
        self.run_scenario(ModelHost)

    def test_shared_scenario_on_the_library_store(self):
        """The same lines through `Store` on a SQLite file: the library's
        host loop and outbox give the same results."""
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "varco.db")
            self.run_scenario(lambda engine: LibraryHost(engine, path + str(id(engine))))

    def run_scenario(self, host_of):
        checked = 0
        delivery = None
        guard = None
        life = None
        sealing = None
        totp = None
        engine = host = None
        flows = {}
        with open(SCENARIO, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for n, line in enumerate(lines, 1):
            if not line.strip() or line.startswith("#"):
                continue
            f = line.split("\t")
            where = f"line {n}: {line}"
            kind = f[0]
            if kind == "policy":
                ctx = v.PolicyContext(username=None if f[3] == "-" else f[3], email=None,
                                      second_factor=False, confirmation=None, current=None)
                r = v.Policy.preset(f[1]).check(f[2], ctx, "en")
                got = ",".join(x.code for x in r.violations) or "ok"
                self.assertEqual(got, f[4], where)
            elif kind == "hash":
                h = v.Hasher.with_params(int(f[1]), int(f[2]), int(f[3]))
                self.assertTrue(h.verify(f[4], f[5]).valid, where)
                self.assertFalse(h.verify(f[4] + "x", f[5]).valid, where)
                fresh = h.hash(f[4])
                self.assertTrue(fresh.startswith(f"$argon2id$v=19$m={f[1]},t={f[2]},p={f[3]}$"), where)
                self.assertTrue(h.verify(f[4], fresh).valid, where)
            elif kind == "totp":
                self.assertEqual(v.totp_code(f[2], int(f[3]) * 1000, json.dumps({"algorithm": f[1], "digits": int(f[4])})), f[5], where)
            elif kind == "delivery":
                key = v.HostKey(id=f[2], secret=bytes.fromhex(f[3]))
                delivery = dict(d=v.Delivery(f[1], [key]), channel=CHANNELS[f[4]], address=f[5],
                                purpose=PURPOSES[f[6]], held={}, codes=[])
            elif kind == "code":
                d, now, action = delivery, int(f[1]), f[2]
                held = d["held"]
                if action == "issue":
                    s = d["d"].issue(d["purpose"], d["channel"], d["address"],
                                     held.get("destination_budget", (None, 0))[0], now)
                    held.pop("challenge", None)  # a new challenge: must not exist
                    d["codes"].append(code_in(s.effects))
                elif action == "verify":
                    code = {"current": lambda: d["codes"][-1], "previous": lambda: d["codes"][-2]}.get(f[3], lambda: f[3])()
                    s = d["d"].verify(held["challenge"][0], code, d["purpose"], now)
                elif action == "resend":
                    s = d["d"].resend(held["challenge"][0], held["destination_budget"][0], now)
                    c = code_in(s.effects)
                    if c:
                        d["codes"].append(c)
                else:
                    self.fail(where)
                for w in s.writes:
                    # compare-and-swap: each write replaces the revision held (0: none)
                    self.assertEqual(w.replaces, held.get(w.kind, (None, 0))[1], where)
                    held[w.kind] = (w.record, w.revision)
                self.assertEqual(outcome_json(s.outcome), json.loads(f[4]), where)
                self.assertEqual(held.get("challenge", (None, 0))[1], int(f[5]), where)
            elif kind == "guard-policies":
                guard = dict(g=v.Guard(f[1]), record=None, revision=0, attempt=None)
            elif kind == "guard":
                g, now, action, arg = guard["g"], int(f[1]), f[2], f[3]
                got = None
                if action == "begin":
                    s = g.begin(guard["record"], FACTORS[arg], None, now)
                    got = admission_json(s.admission)
                    if s.admission.is_allowed():
                        guard["attempt"] = s.admission.attempt
                elif action == "failed":
                    s = g.failed(guard["record"], guard["attempt"], now)
                elif action == "succeed":
                    s = g.succeed(guard["record"], guard["attempt"], now)
                elif action == "trust":
                    s = g.trust_device(guard["record"], arg, now)
                elif action == "unlock":
                    s = g.unlock(guard["record"], None if arg == "-" else arg, now)
                else:
                    self.fail(where)
                for w in s.writes:
                    # compare-and-swap: each write replaces what we hold
                    self.assertEqual(w.replaces, guard["revision"], where)
                    guard["record"], guard["revision"] = w.record, w.revision
                if f[4] != "-":
                    self.assertEqual(got, json.loads(f[4]), where)
                self.assertEqual(guard["revision"], int(f[5]), where)
            elif kind == "lifecycle":
                now, action = int(f[1]), f[2]
                record = life["record"] if life else None
                try:
                    if action == "create":
                        life = None
                        s = v.lifecycle_create(now)
                    elif action == "apply":
                        s = v.lifecycle_apply(record, lifecycle_event(json.loads(f[3])), now)
                    elif action == "activity":
                        s = v.lifecycle_record_activity(record, now)
                    elif action == "inactivity":
                        s = v.lifecycle_check_inactivity(record, int(f[3]), now)
                    else:
                        self.fail(where)
                    got = {**state_json(s.state), "can_authenticate": s.can_authenticate}
                    self.assertEqual(got, json.loads(f[4]), where)
                    for w in s.writes:
                        self.assertEqual(w.replaces, life["revision"] if life else 0, where)
                        life = dict(record=w.record, revision=w.revision)
                except v.VarcoError as e:
                    self.assertEqual(f"error:{e.code.name.lower()}", f[4], where)
                self.assertEqual(life["revision"] if life else 0, int(f[5]), where)
            elif kind == "legacy":
                h = v.Hasher.with_params(64, 1, 1)
                self.assertEqual(h.verify(f[1], f[2]), v.VerifyResult(valid=True, needs_rehash=True), where)
                self.assertFalse(h.verify(f[1] + "x", f[2]).valid, where)
                wrapped = h.wrap_legacy(f[2])
                self.assertTrue(wrapped.startswith("$varco-wrap$"), where)
                self.assertEqual(h.verify(f[1], wrapped), v.VerifyResult(valid=True, needs_rehash=True), where)
                self.assertFalse(h.verify(f[1] + "x", wrapped).valid, where)
            elif kind == "lookup":
                try:
                    got = v.lookup_key(getattr(v.IdentifierKind, f[1].upper()), f[2], None).record_key
                except v.VarcoError as e:
                    got = f"error:{e.code.name.lower()}"
                self.assertEqual(got, f[3], where)
            elif kind == "validate":
                r = v.validate(getattr(v.Field, f[1].upper()), f[2], None)
                got = r.value if r.value is not None else "invalid:" + ",".join(p.code for p in r.problems)
                self.assertEqual(got, f[3], where)
            elif kind == "sealing-keys":
                sealing = v.SealingKeys([v.HostKey(id=f[1], secret=bytes.fromhex(f[2]))])
            elif kind == "totp-enroll":
                e = v.totp_enroll(sealing, f[2], "Esempio", "mario", None if f[3] == "-" else f[3], int(f[1]))
                [w] = e.writes
                self.assertEqual((w.replaces, w.revision), (0, int(f[4])), where)
                totp = dict(key=f[2], secret=e.secret_base32.reveal(), record=w.record, revision=w.revision)
            elif kind == "totp-verify":
                now = int(f[1])
                window = [v.totp_code(totp["secret"], now + d, None) for d in (-30_000, 0, 30_000)]
                code = {"previous": window[0], "now": window[1], "next": window[2]}.get(f[2])
                if f[2] == "wrong":
                    code = next(c for c in ("000000", "111111", "222222", "333333") if c not in window)
                s = v.totp_verify(sealing, totp["key"], totp["record"], code, now)
                self.assertEqual(outcome_json(s.outcome), json.loads(f[3]), where)
                for w in s.writes:
                    self.assertEqual(w.replaces, totp["revision"], where)
                    totp.update(record=w.record, revision=w.revision)
                self.assertEqual(totp["revision"], int(f[4]), where)
            elif kind == "engine":
                engine = v.FlowEngine(f[1], **test_flow.KEYS)
                host = host_of(engine)
                flows = {}
            elif kind == "provision":
                fields = json.loads(f[2])
                fields["required_actions"] = [getattr(v.RequiredAction, a.upper())
                                              for a in fields.get("required_actions", [])]
                if "answer" in fields:
                    fields["answer"] = v.SecretText(fields["answer"])
                fields["identifiers"] = [v.NewIdentifier(kind=getattr(v.IdentifierKind, i["kind"].upper()),
                                                         value=i["value"])
                                         for i in fields.get("identifiers", [])]
                host.provision(v.NewAccount(**{
                    "username": None, "email": None, "mobile": None, "second_factor": False,
                    **fields}), v.SecretText(f[3]), int(f[1]))
            elif kind == "flow-start":
                flow_kind = getattr(v.FlowKind, f[4].upper()) if len(f) > 4 else v.FlowKind.LOGIN
                key, secret, view = host.start(flow_kind, None if f[3] == "-" else f[3], int(f[1]))
                flows[f[2]] = [key, secret, view.token]
            elif kind == "flow":
                key, secret, token = flows[f[2]]
                fields = []
                for pair in ([] if f[4] == "-" else f[4].split("&")):
                    name, value = pair.split("=", 1)
                    sent = codes_sent(host)
                    if name == "code" and value == "current":
                        value = sent[-1]
                    elif name == "code" and value == "previous":
                        value = sent[-2]
                    elif name == "code" and value == "wrong":
                        value = next(c for c in ("000000", "111111") if c not in sent)
                    elif name == "token":
                        # An emailed link's token stands for the client secret.
                        value = last_link(host) if value == "link" else "0" * 64 if value == "forged" else value
                        secret = v.SecretText(value)
                    fields.append((name, value))
                outcome, view = host.request(key, secret, token, flow_input(f[3], fields), int(f[1]))
                flows[f[2]][2] = view.token
                if f[3] == "confirm_link" and outcome.is_moved():
                    flows[f[2]][1] = secret  # a confirmed link binds the flow to its holder
                self.assertEqual(flow_summary(outcome), f[5], where)
                self.assertEqual(view_summary(view), f[6], where)
            elif kind == "session":
                grant = grant_of(f[2])
                max_age = None if f[3] == "-" else int(f[3])
                check = engine.check_session(grant, host.account(grant.account), int(f[1]), max_age,
                                             int(f[4]))
                self.assertEqual(check.name.lower(), f[5], where)
            elif kind == "step-up":
                flow_kind = getattr(v.FlowKind, f[6].upper()) if len(f) > 6 else v.FlowKind.STEP_UP
                key, secret, view = host.start_from_grant(flow_kind, grant_of(f[3]), int(f[4]), int(f[1]))
                flows[f[2]] = [key, secret, view.token]
                self.assertEqual(view_summary(view), f[5], where)
            elif kind == "answer":
                key, _, token = flows[f[2]]
                fact = json.loads(f[3])
                fact = getattr(v.HostFact, fact.pop("fact").upper())(**fact)
                outcome, view = host.answer(key, token, fact, int(f[1]))
                flows[f[2]][2] = view.token
                self.assertEqual(flow_summary(outcome), f[4], where)
                self.assertEqual(view_summary(view), f[5], where)
            elif kind == "command":
                actor = json.loads(f[2])
                actor = v.Actor.OPERATOR(actor["id"]) if actor["actor"] == "operator" else v.Actor.HOST()
                c = json.loads(f[3])
                name = c.pop("command").upper()
                if name == "FORCE_RESET":
                    c.setdefault("to", None)
                if "decision" in c:
                    c["decision"] = getattr(v.CeaseDecision, c["decision"].upper())
                if name in ("CANCEL_MOBILE_CHANGE", "RESOLVE_CEASE"):
                    # "token":"link": the token of the latest link sent.
                    token = c.get("token")
                    c["token"] = None if token is None else v.SecretText(last_link(host) if token == "link" else token)
                command = getattr(v.Command, name)(**c)
                outcome = host.command(actor, command, int(f[1]))
                self.assertEqual(flow_summary(outcome), f"applied:{f[4]}", where)
            else:
                self.fail(f"unknown kind at {where}")
            checked += 1
        self.assertGreaterEqual(checked, 50)


if __name__ == "__main__":
    unittest.main()
