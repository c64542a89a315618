"""Per-call cost of the Python bindings (a benchmark, not a test): the
floor (a method without arguments returning a short string), a trivial call (a TOTP code) and a full step (verifying a delivery code), the
same two calls as benches/benches/bindings.rs. Prints nanoseconds per call,
the best of 5 runs."""

import timeit

import varco_uniffi as v

SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
NOW = 1_800_000_000_000

d = v.Delivery('{"service":"Esempio"}', [v.HostKey(id="k", secret=bytes([7] * 32))])
stored = [w.record for w in d.issue(v.Purpose.LOGIN, v.Channel.SMS, "+393331234567", None, NOW).writes
          if w.kind == "challenge"][0]


def step():
    s = d.verify(stored, "123456", v.Purpose.LOGIN, NOW + 1000)
    return s.outcome, s.writes, s.effects


query = v.BreachQuery("password")

for name, fn, n in [
    ("python floor_method_no_args", query.prefix, 20000),
    ("python trivial_totp_code", lambda: v.totp_code(SECRET, 59_000, None), 20000),
    ("python step_code_verify", step, 5000),
]:
    best = min(timeit.repeat(fn, number=n, repeat=5)) / n
    print(f"{name}: {best * 1e9:.0f} ns/call")

# A sign-in step: a wrong SMS code at the code screen, the records it reads
# loaded (one binding call per user step).
KEYS = dict(code_keys=[v.HostKey("c1", bytes([1] * 32))], sealing_keys=[v.HostKey("s1", bytes([2] * 32))],
            decoy_key=v.HostKey("d1", bytes([3] * 32)), peppers=None)
engine = v.FlowEngine('{"hash":{"m_kib":8,"t":1,"p":1}}', **KEYS)
db = {}


def commit(step):
    for w in step.writes:
        if isinstance(w, v.FlowWrite.PUT):
            db[w.key] = w.record


def drive(key, secret, token, input):
    keys, ticket = [], None
    while True:
        step = engine.advance(db[key], secret, token, input, ticket,
                              [v.LoadedRecord(key=k, record=db.get(k)) for k in keys], NOW)
        commit(step)
        if isinstance(step.then, v.Then.RESPOND):
            return step, keys
        if isinstance(step.then, v.Then.LOAD):
            keys += step.then.keys
        else:
            ticket = step.then.ticket


commit(engine.provision(v.NewAccount(id="a1", username="mario", email=None, mobile="+393331234567",
                                     second_factor=True), v.SecretText("Correct-Horse-1"), NOW))
started = engine.start(v.FlowKind.LOGIN, None, None, None, False, NOW)
commit(started.step)
key, secret = started.flow_key, started.client_secret
step, _ = drive(key, secret, started.step.view.token, v.FlowInput.IDENTIFY("mario"))
step, _ = drive(key, secret, step.view.token, v.FlowInput.PASSWORD(v.SecretText("Correct-Horse-1")))
wrong = v.FlowInput.CODE(v.SecretText("000000"))
# One wrong code through the loop: the keys a code step reads, and the
# flow as it then stands.
step, keys = drive(key, secret, step.view.token, wrong)
flow, token = db[key], step.view.token
records = [v.LoadedRecord(key=k, record=db.get(k)) for k in keys]


def flow_step():
    s = engine.advance(flow, secret, token, wrong, None, records, NOW)
    return s.outcome, s.view, s.writes, s.effects


assert flow_step()[1] is not None
best = min(timeit.repeat(flow_step, number=2000, repeat=5)) / 2000
print(f"python flow_step_code_wrong: {best * 1e9:.0f} ns/call")

# A whole sign-in (start, identifier, password; no second factor) through
# the library's own store and loop (`Store`, in memory and on a SQLite
# file) beside the same journey through this file's loop on a dict: what
# the library's loop costs a Python host, in one run.
import os
import tempfile

commit(engine.provision(v.NewAccount(id="a2", username="lucia", email=None, mobile=None, second_factor=False),
                        v.SecretText("Correct-Horse-2"), NOW))


def python_loop_sign_in():
    s = engine.start(v.FlowKind.LOGIN, None, None, None, False, NOW)
    commit(s.step)
    st, _ = drive(s.flow_key, s.client_secret, s.step.view.token, v.FlowInput.IDENTIFY("lucia"))
    st, _ = drive(s.flow_key, s.client_secret, st.view.token, v.FlowInput.PASSWORD(v.SecretText("Correct-Horse-2")))
    assert isinstance(st.outcome, v.FlowOutcome.SIGNED_IN)


def store_sign_in(store):
    def run():
        s = store.start(engine, v.FlowKind.LOGIN, None, None, None, False, NOW)
        r = store.advance(engine, s.flow_key, s.client_secret, s.view.token, v.FlowInput.IDENTIFY("lucia"), NOW)
        r = store.advance(engine, s.flow_key, s.client_secret, r.view.token,
                          v.FlowInput.PASSWORD(v.SecretText("Correct-Horse-2")), NOW)
        assert isinstance(r.outcome, v.FlowOutcome.SIGNED_IN)
    return run


with tempfile.TemporaryDirectory() as d:
    memory = v.Store.open(":memory:")
    sqlite = v.Store.open(os.path.join(d, "bench.db"))
    for s in (memory, sqlite):
        s.provision(engine, v.NewAccount(id="a2", username="lucia", email=None, mobile=None, second_factor=False),
                    v.SecretText("Correct-Horse-2"), NOW)
    results = {}
    for name, fn in [("python_loop_dict", python_loop_sign_in), ("store_memory", store_sign_in(memory)),
                     ("store_sqlite", store_sign_in(sqlite))]:
        results[name] = min(timeit.repeat(fn, number=200, repeat=5)) / 200
        print(f"python sign_in_{name}: {results[name] * 1e6:.0f} µs/sign-in")
    for name in ("store_memory", "store_sqlite"):
        print(f"python sign_in_{name} / python_loop_dict: {results[name] / results['python_loop_dict']:.2f}")
