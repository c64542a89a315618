// The flow engine from Kotlin: the host loop of ENGINE §4 against an
// in-memory store, with threads racing for one account.

import varco.*
import java.util.concurrent.ConcurrentLinkedQueue

const val FLOW_T0 = 1_800_000_000_000L
val flowEngine by lazy {
    FlowEngine(
        """{"hash":{"m_kib":8,"t":1,"p":1}}""",
        listOf(HostKey("c1", ByteArray(32) { 1 })),
        listOf(HostKey("s1", ByteArray(32) { 2 })),
        HostKey("d1", ByteArray(32) { 3 }),
        null,
    )
}

class Conflict : Exception()

/** Records by key as (revision, text); one lock makes each commit atomic. */
class MemoryStore {
    private val records = HashMap<String, Pair<Long, String>>()
    val outbox = ConcurrentLinkedQueue<List<Effect>>()

    @Synchronized fun load(keys: List<String>) = keys.map { LoadedRecord(it, records[it]?.second) }
    @Synchronized fun get(key: String) = records.getValue(key).second

    @Synchronized fun commit(step: FlowStep) {
        for (w in step.writes) {
            val current = when (w) {
                is FlowWrite.Put -> records[w.key]?.first
                is FlowWrite.Assert -> records[w.key]?.first
            }
            val ok = when (w) {
                is FlowWrite.Put -> if (w.replaces == 0L) current == null else current == w.replaces
                is FlowWrite.Assert -> current == w.revision
            }
            if (!ok) throw Conflict()
        }
        for (w in step.writes) if (w is FlowWrite.Put) records[w.key] = w.revision to w.record
        outbox.add(step.effects)
    }
}

/** One user request: advance, commit, and Load / CommitAndRepeat / retry. */
fun request(store: MemoryStore, flowKey: String, secret: SecretText, token: String, input: FlowInput, now: Long, engine: FlowEngine = flowEngine): FlowStep {
    val keys = mutableListOf<String>()
    var ticket: SecretText? = null
    repeat(200) {
        val step = engine.advance(store.get(flowKey), secret, token, input, ticket, store.load(keys), now)
        try {
            store.commit(step)
        } catch (e: Conflict) {
            return@repeat
        }
        when (val then = step.then) {
            is Then.Respond -> return step
            is Then.Load -> keys += then.keys
            is Then.CommitAndRepeat -> ticket = then.ticket
        }
    }
    throw Check("the host loop did not settle")
}

/** A host fact about the view whose token is `token`: answer, commit, Load / retry. */
fun answer(store: MemoryStore, flowKey: String, token: String, fact: HostFact, now: Long, engine: FlowEngine = flowEngine): FlowStep {
    val keys = mutableListOf<String>()
    repeat(50) {
        val step = engine.answer(store.get(flowKey), token, fact, store.load(keys), now)
        try {
            store.commit(step)
        } catch (e: Conflict) {
            return@repeat
        }
        when (val then = step.then) {
            is Then.Load -> keys += then.keys
            else -> return step
        }
    }
    throw Check("the host loop did not settle")
}

class Browser(val store: MemoryStore, started: StartedFlow, val engine: FlowEngine = flowEngine) {
    constructor(store: MemoryStore, now: Long, engine: FlowEngine = flowEngine) :
        this(store, engine.start(FlowKind.LOGIN, "203.0.113.7", null, null, false, now), engine)

    val key: String = started.flowKey
    val secret: SecretText = started.clientSecret
    var token: String = started.step.view!!.token

    init {
        store.commit(started.step)
    }

    fun submit(input: FlowInput, now: Long): FlowStep {
        val step = request(store, key, secret, token, input, now, engine)
        token = step.view!!.token
        return step
    }

    fun answer(fact: HostFact, now: Long): FlowStep {
        val step = answer(store, key, token, fact, now, engine)
        token = step.view!!.token
        return step
    }
}

fun lastCode(store: MemoryStore): String {
    for (effects in store.outbox.reversed()) for (e in effects.reversed()) {
        if (e is Effect.SendSms) return Regex("\\d{6}").find(e.text.reveal())!!.value
    }
    throw Check("no code sent")
}

fun provisioned(): MemoryStore {
    val store = MemoryStore()
    store.commit(flowEngine.provision(NewAccount("a1", "mario", null, "333 123 4567", true), SecretText("Correct-Horse-1"), FLOW_T0))
    return store
}

val flowTests = listOf<Pair<String, () -> Unit>>(
    "flow: a login with an SMS code" to {
        val store = provisioned()
        val b = Browser(store, FLOW_T0)
        eq(b.submit(FlowInput.Identify("Mario"), FLOW_T0 + 1).view!!.screen, Screen.Password)
        val sent = b.submit(FlowInput.Password(SecretText("Correct-Horse-1")), FLOW_T0 + 2)
        eq(sent.outcome, FlowOutcome.CodeSent(Channel.SMS, true))
        val code = lastCode(store)
        val wrong = if (code == "000000") "111111" else "000000"
        eq(b.submit(FlowInput.Code(SecretText(wrong)), FLOW_T0 + 3).view!!.error, ViewError.CODE_WRONG)
        val done = b.submit(FlowInput.Code(SecretText(code)), FLOW_T0 + 4).outcome
        check(done is FlowOutcome.SignedIn && done.grant.account == "a1" && done.grant.level.toInt() == 2) { "$done" }
        check(!sent.toString().contains(code)) { "code in toString" }
    },
    "flow: a reset by SMS, then a password change from the new session" to {
        val store = MemoryStore()
        store.commit(flowEngine.provision(NewAccount("a1", "mario", null, "333 123 4567", false), SecretText("Correct-Horse-1"), FLOW_T0))
        val reset = Browser(store, flowEngine.start(FlowKind.PASSWORD_RESET, null, null, null, false, FLOW_T0))
        val sent = reset.submit(FlowInput.IdentifyBy(IdentifierKind.USERNAME, "Mario"), FLOW_T0 + 1)
        eq(sent.view!!.screen, Screen.Code(Channel.SMS))
        eq(sent.view!!.masked, null)
        eq(reset.submit(FlowInput.Code(SecretText(lastCode(store))), FLOW_T0 + 2).view!!.screen, Screen.NewPassword)
        val fresh = "fiume violino tramonto"
        val done = reset.submit(FlowInput.NewPassword(SecretText(fresh), SecretText(fresh)), FLOW_T0 + 3)
        eq(done.outcome, FlowOutcome.Done(Done.PASSWORD_RESET, null))
        check(done.effects.any { it is Effect.RevokeSessions }) { "sessions revoked" }
        val login = Browser(store, FLOW_T0 + 4)
        login.submit(FlowInput.Identify("mario"), FLOW_T0 + 4)
        val grant = (login.submit(FlowInput.Password(SecretText(fresh)), FLOW_T0 + 5).outcome as FlowOutcome.SignedIn).grant
        val change = Browser(store, flowEngine.startFromGrant(FlowKind.PASSWORD_CHANGE, grant, 1u, null, null, null, false, FLOW_T0 + 6))
        val new = "lago montagna neve"
        val input = FlowInput.ChangePassword(SecretText(fresh), SecretText(new), SecretText(new))
        check(!input.toString().contains(fresh) && !input.toString().contains(new)) { "a password in toString" }
        check(!FlowInput.Answer(SecretText("Fido")).toString().contains("Fido")) { "an answer in toString" }
        val changed = change.submit(input, FLOW_T0 + 7).outcome
        check(changed is FlowOutcome.Done && changed.grant!!.epoch == grant.epoch + 1u) { "$changed" }
    },
    "flow: a step's outbox row seals its messages" to {
        val store = provisioned()
        val b = Browser(store, FLOW_T0)
        b.submit(FlowInput.Identify("mario"), FLOW_T0 + 1)
        val step = b.submit(FlowInput.Password(SecretText("Correct-Horse-1")), FLOW_T0 + 2)
        val sms = step.effects.filterIsInstance<Effect.SendSms>().single().text.reveal()
        val otp = Regex("\\d{6}").find(sms)!!.value
        val row = step.outbox!!
        eq(row.stepId.length, 32)
        check(!row.effects.contains(otp)) { "a code in clear in the outbox" }
        val opened = flowEngine.openOutbox(row.effects, row.stepId)
        eq(opened.filterIsInstance<Effect.SendSms>().map { it.text.reveal() }, listOf(sms))
        eq(opened.size, step.effects.size)
        eq(code(raises<VarcoException> { flowEngine.openOutbox(row.effects, "0".repeat(32)) }), "UnusableRecord/SEAL")
        // A flow ends by itself: its write carries its expiry, for the store's sweep.
        val started = flowEngine.start(FlowKind.LOGIN, null, null, null, false, FLOW_T0)
        check(((started.step.writes[0] as FlowWrite.Put).expiresAt ?: 0L) > FLOW_T0) { "no expiry on a flow" }
    },
    "flow: a step-up proves the factors again for a fresh level-2 grant" to {
        val store = MemoryStore()
        store.commit(flowEngine.provision(NewAccount("a1", "mario", null, "333 123 4567", false), SecretText("Correct-Horse-1"), FLOW_T0))
        val b = Browser(store, FLOW_T0)
        b.submit(FlowInput.Identify("mario"), FLOW_T0 + 1)
        val grant = (b.submit(FlowInput.Password(SecretText("Correct-Horse-1")), FLOW_T0 + 2).outcome as FlowOutcome.SignedIn).grant
        eq(grant.level.toInt(), 1)
        eq(flowEngine.checkSession(grant, store.get("account/a1"), FLOW_T0 + 3, null, 2u), SessionCheck.STEP_UP)
        eq(code(raises<VarcoException> { flowEngine.checkSession(grant, store.get("account/a1"), FLOW_T0 + 3, null, 3u) }), "RejectInput/INVALID_INPUT")
        val up = Browser(store, flowEngine.startFromGrant(FlowKind.STEP_UP, grant, 2u, null, null, null, false, FLOW_T0 + 10))
        eq(up.submit(FlowInput.Password(SecretText("Correct-Horse-1")), FLOW_T0 + 11).view!!.screen, Screen.Code(Channel.SMS))
        val fresh = (up.submit(FlowInput.Code(SecretText(lastCode(store))), FLOW_T0 + 12).outcome as FlowOutcome.SignedIn).grant
        eq(fresh.level.toInt() to fresh.at, 2 to FLOW_T0 + 12)
        eq(flowEngine.checkSession(fresh, store.get("account/a1"), FLOW_T0 + 13, 300_000L, 2u), SessionCheck.VALID)
        eq(code(raises<VarcoException> { flowEngine.start(FlowKind.STEP_UP, null, null, null, false, FLOW_T0) }), "RejectInput/INVALID_INPUT")
    },
    "flow: an unknown account looks like a wrong password" to {
        val store = provisioned()
        val views = listOf("mario", "nobody").map { who ->
            val b = Browser(store, FLOW_T0)
            b.submit(FlowInput.Identify(who), FLOW_T0 + 1)
            val v = b.submit(FlowInput.Password(SecretText("wrong")), FLOW_T0 + 2).view!!
            listOf(v.screen, v.error, v.methods, v.resendAt)
        }
        eq(views[0], views[1])
        eq(views[0][1], ViewError.AUTHENTICATION_FAILED)
    },
    "flow: 32 racing wrong guesses at one attempt left verify one password" to {
        val store = provisioned()
        for (i in 0 until 4) {
            val b = Browser(store, FLOW_T0 + i)
            b.submit(FlowInput.Identify("mario"), FLOW_T0 + i)
            b.submit(FlowInput.Password(SecretText("wrong")), FLOW_T0 + i)
        }
        val browsers = (0 until 32).map { Browser(store, FLOW_T0 + 10).also { b -> b.submit(FlowInput.Identify("mario"), FLOW_T0 + 10) } }
        val outcomes = ConcurrentLinkedQueue<FlowOutcome>()
        val threads = browsers.map { b -> Thread { outcomes.add(b.submit(FlowInput.Password(SecretText("guess")), FLOW_T0 + 11).outcome) } }
        threads.forEach { it.start() }
        threads.forEach { it.join() }
        eq(outcomes.count { it == FlowOutcome.Rejected(Rejection.WRONG_PASSWORD) }, 1, "verified")
        // The rest are refused: the account is locked, or (all from one
        // address) the source's budget of 20 failures is spent.
        eq(outcomes.count { it == FlowOutcome.Rejected(Rejection.LOCKED) || it == FlowOutcome.Rejected(Rejection.SOURCE_LOCKED) }, 31, "refused")
    },
    "flow: the host answers a captcha and reports a failed delivery" to {
        val engine = scenarioEngine("{\"hash\":{\"m_kib\":8,\"t\":1,\"p\":1},\"captcha_after\":1}")
        val store = MemoryStore()
        store.commit(engine.provision(NewAccount("a1", "mario", null, "333 123 4567", true), SecretText("Correct-Horse-1"), FLOW_T0))
        val b = Browser(store, FLOW_T0, engine)
        b.submit(FlowInput.Identify("nobody"), FLOW_T0 + 1)
        eq(b.submit(FlowInput.Password(SecretText("guess")), FLOW_T0 + 2).view!!.screen, Screen.AwaitingHost(HostQuestion.Captcha))
        // The question takes no password; only the host's answer moves it.
        eq(code(raises<VarcoException> { b.submit(FlowInput.Password(SecretText("guess")), FLOW_T0 + 3) }), "RejectInput/INVALID_INPUT")
        eq(b.answer(HostFact.Captcha(false), FLOW_T0 + 3).outcome, FlowOutcome.Rejected(Rejection.CAPTCHA_FAILED))
        val old = b.token
        eq(b.answer(HostFact.Captcha(true), FLOW_T0 + 4).view!!.screen, Screen.Password)
        val stale = answer(store, b.key, old, HostFact.Captcha(true), FLOW_T0 + 4, engine)
        eq(stale.outcome to stale.writes, FlowOutcome.Stale to emptyList<FlowWrite>())
        val m = Browser(store, FLOW_T0 + 5, engine)
        eq(m.submit(FlowInput.Identify("mario"), FLOW_T0 + 5).outcome, FlowOutcome.AwaitingHost(HostQuestion.Captcha))
        m.answer(HostFact.Captcha(true), FLOW_T0 + 6)
        eq(m.submit(FlowInput.Password(SecretText("Correct-Horse-1")), FLOW_T0 + 7).outcome, FlowOutcome.CodeSent(Channel.SMS, true))
        eq(m.answer(HostFact.DeliveryFailed, FLOW_T0 + 8).view!!.error, ViewError.NOT_DELIVERED)
    },
    "flow: an operator block revokes the grant; bad input is an error" to {
        val store = provisioned()
        val b = Browser(store, FLOW_T0)
        b.submit(FlowInput.Identify("mario"), FLOW_T0 + 1)
        b.submit(FlowInput.Password(SecretText("Correct-Horse-1")), FLOW_T0 + 2)
        val grant = (b.submit(FlowInput.Code(SecretText(lastCode(store))), FLOW_T0 + 3).outcome as FlowOutcome.SignedIn).grant
        val step = flowEngine.command(Actor.Operator("op-1"), Command.Block("a1", "stolen"), store.load(listOf("account/a1", "guard/a1")), FLOW_T0 + 4)
        store.commit(step)
        eq(flowEngine.checkSession(grant, store.get("account/a1"), FLOW_T0 + 5, null, 1u), SessionCheck.REVOKED)
        eq(code(raises<VarcoException> { flowEngine.advance("{", b.secret, b.token, FlowInput.Cancel, null, emptyList(), FLOW_T0) }), "UnusableRecord/DESERIALIZE")
        eq(code(raises<VarcoException> { flowEngine.command(Actor.Host, Command.Unblock("a1"), store.load(listOf("account/a1", "guard/a1")), FLOW_T0) }), "RejectInput/INVALID_INPUT")
    },
    "flow: a recovery mobile change is cancelled only with the link sent to the old number" to {
        val store = provisioned()
        val b = Browser(store, FLOW_T0)
        b.submit(FlowInput.Identify("mario"), FLOW_T0 + 1)
        b.submit(FlowInput.Password(SecretText("Correct-Horse-1")), FLOW_T0 + 2)
        val grant = (b.submit(FlowInput.Code(SecretText(lastCode(store))), FLOW_T0 + 3).outcome as FlowOutcome.SignedIn).grant
        val enroll = Browser(store, flowEngine.startFromGrant(FlowKind.RECOVERY_MOBILE, grant, 1u, null, null, null, false, FLOW_T0 + 4))
        enroll.submit(FlowInput.Mobile("320 7654321"), FLOW_T0 + 5)
        val saved = enroll.submit(FlowInput.Code(SecretText(lastCode(store))), FLOW_T0 + 6)
        check(saved.outcome is FlowOutcome.Done)
        val sms = saved.effects.filterIsInstance<Effect.SendSms>()
        eq(sms.map { it.to }, listOf("+393331234567"))
        val token = Regex("token=([0-9a-f]{64})").find(sms[0].text.reveal())!!.groupValues[1]
        check(!store.get("account/a1").contains(token))
        val records = { store.load(listOf("account/a1", "guard/a1")) }
        for (forged in listOf(null, SecretText("0".repeat(64)))) {
            eq(code(raises<VarcoException> { flowEngine.command(Actor.Host, Command.CancelMobileChange("a1", forged), records(), FLOW_T0 + 7) }), "RejectInput/INVALID_INPUT")
        }
        val command = Command.CancelMobileChange("a1", SecretText(token))
        check(!command.toString().contains(token))
        store.commit(flowEngine.command(Actor.Host, command, records(), FLOW_T0 + 8))
        check(store.get("account/a1").contains("\"+393331234567\""))
        check(!store.get("account/a1").contains("+393207654321"))
    },
)

// ---- the scenario's flow lines ------------------------------------------

fun scenarioEngine(config: String) = FlowEngine(
    config,
    listOf(HostKey("c1", ByteArray(32) { 1 })),
    listOf(HostKey("s1", ByteArray(32) { 2 })),
    HostKey("d1", ByteArray(32) { 3 }),
    null,
)

fun flowInput(name: String, fields: Map<String, String>): FlowInput {
    val value = fields.values.firstOrNull() ?: ""
    return when (name) {
        "new_password" -> FlowInput.NewPassword(SecretText(fields.getValue("password")), SecretText(fields.getValue("confirmation")))
        "accept_terms" -> FlowInput.AcceptTerms
        "identify" -> FlowInput.Identify(value)
        "identify_by" -> FlowInput.IdentifyBy(IdentifierKind.valueOf(fields.getValue("kind").uppercase()), fields.getValue("identifier"))
        "change_password" -> FlowInput.ChangePassword(SecretText(fields.getValue("current")), SecretText(fields.getValue("password")), SecretText(fields.getValue("confirmation")))
        "answer" -> FlowInput.Answer(SecretText(value))
        "forgot" -> FlowInput.Forgot
        "mobile" -> FlowInput.Mobile(value)
        "password" -> FlowInput.Password(SecretText(value))
        "choose_method" -> FlowInput.ChooseMethod(Method.valueOf(value.uppercase()))
        "code" -> FlowInput.Code(SecretText(value))
        "totp" -> FlowInput.Totp(SecretText(value))
        "recovery_code" -> FlowInput.RecoveryCode(SecretText(value))
        "resend" -> FlowInput.Resend
        "back" -> FlowInput.Back
        "cancel" -> FlowInput.Cancel
        "personal_data" -> FlowInput.PersonalData(fields.getValue("first_name"), fields.getValue("last_name"), fields.getValue("codice_fiscale"), fields.getValue("organisation_code"))
        "duplicate_choice" -> FlowInput.DuplicateChoice(DuplicateChoice.valueOf(fields.getValue("choice").uppercase()))
        "email" -> FlowInput.Email(fields.getValue("address"), fields["username"])
        "open_link" -> FlowInput.OpenLink(SecretText(fields.getValue("token")))
        "confirm_link" -> FlowInput.ConfirmLink(SecretText(fields.getValue("token")))
        "create_password" -> FlowInput.CreatePassword(SecretText(fields.getValue("password")), SecretText(fields.getValue("confirmation")), fields.getValue("accept_terms") == "true", fields.getValue("accept_privacy") == "true")
        else -> throw Check("unknown input $name")
    }
}

/** A session grant from the core's JSON (no methods, no device in the scenario's). */
fun grantOf(json: String): SessionGrant {
    val m = flatJson(json)
    return SessionGrant(m.getValue("account"), m.getValue("epoch").toULong(), m.getValue("level").toUByte(), emptyList(), m.getValue("at").toLong(), m["device"])
}

fun flowSummary(o: FlowOutcome): String = when (o) {
    is FlowOutcome.Rejected -> "rejected:${o.reason.name.lowercase()}"
    is FlowOutcome.CodeSent -> "code_sent:${o.channel.name.lowercase()}:${if (o.sent) "sent" else "not_sent"}"
    is FlowOutcome.SignedIn -> "signed_in:${o.grant.level}"
    is FlowOutcome.Blocked -> "blocked:${o.cause.name.lowercase()}"
    is FlowOutcome.Ended -> "ended:${o.reason.name.lowercase()}"
    is FlowOutcome.Applied -> "applied:${snake(o.state.javaClass.simpleName)}"
    is FlowOutcome.AwaitingHost -> "awaiting_host:${snake(o.question.javaClass.simpleName)}"
    is FlowOutcome.Done -> "done:${o.done.name.lowercase()}"
    else -> snake(o.javaClass.simpleName)
}

fun viewSummary(v: View): String {
    val screen = snake(v.screen.javaClass.simpleName)
    return if (v.error != null) "$screen:${v.error!!.name.lowercase()}" else screen
}

/** The token of the last link sent, by email or SMS ("...token=<64 hex digits>"). */
fun lastLink(outbox: Iterable<List<Effect>>): String = outbox.flatten().reversed().firstNotNullOf { e ->
    val text = when (e) {
        is Effect.SendEmail -> e.body.reveal()
        is Effect.SendSms -> e.text.reveal()
        else -> null
    }
    text?.let { Regex("token=([0-9a-f]{64})").find(it)?.groupValues?.get(1) }
}

fun codesSent(outbox: Iterable<List<Effect>>): List<String> = outbox.flatten().mapNotNull { e ->
    val text = when (e) {
        is Effect.SendSms -> e.text.reveal()
        is Effect.SendEmail -> e.body.reveal()
        else -> null
    }
    // A message with a link carries no code: its token's digits are not one.
    text?.takeUnless { it.contains("token=") }?.let { Regex("\\d{6,}").find(it)?.value }
}

/** What the scenario's flow lines need of a host: its store, its loop, its outbox. */
interface ScenarioHost {
    val outbox: Iterable<List<Effect>>
    fun provision(a: NewAccount, password: SecretText, now: Long)
    fun start(kind: FlowKind, source: String?, now: Long): Triple<String, SecretText, View>
    fun startFromGrant(kind: FlowKind, grant: SessionGrant, level: UByte, now: Long): Triple<String, SecretText, View>
    fun request(key: String, secret: SecretText, token: String, input: FlowInput, now: Long): Pair<FlowOutcome, View>
    fun answer(key: String, token: String, fact: HostFact, now: Long): Pair<FlowOutcome, View>
    fun command(actor: Actor, command: Command, now: Long): FlowOutcome
    fun account(id: String): String
}

/** This file's own loop on its own in-memory store. */
class ModelHost(val engine: FlowEngine) : ScenarioHost {
    val store = MemoryStore()
    override val outbox get() = store.outbox
    override fun provision(a: NewAccount, password: SecretText, now: Long) {
        // The host loop: the hints it asks for, loaded.
        val keys = mutableListOf<String>()
        var step = engine.provision(a, password, now, store.load(keys))
        while (true) {
            val then = step.then as? Then.Load ?: break
            keys += then.keys
            step = engine.provision(a, password, now, store.load(keys))
        }
        store.commit(step)
    }
    override fun start(kind: FlowKind, source: String?, now: Long): Triple<String, SecretText, View> {
        val s = engine.start(kind, source, null, null, false, now)
        store.commit(s.step)
        return Triple(s.flowKey, s.clientSecret, s.step.view!!)
    }
    override fun startFromGrant(kind: FlowKind, grant: SessionGrant, level: UByte, now: Long): Triple<String, SecretText, View> {
        val s = engine.startFromGrant(kind, grant, level, null, null, null, false, now)
        store.commit(s.step)
        return Triple(s.flowKey, s.clientSecret, s.step.view!!)
    }
    override fun request(key: String, secret: SecretText, token: String, input: FlowInput, now: Long): Pair<FlowOutcome, View> {
        val step = request(store, key, secret, token, input, now, engine)
        return step.outcome to step.view!!
    }
    override fun answer(key: String, token: String, fact: HostFact, now: Long): Pair<FlowOutcome, View> {
        val step = answer(store, key, token, fact, now, engine)
        return step.outcome to step.view!!
    }
    override fun command(actor: Actor, command: Command, now: Long): FlowOutcome {
        val account = when (command) {
            is Command.Block -> command.account
            is Command.Unblock -> command.account
            is Command.SubscriptionExpired -> command.account
            is Command.SubscriptionRenewed -> command.account
            is Command.ForceReset -> command.account
            is Command.CancelMobileChange -> command.account
            is Command.ResolveCease -> command.account
        }
        val keys = mutableListOf("account/$account", "guard/$account")
        var step = engine.command(actor, command, store.load(keys), now)
        while (true) {
            val then = step.then as? Then.Load ?: break // the records it asks for
            keys += then.keys
            step = engine.command(actor, command, store.load(keys), now)
        }
        store.commit(step)
        return step.outcome
    }
    override fun account(id: String) = store.get("account/$id")
}

/** The library's own store and loop (varco-store), every effect taken out of its outbox. */
class LibraryHost(val engine: FlowEngine, name: String) : ScenarioHost {
    val store = Store.open(name)
    override val outbox = mutableListOf<List<Effect>>()
    private fun sent(now: Long) {
        for (row in store.claimOutbox(engine, now, 60_000L, 1000u)) {
            check(!row.unreadable) { row.stepId }
            check(row.deliveries.withIndex().all { (i, d) -> d.idempotencyKey == "${row.stepId}/$i" }) { "keys" }
            outbox += row.deliveries.map { it.effect }
            check(store.outboxSent(row.stepId)) { "sent" }
        }
    }
    override fun provision(a: NewAccount, password: SecretText, now: Long) {
        store.provision(engine, a, password, now)
        sent(now)
    }
    override fun start(kind: FlowKind, source: String?, now: Long): Triple<String, SecretText, View> {
        val s = store.start(engine, kind, source, null, null, false, now)
        sent(now)
        return Triple(s.flowKey, s.clientSecret, s.view!!)
    }
    override fun startFromGrant(kind: FlowKind, grant: SessionGrant, level: UByte, now: Long): Triple<String, SecretText, View> {
        val s = store.startFromGrant(engine, kind, grant, level, null, null, null, false, now)
        sent(now)
        return Triple(s.flowKey, s.clientSecret, s.view!!)
    }
    override fun request(key: String, secret: SecretText, token: String, input: FlowInput, now: Long): Pair<FlowOutcome, View> {
        val r = store.advance(engine, key, secret, token, input, now)
        sent(now)
        return r.outcome to r.view!!
    }
    override fun answer(key: String, token: String, fact: HostFact, now: Long): Pair<FlowOutcome, View> {
        val r = store.answer(engine, key, token, fact, now)
        sent(now)
        return r.outcome to r.view!!
    }
    override fun command(actor: Actor, command: Command, now: Long): FlowOutcome {
        val r = store.command(engine, actor, command, now)
        sent(now)
        return r.outcome
    }
    override fun account(id: String) = store.get("account/$id")!!.record
}

/** Runs one flow line of the scenario; returns false for other kinds. */
class FlowScenario(val hostOf: (FlowEngine) -> ScenarioHost = { ModelHost(it) }) {
    var engine: FlowEngine? = null
    var host: ScenarioHost? = null
    val flows = mutableMapOf<String, Triple<String, SecretText, String>>()

    fun run(f: List<String>, where: String): Boolean {
        val host = host
        when (f[0]) {
            "engine" -> { engine = scenarioEngine(f[1]); this.host = hostOf(engine!!); flows.clear() }
            "provision" -> {
                val m = flatJson(f[2])
                val actions = Regex("\"required_actions\"\\s*:\\s*\\[([^\\]]*)\\]").find(f[2])?.groupValues?.get(1)
                    ?.split(",")?.map { it.trim().trim('"') }?.filter { it.isNotEmpty() }
                    ?.map { RequiredAction.valueOf(it.uppercase()) } ?: emptyList()
                val identifiers = Regex("\\{\"kind\":\"(\\w+)\",\"value\":\"([^\"]*)\"\\}").findAll(f[2])
                    .map { NewIdentifier(IdentifierKind.valueOf(it.groupValues[1].uppercase()), it.groupValues[2]) }.toList()
                val a = NewAccount(m.getValue("id"), m["username"], m["email"], m["mobile"], m["second_factor"] == "true", actions,
                    identifiers = identifiers, question = m["question"], answer = m["answer"]?.let { SecretText(it) })
                host!!.provision(a, SecretText(f[3]), f[1].toLong())
            }
            "flow-start" -> {
                val kind = if (f.size > 4) FlowKind.valueOf(f[4].uppercase()) else FlowKind.LOGIN
                val (key, secret, view) = host!!.start(kind, if (f[3] == "-") null else f[3], f[1].toLong())
                flows[f[2]] = Triple(key, secret, view.token)
            }
            "flow" -> {
                val (key, secretBefore, token) = flows.getValue(f[2])
                var secret = secretBefore
                val fields = linkedMapOf<String, String>()
                for (pair in if (f[4] == "-") emptyList() else f[4].split("&")) {
                    val (name, raw) = pair.split("=", limit = 2)
                    val sent = codesSent(host!!.outbox)
                    val value = when {
                        name == "code" && raw == "current" -> sent.last()
                        name == "code" && raw == "previous" -> sent[sent.size - 2]
                        name == "code" && raw == "wrong" -> listOf("000000", "111111").first { it !in sent }
                        name == "token" && raw == "link" -> lastLink(host!!.outbox)
                        name == "token" && raw == "forged" -> "0".repeat(64)
                        else -> raw
                    }
                    // An emailed link's token stands for the client secret.
                    if (name == "token") secret = SecretText(value)
                    fields[name] = value
                }
                val (outcome, view) = host!!.request(key, secret, token, flowInput(f[3], fields), f[1].toLong())
                // A confirmed link binds the flow to the client holding it.
                val bound = f[3] == "confirm_link" && outcome is FlowOutcome.Moved
                flows[f[2]] = Triple(key, if (bound) secret else secretBefore, view.token)
                eq(flowSummary(outcome), f[5], where)
                eq(viewSummary(view), f[6], where)
            }
            "session" -> {
                val g = grantOf(f[2])
                val maxAge = if (f[3] == "-") null else f[3].toLong()
                val check = engine!!.checkSession(g, host!!.account(g.account), f[1].toLong(), maxAge, f[4].toUByte())
                eq(check.name.lowercase(), f[5], where)
            }
            "step-up" -> {
                val kind = if (f.size > 6) FlowKind.valueOf(f[6].uppercase()) else FlowKind.STEP_UP
                val (key, secret, view) = host!!.startFromGrant(kind, grantOf(f[3]), f[4].toUByte(), f[1].toLong())
                flows[f[2]] = Triple(key, secret, view.token)
                eq(viewSummary(view), f[5], where)
            }
            "answer" -> {
                val (key, secret, token) = flows.getValue(f[2])
                val m = flatJson(f[3])
                val fact = when (m["fact"]) {
                    "captcha" -> HostFact.Captcha(m["passed"] == "true")
                    "eligible_contract" -> HostFact.EligibleContract(m["eligible"] == "true")
                    "duplicate" -> HostFact.Duplicate(m["account"])
                    "is_pec" -> HostFact.IsPec(m["pec"] == "true")
                    "delivery_failed" -> HostFact.DeliveryFailed
                    else -> throw Check("unknown fact ${m["fact"]}")
                }
                val (outcome, view) = host!!.answer(key, token, fact, f[1].toLong())
                flows[f[2]] = Triple(key, secret, view.token)
                eq(flowSummary(outcome), f[4], where)
                eq(viewSummary(view), f[5], where)
            }
            "command" -> {
                val a = flatJson(f[2])
                val actor = if (a["actor"] == "operator") Actor.Operator(a.getValue("id")) else Actor.Host
                val c = flatJson(f[3])
                val account = c.getValue("account")
                // "token":"link": the token of the latest link sent.
                val token = c["token"]?.let { SecretText(if (it == "link") lastLink(host!!.outbox) else it) }
                val command = when (c["command"]) {
                    "block" -> Command.Block(account, c.getValue("reason"))
                    "unblock" -> Command.Unblock(account)
                    "subscription_expired" -> Command.SubscriptionExpired(account)
                    "force_reset" -> Command.ForceReset(account, c.getValue("reason"), c.getValue("document"), c["to"])
                    "cancel_mobile_change" -> Command.CancelMobileChange(account, token)
                    "resolve_cease" -> Command.ResolveCease(account, CeaseDecision.valueOf(c.getValue("decision").uppercase()), token)
                    "subscription_renewed" -> Command.SubscriptionRenewed(account)
                    else -> throw Check("unknown command ${c["command"]}")
                }
                eq(flowSummary(host!!.command(actor, command, f[1].toLong())), "applied:${f[4]}", where)
            }
            else -> return false
        }
        return true
    }
}
