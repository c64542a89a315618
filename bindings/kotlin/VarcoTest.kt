// varco through UniFFI, from Kotlin on the JVM (JNA): the same answers as in
// Rust, C and Python, and the shared scenario file. A small harness (no
// JUnit here): each check prints "ok" or "FAIL", then "N passed, N failed".

import varco.*
import java.io.File

class Check(message: String) : Exception(message)

fun check(cond: Boolean, what: () -> String) {
    if (!cond) throw Check(what())
}

fun <T> eq(got: T, want: T, what: String = "") {
    if (got != want) throw Check("$what: got $got, want $want")
}

inline fun <reified E : Throwable> raises(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw Check("expected ${E::class.simpleName}, got $e")
    }
    throw Check("expected ${E::class.simpleName}, nothing was thrown")
}

// The error's variant (the caller's action) and its typed code, e.g.
// "UnusableRecord/SEAL"; the `when` is exhaustive over the sealed class.
fun code(e: VarcoException): String = when (e) {
    is VarcoException.FixConfiguration -> "FixConfiguration/${e.code}"
    is VarcoException.RejectInput -> "RejectInput/${e.code}"
    is VarcoException.UnusableRecord -> "UnusableRecord/${e.code}"
    is VarcoException.StartOver -> "StartOver/${e.code}"
    is VarcoException.Internal -> "Internal/${e.code}"
    is VarcoException.Store -> "Store/${e.code}"
}

val sealKey = HostKey("k1", ByteArray(32) { it.toByte() })
val codeKey = HostKey("c1", ByteArray(32) { it.toByte() })
fun ctx(username: String? = null) = PolicyContext(username, null, false, null, null)

// ---- the shared scenario ----------------------------------------------

fun snake(name: String) = name.replace(Regex("([a-z0-9])([A-Z])"), "$1_$2").lowercase()

/** An outcome (sealed-class variant) as the flat map the core's JSON has. */
fun asMap(o: Any, tag: String): Map<String, String> {
    val m = mutableMapOf(tag to snake(o.javaClass.simpleName))
    for (f in o.javaClass.declaredFields) {
        if (java.lang.reflect.Modifier.isStatic(f.modifiers)) continue
        f.isAccessible = true
        val v = f.get(o)
        // UInt/ULong fields are stored unboxed as signed ints; values here are small.
        m[snake(f.name)] = if (v is Enum<*>) v.name.lowercase() else v?.toString() ?: "null"
    }
    return m
}

/** A flat JSON object of strings, numbers and null, as a map of strings. */
fun flatJson(s: String): Map<String, String> =
    Regex("\"([a-z_]+)\"\\s*:\\s*(\"([^\"]*)\"|-?[0-9]+|null|true|false)").findAll(s)
        .associate { it.groupValues[1] to (it.groups[3]?.value ?: it.groupValues[2]) }

fun purposeOf(name: String): Purpose = Purpose.valueOf(name.uppercase())
fun channelOf(name: String): Channel = Channel.valueOf(name.uppercase())

fun factor(name: String): Factor = when (name) {
    "password" -> Factor.PASSWORD
    "second_factor" -> Factor.SECOND_FACTOR
    else -> Factor.RECOVERY
}

/** An admission as the flat map of the core's JSON (the ticket's fields inlined). */
fun admissionMap(a: Admission): Map<String, String> = when (a) {
    is Admission.Allowed -> mapOf("admission" to "allowed") + flatJson(a.attempt)
    is Admission.StepUp -> mapOf("admission" to "step_up", "reason" to a.reason.name.lowercase())
    is Admission.Locked -> mapOf(
        "admission" to "locked",
        "until" to (a.until?.toString() ?: "null"),
        "reason" to a.reason.name.lowercase(),
    )
}

fun codeIn(effects: List<Effect>): String? = effects.filterIsInstance<Effect.SendSms>()
    .firstNotNullOfOrNull { Regex("\\d{6,}").find(it.text.reveal())?.value }

/** A lifecycle event from the core's JSON. */
fun lifecycleEvent(json: String): LifecycleEvent {
    val m = flatJson(json)
    return when (m["event"]) {
        "activate" -> LifecycleEvent.Activate
        "preventive_block" -> LifecycleEvent.PreventiveBlock(m["detail"]!!)
        "inactivity" -> LifecycleEvent.Inactivity
        "subscription_expired" -> LifecycleEvent.SubscriptionExpired
        "operator_block" -> LifecycleEvent.OperatorBlock(m["operator"]!!, m["reason"]!!)
        "cease" -> LifecycleEvent.Cease(m["reason"]!!)
        "recovery_completed" -> LifecycleEvent.RecoveryCompleted
        "operator_unblock" -> LifecycleEvent.OperatorUnblock(m["operator"]!!)
        "subscription_renewed" -> LifecycleEvent.SubscriptionRenewed
        else -> throw Check("unknown event in $json")
    }
}

fun hex(s: String) = ByteArray(s.length / 2) { s.substring(2 * it, 2 * it + 2).toInt(16).toByte() }

fun scenario(path: String, flowLines: FlowScenario = FlowScenario()) {
    var checked = 0
    var delivery: Delivery? = null
    var channel = ""; var address = ""; var purpose = ""
    val held = mutableMapOf<String, Pair<String, Long>>() // kind -> (record, revision)
    val codes = mutableListOf<String>()
    var guard: Guard? = null
    var guardRecord: String? = null
    var guardRevision = 0L
    var attempt = ""
    var life: Pair<String, Long>? = null // (record, revision)
    var sealing: SealingKeys? = null
    var totpKey = ""; var totpSecret = ""; var totp: Pair<String, Long>? = null
    File(path).readLines(Charsets.UTF_8).forEachIndexed { i, line ->
        if (line.isBlank() || line.startsWith("#")) return@forEachIndexed
        val f = line.split("\t")
        val where = "line ${i + 1}: $line"
        when (f[0]) {
            "policy" -> {
                val r = Policy.preset(f[1]).check(f[2], ctx(if (f[3] == "-") null else f[3]), "en")
                eq(r.violations.joinToString(",") { it.code }.ifEmpty { "ok" }, f[4], where)
            }
            "hash" -> {
                val h = Hasher.withParams(f[1].toUInt(), f[2].toUInt(), f[3].toUInt())
                check(h.verify(f[4], f[5]).valid) { where }
                check(!h.verify(f[4] + "x", f[5]).valid) { where }
                val fresh = h.hash(f[4])
                check(fresh.startsWith("\$argon2id\$v=19\$m=${f[1]},t=${f[2]},p=${f[3]}\$")) { where }
                check(h.verify(f[4], fresh).valid) { where }
            }
            "totp" -> eq(totpCode(f[2], f[3].toLong() * 1000, "{\"algorithm\":\"${f[1]}\",\"digits\":${f[4]}}"), f[5], where)
            "delivery" -> {
                delivery = Delivery(f[1], listOf(HostKey(f[2], hex(f[3]))))
                channel = f[4]; address = f[5]; purpose = f[6]; held.clear()
            }
            "code" -> {
                val d = delivery!!
                val now = f[1].toLong()
                val (outcome, writes) = when (f[2]) {
                    "issue" -> {
                        val s = d.issue(purposeOf(purpose), channelOf(channel), address, held["destination_budget"]?.first, now)
                        held.remove("challenge") // a new challenge: must not exist
                        codeIn(s.effects)?.let { codes.add(it) }
                        Pair<Any, List<Write>>(s.outcome, s.writes)
                    }
                    "verify" -> {
                        val c = when (f[3]) { "current" -> codes.last(); "previous" -> codes[codes.size - 2]; else -> f[3] }
                        val s = d.verify(held["challenge"]!!.first, c, purposeOf(purpose), now)
                        Pair<Any, List<Write>>(s.outcome, s.writes)
                    }
                    else -> {
                        val s = d.resend(held["challenge"]!!.first, held["destination_budget"]?.first, now)
                        codeIn(s.effects)?.let { codes.add(it) }
                        Pair<Any, List<Write>>(s.outcome, s.writes)
                    }
                }
                for (w in writes) {
                    eq(w.replaces, held[w.kind]?.second ?: 0L, where) // compare-and-swap on what we hold
                    held[w.kind] = Pair(w.record, w.revision)
                }
                eq(asMap(outcome, "outcome"), flatJson(f[4]), where)
                eq(held["challenge"]?.second ?: 0L, f[5].toLong(), where)
            }
            "guard-policies" -> { guard = Guard(f[1]); guardRecord = null; guardRevision = 0L }
            "guard" -> {
                val g = guard!!
                val now = f[1].toLong()
                var got: Map<String, String>? = null
                val writes = when (f[2]) {
                    "begin" -> {
                        val s = g.begin(guardRecord, factor(f[3]), null, now)
                        got = admissionMap(s.admission)
                        (s.admission as? Admission.Allowed)?.let { attempt = it.attempt }
                        s.writes
                    }
                    "failed" -> g.failed(guardRecord!!, attempt, now).writes
                    "succeed" -> g.succeed(guardRecord!!, attempt, now).writes
                    "trust" -> g.trustDevice(guardRecord, f[3], now).writes
                    else -> g.unlock(guardRecord!!, if (f[3] == "-") null else f[3], now).writes
                }
                for (w in writes) {
                    eq(w.replaces, guardRevision, where) // compare-and-swap on what we hold
                    guardRecord = w.record; guardRevision = w.revision
                }
                if (f[4] != "-") eq(got, flatJson(f[4]), where)
                eq(guardRevision, f[5].toLong(), where)
            }
            "lifecycle" -> {
                val now = f[1].toLong()
                val record = life?.first
                try {
                    val s = when (f[2]) {
                        "create" -> { life = null; lifecycleCreate(now) }
                        "apply" -> lifecycleApply(record!!, lifecycleEvent(f[3]), now)
                        "activity" -> lifecycleRecordActivity(record!!, now)
                        else -> lifecycleCheckInactivity(record!!, f[3].toUInt(), now)
                    }
                    eq(asMap(s.state, "state") + ("can_authenticate" to s.canAuthenticate.toString()), flatJson(f[4]), where)
                    for (w in s.writes) {
                        eq(w.replaces, life?.second ?: 0L, where)
                        life = Pair(w.record, w.revision)
                    }
                } catch (e: VarcoException) {
                    eq("error:" + code(e).substringAfter('/').lowercase(), f[4], where)
                }
                eq(life?.second ?: 0L, f[5].toLong(), where)
            }
            "legacy" -> {
                val h = Hasher.withParams(64u, 1u, 1u)
                eq(h.verify(f[1], f[2]), VerifyResult(true, true), where)
                check(!h.verify(f[1] + "x", f[2]).valid) { where }
                val wrapped = h.wrapLegacy(f[2])
                check(wrapped.startsWith("\$varco-wrap\$")) { where }
                eq(h.verify(f[1], wrapped), VerifyResult(true, true), where)
                check(!h.verify(f[1] + "x", wrapped).valid) { where }
            }
            "lookup" -> {
                val got = try {
                    lookupKey(IdentifierKind.valueOf(f[1].uppercase()), f[2], null).recordKey
                } catch (e: VarcoException) { "error:" + code(e).substringAfter('/').lowercase() }
                eq(got, f[3], where)
            }
            "validate" -> {
                val r = validate(Field.valueOf(f[1].uppercase()), f[2], null)
                val got = r.value ?: ("invalid:" + r.problems.joinToString(",") { it.code })
                eq(got, f[3], where)
            }
            "sealing-keys" -> sealing = SealingKeys(listOf(HostKey(f[1], hex(f[2]))))
            "totp-enroll" -> {
                val e = totpEnroll(sealing!!, f[2], "Esempio", "mario", if (f[3] == "-") null else f[3], f[1].toLong())
                val w = e.writes.single()
                eq(Pair(w.replaces, w.revision), Pair(0L, f[4].toLong()), where)
                totpKey = f[2]; totpSecret = e.secretBase32.reveal(); totp = Pair(w.record, w.revision)
            }
            "totp-verify" -> {
                val now = f[1].toLong()
                val window = listOf(-30_000L, 0L, 30_000L).map { totpCode(totpSecret, now + it, null) }
                val c = when (f[2]) {
                    "previous" -> window[0]
                    "now" -> window[1]
                    "next" -> window[2]
                    else -> listOf("000000", "111111", "222222", "333333").first { it !in window }
                }
                val s = totpVerify(sealing!!, totpKey, totp!!.first, c, now)
                eq(asMap(s.outcome, "outcome"), flatJson(f[3]), where)
                for (w in s.writes) {
                    eq(w.replaces, totp!!.second, where)
                    totp = Pair(w.record, w.revision)
                }
                eq(totp!!.second, f[4].toLong(), where)
            }
            else -> if (!flowLines.run(f, where)) throw Check("unknown kind at $where")
        }
        checked++
    }
    check(checked >= 50) { "only $checked lines ran" }
}

// ---- the tests ---------------------------------------------------------

val tests: List<Pair<String, () -> Unit>> = listOf(
    "policy: every violation at once, in Italian" to {
        val r = Policy.preset("nist_800_63b").check("mario", ctx("mario"), "it")
        check(!r.ok) { "ok" }
        eq(r.violations.map { it.code }.contains("too_short"), true, "codes ${r.violations.map { it.code }}")
        check(r.violations.first().message.isNotEmpty()) { "no message" }
    },
    "policy: a context's passwords are secret objects, never printed" to {
        val c = PolicyContext("mario", null, false, SecretText("violino tramo"), SecretText("vecchia parola"))
        check(!c.toString().contains("violino") && !c.toString().contains("vecchia")) { "password in toString" }
        val r = Policy.preset("nist_800_63b").check("violino tramo", c, "en")
        check(!r.skipped.contains("confirmation") && !r.skipped.contains("current")) { "skipped ${r.skipped}" }
    },
    "policy: JSON round trip and malformed JSON" to {
        val p = Policy.preset("mail_service")
        eq(Policy.fromJson(p.toJson()).toJson(), p.toJson())
        eq(code(raises<VarcoException> { Policy.fromJson("{") }), "FixConfiguration/INVALID_POLICY")
        eq(code(raises<VarcoException> { Policy.preset("nope") }), "FixConfiguration/INVALID_POLICY")
    },
    "hash: verify, rehash, dummy, limits" to {
        val h = Hasher.withParams(64u, 1u, 1u)
        val phc = h.hash("correct horse")
        eq(h.verify("correct horse", phc), VerifyResult(true, false))
        eq(h.verify("correct hors", phc), VerifyResult(false, false))
        eq(h.needsRehash(phc), false)
        eq(Hasher.owasp().needsRehash(phc), true)
        eq(h.dummyVerify("x").valid, false)
        raises<VarcoException> { h.hash("x".repeat(5000)) }
        eq(code(raises<VarcoException> { h.verify("pw", "garbage") }), "UnusableRecord/MALFORMED_HASH")
    },
    "totp: enroll, verify, replay, sealed at rest" to {
        val keys = SealingKeys(listOf(sealKey))
        val now = System.currentTimeMillis()
        val e = totpEnroll(keys, "mario/totp", "Esempio", "mario", null, now)
        val secret = e.secretBase32.reveal()
        check(!e.toString().contains(secret)) { "secret in toString" }
        val record = e.writes.single().record
        check(!record.contains(secret)) { "secret in clear" }
        val c = totpCode(secret, now, null)
        val s = totpVerify(keys, "mario/totp", record, c, now)
        eq(s.outcome, OtpOutcome.Accepted(0L))
        val next = s.writes.single()
        eq(next.replaces, 1L)
        eq(totpVerify(keys, "mario/totp", next.record, c, now + 1000L).outcome, OtpOutcome.Replayed)
        eq(code(raises<VarcoException> { totpVerify(keys, "luigi/totp", next.record, c, now) }), "UnusableRecord/SEAL")
        eq(otpauthParse(e.uri.reveal()).account, "mario")
        eq(code(raises<VarcoException> { totpVerify(SealingKeys(listOf(HostKey("k2", ByteArray(32)))), "mario/totp", next.record, c, now) }), "UnusableRecord/SEAL")
        raises<VarcoException> { SealingKeys(listOf(HostKey("k1", ByteArray(7)))) }
        raises<VarcoException> { SealingKeys(emptyList()) }
    },
    "recovery codes: single use" to {
        val h = Hasher.withParams(64u, 1u, 1u)
        val n = recoveryCodesGenerate(h, null, 2u, 0L)
        val first = n.codes[0].reveal()
        check(!n.toString().contains(first)) { "code in toString" }
        val s = recoveryCodeRedeem(h, n.writes.single().record, first, 1L)
        eq(s.outcome, RecoveryOutcome.Accepted(1u))
        val again = recoveryCodeRedeem(h, s.writes.single().record, first, 2L)
        eq(again.outcome, RecoveryOutcome.Rejected)
        eq(again.writes.size, 0)
    },
    "delivery: the code travels only in the effect" to {
        val d = Delivery("{\"service\":\"Esempio\",\"lang\":\"en\"}", listOf(codeKey))
        val s = d.issue(Purpose.LOGIN, Channel.SMS, "+393331234567", null, System.currentTimeMillis())
        val sms = s.effects[0] as Effect.SendSms
        val c = Regex("\\d{6}").find(sms.text.reveal())!!.value
        eq(s.writes.map { it.kind to it.replaces }, listOf("destination_budget" to 0L, "challenge" to 0L))
        val challenge = s.writes.first { it.kind == "challenge" }.record
        check(!challenge.contains(c)) { "code stored" }
        check(!sms.toString().contains(c)) { "code in toString" }
        eq(d.verify(challenge, c, Purpose.LOGIN, System.currentTimeMillis()).outcome, CodeOutcome.Accepted)
    },
    "guard and lifecycle" to {
        val g = Guard("{\"password\":{\"threshold\":1}}")
        // A Kotlin clock's Long goes in as it is.
        val a = g.begin(null, Factor.PASSWORD, null, System.currentTimeMillis())
        check(a.admission is Admission.Allowed) { "${a.admission}" }
        eq(a.writes.single().replaces, 0L)
        eq(a.writes.single().revision, 1L)
        val w = a.writes.single()
        eq(g.failed(w.record, (a.admission as Admission.Allowed).attempt, System.currentTimeMillis()).writes.size, 0)
        val l = g.begin(w.record, Factor.PASSWORD, null, System.currentTimeMillis() + 5000)
        check(l.admission is Admission.Locked) { "${l.admission}" }
        eq(l.writes.size, 0)
        eq(code(raises<VarcoException> { g.begin(null, Factor.PASSWORD, null, -1L) }), "RejectInput/INVALID_TIME")
        val created = lifecycleCreate(0L)
        eq(created.state, AccountState.PendingActivation)
        val lc = lifecycleApply(created.writes.single().record, LifecycleEvent.Activate, 1L)
        eq(lc.state, AccountState.Active)
        val active = lc.writes.single().record
        eq(code(raises<VarcoException> { lifecycleApply(active, LifecycleEvent.Activate, 2L) }), "StartOver/ILLEGAL_TRANSITION")
        val blocked = lifecycleApply(active, LifecycleEvent.PreventiveBlock("Lima"), 3L)
        eq(blocked.state, AccountState.Locked(LockCause.LOCATION))
        eq(code(raises<VarcoException> { lifecycleApply(blocked.writes.single().record, LifecycleEvent.RecoveryCompleted, 4L) }), "StartOver/ILLEGAL_TRANSITION")
    },
    "bad saved state is a clean error" to {
        val d = Delivery("{}", listOf(codeKey))
        for (bad in listOf("", "null", "[]", "{\"version\":99}", "{".repeat(10000))) {
            raises<VarcoException> { d.verify(bad, "123456", Purpose.LOGIN, 0L) }
            raises<VarcoException> { Guard("{}").failed(bad, "{}", 0L) }
        }
        eq(code(raises<VarcoException> { Guard("{}").failed("{\"kind\":\"account_guard\",\"version\":2}", "{}", 0L) }), "UnusableRecord/UNSUPPORTED_VERSION")
    },
    "a lone surrogate is refused before the call, not mangled" to {
        raises<Throwable> { Hasher.withParams(64u, 1u, 1u).hash("abc\uD800") }
        eq(Policy.preset("nist").check("ok ok ok ok ok ok", ctx(), "en").length, 17u)
    },
    "throttle, travel and pepper" to {
        val t = Throttle("{\"threshold\":1}")
        val s = t.begin(null, 0L)
        check(s.admission is Admission.Allowed) { "${s.admission}" }
        check(t.begin(s.writes.single().record, 5000L).admission is Admission.Locked) { "not locked" }
        val milan = "{\"at\":0,\"place\":{\"kind\":\"country\",\"code\":\"IT\"}}"
        val peru = "{\"at\":600000,\"place\":{\"kind\":\"country\",\"code\":\"PE\"}}"
        check(assessTravel(milan, peru, null) is RiskDecision.StepUp) { "travel" }
        val p1 = HostKey("p1", ByteArray(16) { 9 })
        val phc = Hasher.withPepper(64u, 1u, 1u, p1, emptyList()).hash("pw")
        eq(Hasher.withPepper(64u, 1u, 1u, HostKey("p2", ByteArray(32)), listOf(p1)).verify("pw", phc), VerifyResult(true, true))
        // A hash from before the pepper: refused unless accepted as legacy.
        val legacy = Hasher.withParams(64u, 1u, 1u).hash("pw")
        eq(code(raises<VarcoException> { Hasher.withPepper(64u, 1u, 1u, p1, emptyList()).verify("pw", legacy) }), "UnusableRecord/PEPPER_REQUIRED")
        eq(Hasher.withPepper(64u, 1u, 1u, p1, emptyList(), acceptLegacyUnpeppered = true).verify("pw", legacy), VerifyResult(true, true))
        // Equal cost, counted: an unknown account's dummy does a wrong password's work.
        val h = Hasher.withParams(64u, 2u, 1u)
        val before = h.work()
        h.verify("wrong", legacy)
        val wrong = h.work() - before
        h.dummyVerify("wrong")
        eq(h.work() - before, 2uL * wrong)
    },
    "strength and breach" to {
        check(strength("vT9#qL2!xW7@pZ4$", emptyList(), "en").score.toInt() == 4) { "strong" }
        val q = BreachQuery("password")
        eq(q.prefix(), "5BAA6")
        eq(q.count("1E4C9B93F3F0682250B6CF8331B7EE68FD8:42\r\n"), 42UL)
    },
    "validators: every problem, in Italian and English" to {
        eq(validate(Field.MOBILE, "0039 333-1234567", null).value, "+393331234567")
        val r = validate(Field.CODICE_FISCALE, "RSSMR180Z41H5A1U", null)
        eq(r.value, null)
        eq(r.problems.map { it.code }, listOf("cf_letter_expected", "cf_digit_expected", "cf_month", "cf_check"))
        eq(r.problems[2].messageIt, "La lettera del mese di nascita non è valida.")
        eq(r.problems[2].messageEn, "The birth month letter is not valid.")
        eq(validate(Field.REGISTRATION_EMAIL, "a@pec.it", null).problems.single().code, "email_pec")
        val pec = "{\"pec\":{\"extra_domains\":[\"example.com\"]}}"
        eq(validate(Field.REGISTRATION_EMAIL, "a@example.com", pec).problems.single().code, "email_pec")
        eq(code(raises<VarcoException> { validate(Field.EMAIL, "a@b.it", "{\"pec\":{\"domains\":[\"x\"]}}") }), "FixConfiguration/INVALID_POLICY")
        val person = Person("Mario", "Rossi", BirthDate(1980u, 1u, 1u), Sex.FEMALE)
        eq(validateCodiceFiscaleOf("RSSMRA80A01H501U", person).problems.map { it.code }, listOf("cf_sex"))
    },
)

fun main(args: Array<String>) {
    val all = tests + flowTests + storeTests + listOf(
        "shared scenario" to { scenario(args[0]) },
        // The same lines through the library's own store and loop, on a SQLite file.
        "shared scenario on the library store" to {
            val dir = java.nio.file.Files.createTempDirectory("varco-scenario")
            dir.toFile().deleteOnExit()
            var n = 0
            scenario(args[0], FlowScenario { LibraryHost(it, dir.resolve("s${n++}.db").toString()) })
        },
    )
    var passed = 0
    var failed = 0
    for ((name, body) in all) {
        try {
            body()
            println("$name ... ok")
            passed++
        } catch (e: Throwable) {
            println("$name ... FAIL: $e")
            failed++
        }
    }
    println("kotlin: $passed passed, $failed failed")
    if (failed > 0 || passed == 0) kotlin.system.exitProcess(1)
}
