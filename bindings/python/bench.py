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
