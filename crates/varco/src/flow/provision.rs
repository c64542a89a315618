//! Provisioning: an operator's import of an account, or a test's.

use rand_core::CryptoRng;

use super::engine::{FlowEngine, Work};
use super::records::FlowWrite;
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
    /// exist", so an identifier is never claimed twice; then the account),
    /// with its password hashed by the engine's hasher.
    ///
    /// ```
    /// use varco::flow::{EngineConfig, EngineKeys, FlowEngine, NewAccount};
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
    /// let new = NewAccount { id: "a1".into(), username: Some("Mario".into()), ..NewAccount::default() };
    /// let step = engine.provision(&new, Some("Correct-Horse-1"), Timestamp::from_unix_seconds(1_800_000_000), &mut rand::rng()).unwrap();
    /// let keys: Vec<&str> = step.writes.iter().map(|w| w.key.as_str()).collect();
    /// assert_eq!(keys, ["claim/login/mario", "account/a1"]);
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad id, identifier or mobile, two
    /// identifiers with one key, `verify_email` without an email, or both a
    /// password and an imported hash; [`Error::MalformedHash`] for an
    /// imported hash that cannot be read; a hashing error for a password over the
    /// bound; [`Error::InvalidTime`] for a `now` past the year 9999.
    pub fn provision<R: CryptoRng + ?Sized>(
        &self,
        new: &NewAccount,
        password: Option<&str>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
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
        match (password, &new.imported_hash) {
            (Some(_), Some(_)) => {
                return Err(Error::InvalidInput(
                    "a password or an imported hash, not both".into(),
                ));
            }
            (Some(p), None) => {
                account = account.with_password_hash(&self.hasher.hash(p, rng)?);
            }
            (None, Some(h)) => {
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
            (None, None) => {}
        }
        for i in &new.identifiers {
            account = account.with_identifier(i.kind, &i.value, rules)?;
        }
        match (&new.question, &new.answer) {
            (Some(id), Some(answer)) => {
                if !self.config.recovery.questions.iter().any(|q| q == id) {
                    return Err(Error::InvalidInput(format!(
                        "question {:?} is not in the catalogue",
                        crate::guard::clip(id)
                    )));
                }
                let normal = crate::account::normalize_answer(answer.expose())?;
                account = account.with_question(crate::account::SecretQuestion {
                    id: id.clone(),
                    answer: self.hasher.hash(&normal, rng)?,
                });
            }
            (None, None) => {}
            _ => {
                return Err(Error::InvalidInput(
                    "a question and its answer, or neither".into(),
                ));
            }
        }
        for a in &new.required_actions {
            if *a == crate::account::RequiredAction::VerifyEmail && new.email.is_none() {
                return Err(Error::InvalidInput(
                    "verify_email: the account has no email to confirm".into(),
                ));
            }
            account = account.with_required_action(*a);
        }
        let step = account.provision(now)?;
        let mut work = Work::new();
        for (key, w) in &step.writes.claims {
            work.commit.consume(FlowWrite::put(key, w));
        }
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
