// varco-store from Kotlin: `Store` runs the host loop on a SQLite file,
// keeps the effects in its outbox, and is shared between threads.

import varco.*
import java.nio.file.Files
import java.util.concurrent.ConcurrentLinkedQueue

fun smsCodes(rows: List<ClaimedRow>): List<String> = rows.flatMap { it.deliveries }.mapNotNull { d ->
    (d.effect as? Effect.SendSms)?.let { Regex("\\d{6}").find(it.text.reveal())!!.value }
}

/** A SQLite store in a fresh folder, with mario's account. */
fun sqliteStore(): Store {
    val dir = Files.createTempDirectory("varco-store")
    dir.toFile().deleteOnExit()
    val store = Store.open(dir.resolve("varco.db").toString())
    store.provision(flowEngine, NewAccount("a1", "mario", null, "333 123 4567", true), SecretText("Correct-Horse-1"), FLOW_T0)
    return store
}

/** Signs mario in up to the SMS code: the flow's key, secret and view token. */
fun toTheCode(store: Store): Triple<String, SecretText, String> {
    val s = store.start(flowEngine, FlowKind.LOGIN, "203.0.113.7", null, null, false, FLOW_T0)
    val r = store.advance(flowEngine, s.flowKey, s.clientSecret, s.view!!.token, FlowInput.Identify("Mario"), FLOW_T0 + 1)
    eq(r.view!!.screen, Screen.Password)
    val c = store.advance(flowEngine, s.flowKey, s.clientSecret, r.view!!.token, FlowInput.Password(SecretText("Correct-Horse-1")), FLOW_T0 + 2)
    eq(c.outcome, FlowOutcome.CodeSent(Channel.SMS, true))
    return Triple(s.flowKey, s.clientSecret, c.view!!.token)
}

val storeTests = listOf<Pair<String, () -> Unit>>(
    "store: a sign-in on a SQLite file, its SMS through the outbox" to {
        val store = sqliteStore()
        val (key, secret, token) = toTheCode(store)
        val rows = store.claimOutbox(flowEngine, FLOW_T0 + 3, 60_000L, 100u)
        val otp = smsCodes(rows).single()
        check(rows.all { r -> r.deliveries.withIndex().all { (i, d) -> d.idempotencyKey == "${r.stepId}/$i" } }) { "idempotency keys" }
        eq(store.claimOutbox(flowEngine, FLOW_T0 + 4, 60_000L, 100u), emptyList<ClaimedRow>(), "claimed twice within the lease")
        rows.forEach { check(store.outboxSent(it.stepId)) { "sent" } }
        eq(store.counts().outbox, 0uL)
        val done = store.advance(flowEngine, key, secret, token, FlowInput.Code(SecretText(otp)), FLOW_T0 + 5).outcome as FlowOutcome.SignedIn
        eq(done.grant.level.toInt(), 2)
        eq(store.checkSession(flowEngine, done.grant, FLOW_T0 + 6, null, 2u), SessionCheck.VALID)
        eq(store.command(flowEngine, Actor.Operator("op-1"), Command.Block("a1", "stolen"), FLOW_T0 + 7).outcome,
            FlowOutcome.Applied(AccountState.Suspended))
        eq(store.checkSession(flowEngine, done.grant, FLOW_T0 + 8, null, 1u), SessionCheck.REVOKED)
    },
    "store: one code from 16 threads signs in once" to {
        val store = sqliteStore()
        val (key, secret, token) = toTheCode(store)
        val otp = smsCodes(store.claimOutbox(flowEngine, FLOW_T0 + 3, 60_000L, 100u)).single()
        val outcomes = ConcurrentLinkedQueue<FlowOutcome>()
        val threads = (0 until 16).map {
            Thread { outcomes.add(store.advance(flowEngine, key, secret, token, FlowInput.Code(SecretText(otp)), FLOW_T0 + 4).outcome) }
        }
        threads.forEach { it.start() }
        threads.forEach { it.join() }
        eq(outcomes.size, 16)
        eq(outcomes.count { it is FlowOutcome.SignedIn }, 1, "signed in")
    },
    "store: failures are typed and write nothing" to {
        val store = sqliteStore()
        val before = store.counts()
        val twin = NewAccount("a2", "MARIO", null, null, false)
        eq(code(raises<VarcoException> { store.provision(flowEngine, twin, SecretText("Correct-Horse-1"), FLOW_T0) }), "Store/TAKEN")
        eq(store.counts(), before)
        eq(code(raises<VarcoException> {
            store.advance(flowEngine, "flow/none", SecretText("x"), "t", FlowInput.Identify("mario"), FLOW_T0)
        }), "Store/UNKNOWN_FLOW")
        eq(code(raises<VarcoException> { Store.open("") }), "Store/INVALID")
        eq(code(raises<VarcoException> { store.sweep(-1L) }), "RejectInput/INVALID_TIME")
        val pg = raises<VarcoException> { Store.open("postgresql://varco:hunter2@127.0.0.1:1/none") }
        eq(code(pg), "Store/DATABASE")
        check(!pg.toString().contains("hunter2")) { "a password in an error" }
        check(!store.toString().contains("varco.db")) { "the store's name in toString" }
        val memory = Store.open(":memory:")
        eq(memory.counts(), StoreCounts(0uL, 0uL, 0uL))
    },
)
