//! Provisioning: an operator's import of an account, or a test's.

use rand_core::CryptoRng;

use super::engine::{FlowEngine, Work};
use super::records::{FlowWrite, Records};
use super::step::{FlowOutcome, FlowStep, Then};
use crate::account::{Account, IdentifierKind, LookupKey};
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::{Error, Timestamp};

/// An account to create: its id, identifiers and contacts. In JSON,
/// `{"id":"a1","username":"mario","mobile":"+39…","second_factor":true}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewAccount {
    /// The account's id: 1 to 64 of `[A-Za-z0-9_-]`.
    pub id: String,
    /// A username to sign in with.
    pub username: Option<String>,
    /// An email address: to sign in with, and where codes go without a
    /// mobile.
    pub email: Option<String>,
    /// The mobile where sign-in codes go (normalised to E.164).
    pub mobile: Option<String>,
    /// Whether the opt-in second factor is on.
    pub second_factor: bool,
    /// What the owner must do at the first sign-in (an operator's
    /// temporary password to change, terms to accept).
    pub required_actions: Vec<crate::account::RequiredAction>,
    /// A hash imported from an earlier system, instead of a password: an
    /// Argon2 PHC string is kept as it is; a legacy one (bcrypt, PBKDF2,
    /// SHA-crypt) is wrapped in Argon2id at once
    /// ([`PasswordHasher::wrap_legacy`](crate::hash::PasswordHasher::wrap_legacy)),
    /// or kept as it is where its salt cannot be remade. Either way the
    /// first sign-in stores a plain Argon2id hash.
    pub imported_hash: Option<String>,
    /// More identifiers to find the account by (a mobile number to reset
    /// by, a codice fiscale): unique kinds are claimed with the account.
    pub identifiers: Vec<NewIdentifier>,
    /// The secret question's catalogue id, with [`answer`](Self::answer)
    /// (legacy: see [`crate::account::SecretQuestion`]).
    pub question: Option<String>,
    /// The answer, normalised and hashed with the engine's hasher.
    pub answer: Option<crate::SecretString>,
}

/// One more identifier of a [`NewAccount`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIdentifier {
    /// Its kind.
    pub kind: IdentifierKind,
    /// As typed.
    pub value: String,
}

impl NewAccount {
    /// Reads an account to create from JSON.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for malformed JSON or an unknown field.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        crate::error::input_from_json(json, "new account")
    }
}

impl FlowEngine {
    /// The writes that create an account (its claims, each "must not
    /// exist", so an identifier is never claimed twice; its hints, each a
    /// compare-and-swap naming it too; then the account), with its
    /// password hashed by the engine's hasher.
    ///
    /// An account with a codice fiscale or a fixed number first asks for
    /// their hints ([`Then::Load`]): call again with them loaded in
    /// `records` (a host loop does; nothing is hashed before).
    ///
    /// ```
    /// use varco::flow::{EngineConfig, EngineKeys, FlowEngine, NewAccount, Records, Then};
    /// use varco::hash::HashParams;
    /// use varco::keys::KeyRing;
    /// use varco::Timestamp;
    ///
    /// let keys = EngineKeys {
    ///     codes: KeyRing::new("c1", vec![1; 32]).unwrap(),
    ///     sealing: KeyRing::new("s1", vec![2; 32]).unwrap(),
    ///     decoy: KeyRing::new("d1", vec![3; 32]).unwrap(),
    ///     peppers: None,
    /// };
    /// let config = EngineConfig { hash: HashParams::new(8, 1, 1).unwrap(), ..EngineConfig::default() };
    /// let engine = FlowEngine::new(config, keys).unwrap();
    /// let now = Timestamp::from_unix_seconds(1_800_000_000);
    /// let new = NewAccount { id: "a1".into(), username: Some("Mario".into()), ..NewAccount::default() };
    /// let step = engine.provision(&new, Some("Correct-Horse-1"), &Records::new(), now, &mut rand::rng()).unwrap();
    /// let keys: Vec<&str> = step.writes.iter().map(|w| w.key.as_str()).collect();
    /// assert_eq!(keys, ["claim/login/mario", "account/a1"]);
    ///
    /// // With a codice fiscale: its hint first, then the same writes and the hint.
    /// let new = NewAccount::from_json(r#"{"id":"a2","identifiers":[{"kind":"codice_fiscale","value":"RSSMRA80A01H501U"}]}"#).unwrap();
    /// let step = engine.provision(&new, None, &Records::new(), now, &mut rand::rng()).unwrap();
    /// assert_eq!(step.then, Then::Load { keys: vec!["hint/cf/RSSMRA80A01H501U".into()] });
    /// let mut records = Records::new();
    /// records.insert("hint/cf/RSSMRA80A01H501U", None);
    /// let step = engine.provision(&new, None, &records, now, &mut rand::rng()).unwrap();
    /// let keys: Vec<&str> = step.writes.iter().map(|w| w.key.as_str()).collect();
    /// assert_eq!(keys, ["hint/cf/RSSMRA80A01H501U", "account/a2"]);
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad id, identifier or mobile, two
    /// identifiers with one key, `verify_email` without an email, both a
    /// password and an imported hash, or a hint that names the most
    /// accounts it may; [`Error::MalformedHash`] for an imported hash that
    /// cannot be read; a hashing error for a password over the bound;
    /// [`Error::InvalidTime`] for a `now` past the year 9999; a loaded
    /// record's own error.
    pub fn provision<R: CryptoRng + ?Sized>(
        &self,
        new: &NewAccount,
        password: Option<&str>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        records.check()?;
        let rules = &self.config.identifiers;
        let mut account = Account::new(&new.id, now)?.with_second_factor(new.second_factor);
        if let Some(u) = &new.username {
            account = account.with_identifier(IdentifierKind::Username, u, rules)?;
        }
        if let Some(e) = &new.email {
            account = account.with_identifier(IdentifierKind::Email, e, rules)?;
        }
        if let Some(m) = &new.mobile {
            let key = LookupKey::of(IdentifierKind::Mobile, m, rules)?;
            account = account.with_mobile(key.key());
        }
        for i in &new.identifiers {
            account = account.with_identifier(i.kind, &i.value, rules)?;
        }
        for a in &new.required_actions {
            if *a == crate::account::RequiredAction::VerifyEmail && new.email.is_none() {
                return Err(Error::InvalidInput(
                    "verify_email: the account has no email to confirm".into(),
                ));
            }
            account = account.with_required_action(*a);
        }
        if password.is_some() && new.imported_hash.is_some() {
            return Err(Error::InvalidInput(
                "a password or an imported hash, not both".into(),
            ));
        }
        if new.question.is_some() != new.answer.is_some() {
            return Err(Error::InvalidInput(
                "a question and its answer, or neither".into(),
            ));
        }
        if let Some(id) = &new.question
            && !self.config.recovery.questions.iter().any(|q| q == id)
        {
            return Err(Error::InvalidInput(format!(
                "question {:?} is not in the catalogue",
                crate::guard::clip(id)
            )));
        }
        // The hints before any hashing, so that a host loop's second call
        // is the only one that pays for Argon2.
        let hints = account.hint_keys();
        let missing = Self::missing(records, &hints);
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        if let Some(p) = password {
            account = account.with_password_hash(&self.hasher.hash(p, rng)?);
        }
        if let Some(h) = &new.imported_hash {
            let stored = if crate::hash::LegacyHash::is_legacy(h) {
                match self.hasher.wrap_legacy(h, rng) {
                    Ok(wrapped) => wrapped,
                    Err(_) if crate::hash::LegacyHash::parse(h).is_ok() => h.clone(),
                    Err(e) => return Err(e),
                }
            } else {
                // Readable, or refused now rather than at every sign-in.
                self.hasher.needs_rehash(h)?;
                h.clone()
            };
            account = account.with_password_hash(&stored);
        }
        if let (Some(id), Some(answer)) = (&new.question, &new.answer) {
            let normal = crate::account::normalize_answer(answer.expose())?;
            account = account.with_question(crate::account::SecretQuestion {
                id: id.clone(),
                answer: self.hasher.hash(&normal, rng)?,
            });
        }
        let step = account.provision(now)?;
        let mut work = Work::new();
        for (key, w) in &step.writes.claims {
            work.commit.consume(FlowWrite::put(key, w));
        }
        Self::hint_writes(records, &hints, &new.id, true, &mut work, now)?;
        let (key, w) = &step.writes.account;
        work.commit.grant(FlowWrite::put(key, w));
        work.effects.push(Effect::Audit(
            AuditEvent::new(now, AuditKind::AccountActivated, &new.id).detail("by", "provision"),
        ));
        Ok(FlowStep {
            outcome: FlowOutcome::Applied {
                state: account.lifecycle().state().clone(),
            },
            view: None,
            writes: work.commit.into_writes(),
            effects: work.effects,
            then: Then::Respond,
        })
    }
}
