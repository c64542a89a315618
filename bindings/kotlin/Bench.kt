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
}
