//! The flow engine: built once from configuration and keys, immutable,
//! `Send + Sync`, holding no state between calls.

use std::time::Duration;

use rand_core::CryptoRng;

use super::config::{EngineConfig, EngineKeys};
use super::decoy::{Decoys, Padding};
use super::input::Input;
use super::records::{Commit, FlowWrite, Records};
use super::session::{Requirement, SessionGrant};
use super::state::{Flow, FlowKind, State, Subject};
use super::step::{FlowOutcome, FlowStep, Secret, Started, Then, matches_digest};
use super::view::{Screen, View, ViewError};
use crate::account::{Account, IdentifierKind, LookupKey};
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::guard::AccountGuard;
use crate::hash::PasswordHasher;
use crate::otp::CodeKeys;
use crate::record::{Record, Stored};
use crate::seal::SealingKeys;
use crate::step::Write;
use crate::{Error, Timestamp};

/// Where a flow begins: the request's source and device, as the host knows
/// them. The source (an address, a network) has a failure budget of its
/// own; a trusted device has its own password budget.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StartContext {
    /// The source's id (an IP address or prefix), if any: 1 to 128 bytes.
    pub source: Option<String>,
    /// The device's id, if any: 1 to 128 bytes.
    pub device: Option<String>,
    /// Where the request comes from (IP geolocation), if the host knows:
    /// judged against the last sign-in's place.
    pub place: Option<crate::guard::Place>,
    /// Whether the user asked to remember this device ("ricorda questo
    /// dispositivo"): after a full sign-in it is trusted for the
    /// configured days (none by default).
    pub remember_device: bool,
}

/// One user submission to a flow.
#[derive(Debug, Clone, Copy)]
pub struct Submit<'a> {
    /// The client secret [`FlowEngine::start`] gave.
    pub client_secret: &'a str,
    /// The step token of the view the input answers.
    pub token: &'a str,
    /// The input.
    pub input: &'a Input,
    /// The ticket of [`Then::CommitAndRepeat`], when repeating.
    pub ticket: Option<&'a str>,
}

/// The flow engine (ENGINE §3). See the [module](super) docs for the host
/// loop.
///
/// ```
/// use varco::flow::*;
/// use varco::keys::KeyRing;
/// use varco::record::Stored;
/// use varco::Timestamp;
///
/// let keys = EngineKeys {
///     codes: KeyRing::new("c1", vec![1; 32]).unwrap(),
///     sealing: KeyRing::new("s1", vec![2; 32]).unwrap(),
///     decoy: KeyRing::new("d1", vec![3; 32]).unwrap(),
///     peppers: None,
/// };
/// let engine = FlowEngine::from_json("{}", keys).unwrap();
/// let now = Timestamp::from_unix_seconds(1_800_000_000);
/// let started = engine.start(FlowKind::Login, &StartContext::default(), now, &mut rand::rng()).unwrap();
/// let WriteOp::Put { json, .. } = &started.step.writes[0].op else { unreachable!() };
/// let flow = Stored::<Flow>::from_json(json).unwrap(); // as the host stored it
/// let input = Input::Identify { identifier: "mario".into() };
/// let submit = Submit {
///     client_secret: started.client_secret.expose(),
///     token: &flow.body().token(),
///     input: &input,
///     ticket: None,
/// };
/// // The claim of "mario" is not loaded yet: the engine asks for it.
/// let step = engine.advance(&flow, &submit, &Records::new(), now, &mut rand::rng()).unwrap();
/// assert_eq!(step.then, Then::Load { keys: vec!["claim/login/mario".into()] });
/// // Looked up and absent: an unknown account goes on as a decoy, to the
/// // same password screen.
/// let records = Records::new().with("claim/login/mario", None);
/// let step = engine.advance(&flow, &submit, &records, now, &mut rand::rng()).unwrap();
/// assert_eq!(step.view.unwrap().screen, Screen::Password);
/// ```
pub struct FlowEngine {
    pub(crate) config: EngineConfig,
    pub(crate) hasher: PasswordHasher,
    pub(crate) codes: CodeKeys,
    pub(crate) sealing: SealingKeys,
    pub(crate) decoys: Decoys,
}

impl std::fmt::Debug for FlowEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowEngine")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A working step: its writes, effects and the audit subject.
pub(crate) struct Work {
    pub(crate) commit: Commit,
    pub(crate) effects: Vec<Effect>,
}

impl Work {
    pub(crate) fn new() -> Self {
        Work {
            commit: Commit::default(),
            effects: Vec::new(),
        }
    }
}

impl FlowEngine {
    /// Builds an engine.
    ///
    /// # Errors
    /// The configuration's errors; [`Error::InvalidKey`] for a decoy key
    /// under 32 bytes or keys of the wrong length.
    pub fn new(config: EngineConfig, keys: EngineKeys) -> Result<Self, Error> {
        config.validate()?;
        let mut hasher = PasswordHasher::new(config.hash).with_max_concurrent(
            usize::try_from(config.max_concurrent_hashes).unwrap_or(usize::MAX),
        );
        if let Some(peppers) = &keys.peppers {
            hasher = hasher.with_peppers(peppers)?;
        }
        if keys.decoy.current().1.len() < 32 {
            return Err(Error::InvalidKey(
                "the decoy key is at least 32 bytes".into(),
            ));
        }
        Ok(FlowEngine {
            hasher,
            codes: CodeKeys::from_ring(keys.codes)?,
            sealing: SealingKeys::from_ring(keys.sealing)?,
            decoys: Decoys::new(keys.decoy, config.padding_buckets),
            config,
        })
    }

    /// Builds an engine from configuration JSON.
    ///
    /// # Errors
    /// As [`EngineConfig::from_json`] and [`new`](Self::new).
    pub fn from_json(config: &str, keys: EngineKeys) -> Result<Self, Error> {
        Self::new(EngineConfig::from_json(config)?, keys)
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The password hasher (for provisioning accounts with the engine's
    /// parameters and peppers).
    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    /// The key to load an account by: what a user typed as `kind`,
    /// normalised (`claim/login/mario.rossi@example.it`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an identifier that cannot be of `kind`.
    pub fn lookup_key(&self, kind: IdentifierKind, raw: &str) -> Result<LookupKey, Error> {
        LookupKey::of(kind, raw, &self.config.identifiers)
    }

    /// Starts a flow: its record (written "must not exist") and the client
    /// secret to give the client.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a source or device id that is empty or
    /// over 128 bytes; [`Error::InvalidTime`] for a `now` past the year
    /// 9999.
    pub fn start<R: CryptoRng + ?Sized>(
        &self,
        kind: FlowKind,
        context: &StartContext,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Started, Error> {
        if kind.from_grant() {
            return Err(Error::InvalidInput(format!(
                "a {} flow starts from a session grant: start_from_grant",
                kind.as_str()
            )));
        }
        let state = match kind {
            FlowKind::Registration => State::EnterMobile,
            FlowKind::ConsumerRegistration => State::EnterEmail,
            _ => State::Identify,
        };
        self.begin(kind, state, None, None, context, now, rng)
    }

    /// Starts a flow from a signed-in session's grant: the flows a session
    /// opens (ENGINE §3, sessions). `required` is what the flow asks of the
    /// grant.
    ///
    /// A password change ([`FlowKind::PasswordChange`]) and a recovery-mobile
    /// enrollment ([`FlowKind::RecoveryMobile`]) are sensitive: a grant older
    /// than `recovery.sensitive_max_age_secs` (or `required.max_age`, if
    /// shorter), or below `recovery.sensitive_level` (or `required.level`,
    /// if higher), starts a flow that has already ended with
    /// [`EndReason::ReauthRequired`](super::EndReason::ReauthRequired): step
    /// up first, then start again with the fresh grant.
    ///
    /// [`FlowKind::StepUp`]: a signed-in user proves
    /// their factors again for a sensitive change, and the flow ends with
    /// a fresh grant. It is a sign-in without the identifier: the
    /// password, counted as at sign-in (the same budgets, the same three
    /// phases), then the second factor when `required.level` is 2 or the
    /// account's policy asks for it (`required.max_age` does not matter: the
    /// new grant is fresh). The grant's account and epoch are the flow's: if
    /// the epoch has moved since (the session was revoked), the flow ends
    /// with `account_changed` and grants nothing.
    ///
    /// Asking the password again, not only the missing factor, is a
    /// choice: a session that is too old must not be raised to level 2 by
    /// a second factor alone (a stolen phone on an open session), and one
    /// rule for "too old" and "too weak" is one rule to get right.
    ///
    /// ```
    /// use varco::flow::*;
    /// use varco::keys::KeyRing;
    /// use varco::Timestamp;
    ///
    /// let keys = EngineKeys {
    ///     codes: KeyRing::new("c1", vec![1; 32]).unwrap(),
    ///     sealing: KeyRing::new("s1", vec![2; 32]).unwrap(),
    ///     decoy: KeyRing::new("d1", vec![3; 32]).unwrap(),
    ///     peppers: None,
    /// };
    /// let engine = FlowEngine::from_json("{}", keys).unwrap();
    /// let grant = SessionGrant::from_json(r#"{"account":"a1","epoch":0,"level":1,"at":1800000000000}"#).unwrap();
    /// let now = Timestamp::from_unix_seconds(1_800_000_600);
    /// let level2 = Requirement { max_age: None, level: 2 };
    /// let started = engine
    ///     .start_from_grant(FlowKind::StepUp, &grant, &level2, &StartContext::default(), now, &mut rand::rng())
    ///     .unwrap();
    /// assert_eq!(started.step.view.unwrap().screen, Screen::Password);
    /// ```
    ///
    /// # Errors
    /// As [`start`](Self::start); [`Error::InvalidInput`] for a kind that
    /// does not start from a grant (a login), a level other than 1 or 2,
    /// or a grant with no account.
    pub fn start_from_grant<R: CryptoRng + ?Sized>(
        &self,
        kind: FlowKind,
        grant: &SessionGrant,
        required: &Requirement,
        context: &StartContext,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Started, Error> {
        let level = required.level;
        if !kind.from_grant() {
            return Err(Error::InvalidInput(format!(
                "a {} flow does not start from a session grant: start",
                kind.as_str()
            )));
        }
        if !(1..=2).contains(&level) {
            return Err(Error::InvalidInput(
                "a flow from a grant asks for level 1 or 2".into(),
            ));
        }
        if grant.account.is_empty() || grant.account.len() > 80 {
            return Err(Error::InvalidInput(
                "a grant names an account of 1 to 80 bytes".into(),
            ));
        }
        let mut context = context.clone();
        if context.device.is_none() {
            context.device.clone_from(&grant.device);
        }
        let subject = Subject::Account {
            id: grant.account.clone(),
        };
        let state = match kind {
            FlowKind::PasswordChange => State::ChangePassword,
            FlowKind::RecoveryMobile => State::EnterMobile,
            _ => State::Password,
        };
        // A sensitive change asks the grant to be young and strong enough:
        // the engine's floor, or what the host asks if it asks more.
        let rules = &self.config.recovery;
        let max_age = Duration::from_secs(rules.sensitive_max_age_secs);
        let max_age = required.max_age.map_or(max_age, |m| m.min(max_age));
        let wanted = level.max(rules.sensitive_level);
        let reauth = kind != FlowKind::StepUp
            && (now.since(grant.at) > max_age || grant.at > now || grant.level < wanted);
        let state = if reauth {
            State::Ended {
                reason: super::view::EndReason::ReauthRequired,
            }
        } else {
            state
        };
        // The grant rides in the flow of a change, to come back refreshed
        // when the change moves the account's epoch.
        let carried = (kind != FlowKind::StepUp).then(|| grant.clone());
        let mut started = self.begin(
            kind,
            state,
            Some((subject, grant.epoch, level == 2)),
            carried,
            &context,
            now,
            rng,
        )?;
        if let Some(Effect::Audit(event)) = started.step.effects.first_mut() {
            *event = event.clone().detail("level", level);
        }
        if reauth {
            started.step.outcome = FlowOutcome::Ended {
                reason: super::view::EndReason::ReauthRequired,
            };
        }
        Ok(started)
    }

    /// A new flow in `state`, about `subject` (its id, epoch and whether a
    /// second factor is wanted whatever the account's policy).
    #[allow(clippy::too_many_arguments)]
    fn begin<R: CryptoRng + ?Sized>(
        &self,
        kind: FlowKind,
        state: State,
        subject: Option<(Subject, u64, bool)>,
        grant: Option<SessionGrant>,
        context: &StartContext,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Started, Error> {
        for id in [&context.source, &context.device].into_iter().flatten() {
            if id.is_empty() || id.len() > 128 {
                return Err(Error::InvalidInput(
                    "a source or device id is 1 to 128 bytes".into(),
                ));
            }
        }
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        let secret = Secret::draw(rng);
        let ttl = match kind {
            FlowKind::Registration | FlowKind::ConsumerRegistration => {
                self.config.registration.flow_ttl_secs
            }
            _ => self.config.flow_ttl_secs,
        };
        let flow = Flow {
            id: data_encoding::HEXLOWER.encode(&id),
            kind,
            state,
            epoch: subject.as_ref().map_or(0, |s| s.1),
            step_up: subject.as_ref().is_some_and(|s| s.2),
            subject: subject.map(|s| s.0),
            client: secret.digest(),
            created_at: now,
            expires_at: now + Duration::from_secs(ttl),
            view: 1,
            error: None,
            source: context.source.clone(),
            device: context.device.clone(),
            reservation: None,
            second_factor_locks: None,
            passed: Vec::new(),
            methods: Vec::new(),
            resend_at: None,
            place: context.place.clone(),
            remember_device: context.remember_device && context.device.is_some(),
            captcha: false,
            violations: Vec::new(),
            grant,
            masked: None,
            registration: kind.is_registration().then(Default::default),
        };
        flow.validate()?;
        let new = Stored::new(flow.clone());
        let record = new.next(flow, now)?;
        let key = record.body().record_key();
        let subject = record.body().subject.as_ref();
        let event = AuditEvent::new(
            now,
            AuditKind::FlowStep,
            subject.map_or(record.body().id(), Subject::id),
        )
        .detail("flow", record.body().id())
        .detail("kind", kind.as_str())
        .detail("step", "start");
        let view = self.view_of(record.body());
        Ok(Started {
            step: FlowStep {
                outcome: FlowOutcome::Started,
                view: Some(view),
                writes: vec![FlowWrite::put(&key, &Write::replacing(&new, record))],
                effects: vec![Effect::Audit(event)],
                then: Then::Respond,
            },
            flow_key: key,
            client_secret: secret,
        })
    }

    /// Takes one user input (ENGINE §3). `flow` is the stored flow;
    /// `records` what the host loaded (see [`Then::Load`]).
    ///
    /// A wrong client secret gets the generic view; a stale step token the
    /// current view; a flow that another request holds, `Busy`: none of
    /// them writes anything.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an input the flow's state does not take,
    /// or a password over the hasher's bound; a stored record's own error
    /// for one that is malformed; [`Error::InvalidTime`] for a broken
    /// clock. On `Err` there are no writes and no effects.
    pub fn advance<R: CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        submit: &Submit<'_>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        records.check()?;
        // An emailed link is opened where the flow's client may not be: its
        // token stands for the client secret and the step token (the
        // registration checks it against the digest it keeps). Only a
        // registration has links: any other flow wants its client secret
        // first, whatever the input.
        let by_link = flow.body().kind.is_registration()
            && matches!(
                submit.input,
                Input::OpenLink { .. } | Input::ConfirmLink { .. }
            );
        if !by_link && !matches_digest(submit.client_secret, &flow.body().client) {
            return Ok(self.generic(flow.body(), FlowOutcome::WrongClient));
        }
        let (f, now) = match self.gate(flow, now)? {
            Ok(open) => open,
            Err(step) => return Ok(step),
        };
        if !by_link && submit.token != f.token() {
            return Ok(self.unchanged(f, FlowOutcome::Stale));
        }
        // What every flow does alike: a request that finds another's live
        // reservation is Busy; a cancel ends the flow.
        let Some(hold) = Self::hold(f, submit, now) else {
            return Ok(self.unchanged(f, FlowOutcome::Busy));
        };
        if matches!(submit.input, Input::Cancel) {
            return self.cancel(flow, now);
        }
        match f.kind {
            FlowKind::Login | FlowKind::StepUp => self.login(flow, submit, hold, records, now, rng),
            FlowKind::PasswordReset => self.reset(flow, submit, hold, records, now, rng),
            FlowKind::PasswordChange => self.password_change(flow, submit, hold, records, now, rng),
            FlowKind::RecoveryMobile => self.recovery_mobile(flow, submit, records, now, rng),
            FlowKind::UsernameRecovery => {
                self.username_recovery(flow, submit, hold, records, now, rng)
            }
            FlowKind::Registration | FlowKind::ConsumerRegistration => {
                self.registration(flow, submit, records, now, rng)
            }
        }
    }

    /// What every call on a stored flow checks first: the clock (the
    /// effective time), a final flow (the current view), an expired one
    /// (the "expired" view; nothing to write, a store purges it).
    pub(crate) fn gate<'f>(
        &self,
        flow: &'f Stored<Flow>,
        now: Timestamp,
    ) -> Result<Result<(&'f Flow, Timestamp), FlowStep>, Error> {
        let went_back = flow.clock_went_back(now);
        let now = flow.effective_time(now)?;
        let f = flow.body();
        if f.is_final() {
            return Ok(Err(self.unchanged(f, FlowOutcome::Stale)));
        }
        if went_back || now >= f.expires_at {
            let mut ended = f.clone();
            ended.state = State::Ended {
                reason: super::view::EndReason::Expired,
            };
            ended.error = None;
            return Ok(Err(FlowStep {
                outcome: FlowOutcome::Ended {
                    reason: super::view::EndReason::Expired,
                },
                view: Some(self.view_of(&ended)),
                writes: Vec::new(),
                effects: Vec::new(),
                then: Then::Respond,
            }));
        }
        Ok(Ok((f, now)))
    }

    /// The current view, no writes.
    pub(crate) fn unchanged(&self, f: &Flow, outcome: FlowOutcome) -> FlowStep {
        FlowStep {
            outcome,
            view: Some(self.view_of(f)),
            writes: Vec::new(),
            effects: Vec::new(),
            then: Then::Respond,
        }
    }

    /// The generic view (for a client that does not hold the flow): the
    /// first screen with "errore di autenticazione"; no writes.
    pub(crate) fn generic(&self, f: &Flow, outcome: FlowOutcome) -> FlowStep {
        FlowStep {
            outcome,
            view: Some(View {
                flow: f.id.clone(),
                token: String::new(),
                screen: Screen::Identify,
                error: Some(ViewError::AuthenticationFailed),
                methods: Vec::new(),
                resend_at: None,
                violations: Vec::new(),
                masked: None,
                form: Vec::new(),
            }),
            writes: Vec::new(),
            effects: Vec::new(),
            then: Then::Respond,
        }
    }

    /// What a flow's state shows.
    pub(crate) fn view_of(&self, f: &Flow) -> View {
        let screen = match &f.state {
            State::Identify => Screen::Identify,
            State::Password => Screen::Password,
            State::ChooseMethod => Screen::ChooseMethod,
            State::Code { channel, .. } => Screen::Code { channel: *channel },
            State::Totp => Screen::Totp,
            State::RecoveryCode => Screen::RecoveryCode,
            State::AwaitingHost { question } => Screen::AwaitingHost {
                question: question.clone(),
            },
            State::SignedIn { .. } => Screen::SignedIn,
            State::Blocked { cause } => Screen::Blocked {
                cause: *cause,
                unblock: cause.unblock(),
            },
            State::ActionRequired { action } => Screen::ActionRequired { action: *action },
            State::VerifyEmail { .. } => Screen::ActionRequired {
                action: crate::account::RequiredAction::VerifyEmail,
            },
            State::Ended { reason } => Screen::Ended { reason: *reason },
            State::ResetCode { .. } | State::ConfirmMobile { .. } => Screen::Code {
                channel: crate::otp::Channel::Sms,
            },
            State::Question { question } => Screen::Question {
                question: question.clone(),
            },
            State::NewPassword => Screen::NewPassword,
            State::ChangePassword => Screen::ChangePassword,
            State::EnterMobile => Screen::EnterMobile,
            State::Done { done } => Screen::Done { done: *done },
            State::Revealed { username } => Screen::Revealed {
                username: username.clone(),
            },
            State::PersonalData => Screen::PersonalData,
            State::DuplicateChoice => Screen::DuplicateChoice,
            State::EnterEmail => Screen::EnterEmail,
            State::EnterPhone => Screen::EnterPhone,
            State::CheckEmail => Screen::CheckEmail,
            State::CreatePassword | State::Creating => Screen::CreatePassword,
        };
        View {
            flow: f.id.clone(),
            token: f.token(),
            methods: if matches!(f.state, State::ChooseMethod) {
                f.methods.clone()
            } else {
                Vec::new()
            },
            resend_at: match f.state {
                State::Code { .. }
                | State::VerifyEmail { .. }
                | State::ResetCode { .. }
                | State::ConfirmMobile { .. }
                | State::CheckEmail => f.resend_at,
                _ => None,
            },
            error: f.error,
            violations: f.violations.clone(),
            masked: match f.state {
                State::ResetCode { .. } => f.masked.clone(),
                _ => None,
            },
            form: super::registration::form_of(f),
            screen,
        }
    }

    /// The audit event of a flow's step.
    pub(crate) fn audit(&self, f: &Flow, now: Timestamp, step: &str) -> AuditEvent {
        let subject = f.subject.as_ref().map_or(f.id.as_str(), Subject::id);
        AuditEvent::new(now, AuditKind::FlowStep, subject)
            .detail("flow", &f.id)
            .detail("step", step)
    }

    /// The step that stores `next` in place of `flow` and shows it.
    pub(crate) fn respond(
        &self,
        flow: &Stored<Flow>,
        next: Flow,
        outcome: FlowOutcome,
        mut work: Work,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let view = self.view_of(&next);
        work.commit.consume(self.flow_write(flow, next, now)?);
        Ok(FlowStep {
            outcome,
            view: Some(view),
            writes: work.commit.into_writes(),
            effects: work.effects,
            then: Then::Respond,
        })
    }

    /// The write of `next` in place of `flow`.
    pub(crate) fn flow_write(
        &self,
        flow: &Stored<Flow>,
        next: Flow,
        now: Timestamp,
    ) -> Result<FlowWrite, Error> {
        let key = next.record_key();
        Ok(FlowWrite::put(
            &key,
            &Write::replacing(flow, flow.next(next, now)?),
        ))
    }

    /// Asks the host for records; nothing written.
    pub(crate) fn load(keys: Vec<String>) -> FlowStep {
        FlowStep {
            outcome: FlowOutcome::NeedRecords,
            view: None,
            writes: Vec::new(),
            effects: Vec::new(),
            then: Then::Load { keys },
        }
    }

    /// The padding write for `subject`.
    pub(crate) fn pad_write(
        &self,
        records: &Records,
        subject: &str,
        now: Timestamp,
    ) -> Result<FlowWrite, Error> {
        let key = self.decoys.pad_key(subject);
        let pad = records
            .load::<Padding>(&key)?
            .present()
            .unwrap_or_else(|| Stored::new(Padding::default()));
        let next = pad.next(pad.body().bumped(), now)?;
        Ok(FlowWrite::put(&key, &Write::replacing(&pad, next)))
    }

    /// The budget record of `account` as loaded, or a new one.
    pub(crate) fn guard_of(
        records: &Records,
        account: &str,
    ) -> Result<Stored<AccountGuard>, Error> {
        Ok(records
            .load::<AccountGuard>(&guard_key(account))?
            .present()
            .unwrap_or_else(|| Stored::new(AccountGuard::new())))
    }

    /// The account, if loaded and present.
    pub(crate) fn account_of(
        records: &Records,
        id: &str,
    ) -> Result<Option<Stored<Account>>, Error> {
        Ok(records
            .load::<Account>(&crate::account::account_key(id))?
            .present())
    }

    /// Whether every key is loaded.
    pub(crate) fn missing(records: &Records, keys: &[String]) -> Vec<String> {
        keys.iter()
            .filter(|k| !records.is_loaded(k))
            .cloned()
            .collect()
    }
}

/// `guard/<account>`: the account's budget record.
pub fn guard_key(account: &str) -> String {
    format!("guard/{account}")
}

/// `source/<id>`: a source's failure counter.
pub fn source_key(source: &str) -> String {
    format!("source/{source}")
}

/// `destination/<address>`: a destination's send budget.
pub fn destination_key(address: &str) -> String {
    format!("destination/{address}")
}

/// `challenge/<id>`: a delivery challenge.
pub fn challenge_key(id: &str) -> String {
    format!("challenge/{id}")
}
