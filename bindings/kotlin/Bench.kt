// Per-call cost of the Kotlin bindings on the JVM (a benchmark, not a test):
// the floor (a method without arguments returning a short string), a trivial call (a TOTP code) and a full step (verifying a delivery code),
// the same two calls as benches/benches/bindings.rs. Warms up, then prints
// the median of 15 runs in nanoseconds per call.

import varco.*

fun measure(name: String, n: Int, body: () -> Unit) {
    repeat(3 * n) { body() } // JIT warm-up
    val runs = (1..15).map {
        val t0 = System.nanoTime()
        repeat(n) { body() }
        (System.nanoTime() - t0).toDouble() / n
    }.sorted()
    println("kotlin $name: ${"%.0f".format(runs[runs.size / 2])} ns/call")
}

fun main() {
    val secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    val now = 1_800_000_000_000L
    val d = Delivery("{\"service\":\"Esempio\"}", listOf(HostKey("k", ByteArray(32) { 7 })))
    val stored = d.issue(Purpose.LOGIN, Channel.SMS, "+393331234567", null, now).writes.first { it.kind == "challenge" }.record
    val query = BreachQuery("password")
    measure("floor_method_no_args", 20000) { query.prefix() }
    measure("trivial_totp_code", 20000) { totpCode(secret, 59_000L, null) }
    measure("step_code_verify", 5000) { d.verify(stored, "123456", Purpose.LOGIN, now + 1000L) }
    flowStep(now)
}

// A sign-in step: a wrong SMS code at the code screen, the records it reads
// loaded (one binding call per user step).
fun flowStep(now: Long) {
    val engine = FlowEngine(
        """{"hash":{"m_kib":8,"t":1,"p":1}}""",
        listOf(HostKey("c1", ByteArray(32) { 1 })), listOf(HostKey("s1", ByteArray(32) { 2 })),
        HostKey("d1", ByteArray(32) { 3 }), null,
    )
    val db = HashMap<String, String>()
    fun commit(step: FlowStep) { for (w in step.writes) if (w is FlowWrite.Put) db[w.key] = w.record }
    fun drive(key: String, secret: SecretText, token: String, input: FlowInput): Pair<FlowStep, List<String>> {
        val keys = mutableListOf<String>()
        var ticket: SecretText? = null
        while (true) {
            val step = engine.advance(db.getValue(key), secret, token, input, ticket, keys.map { LoadedRecord(it, db[it]) }, now)
            commit(step)
            when (val t = step.then) {
                is Then.Respond -> return step to keys
                is Then.Load -> keys += t.keys
                is Then.CommitAndRepeat -> ticket = t.ticket
            }
        }
    }
    commit(engine.provision(NewAccount("a1", "mario", null, "+393331234567", true), SecretText("Correct-Horse-1"), now))
    val started = engine.start(FlowKind.LOGIN, null, null, null, false, now)
    commit(started.step)
    val key = started.flowKey
    val secret = started.clientSecret
    var step = drive(key, secret, started.step.view!!.token, FlowInput.Identify("mario")).first
    step = drive(key, secret, step.view!!.token, FlowInput.Password(SecretText("Correct-Horse-1"))).first
    val wrong = FlowInput.Code(SecretText("000000"))
    val (after, keys) = drive(key, secret, step.view!!.token, wrong)
    val flow = db.getValue(key)
    val token = after.view!!.token
    val records = keys.map { LoadedRecord(it, db[it]) }
    measure("flow_step_code_wrong", 2000) { engine.advance(flow, secret, token, wrong, null, records, now) }
}
