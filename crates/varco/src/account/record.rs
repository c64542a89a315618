//! The account record (ENGINE §1): identifiers, credentials, lifecycle,
//! required actions and the epoch. It changes rarely; per-login state
//! (attempt counts, last activity) lives in the budget record beside it
//! ([`crate::guard::AccountGuard`]).

use serde::{Deserialize, Serialize};

use super::{
    IdentifierKind, IdentifierRules, Lifecycle, LifecycleEvent, LookupKey, MobileHold,
    SecretQuestion,
};
use crate::effect::Effect;
use crate::record::{Record, Stored};
use crate::step::{RecordStep, Step, Write};
use crate::{Error, Timestamp};

/// An identifier of an account: what the owner gave, and the key it is
/// found by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identifier {
    /// Its kind.
    pub kind: IdentifierKind,
    /// The normalised key (`mario.rossi@example.it`, `+393331234567`).
    pub key: String,
}

/// Something the owner must do before a sign-in completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequiredAction {
    /// Choose a new password (after a forced reset, or on expiry).
    ChangePassword,
    /// Confirm the email address.
    VerifyEmail,
    /// Accept the terms of service.
    AcceptTerms,
}

impl RequiredAction {
    /// The stable name (`change_password`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RequiredAction::ChangePassword => "change_password",
            RequiredAction::VerifyEmail => "verify_email",
            RequiredAction::AcceptTerms => "accept_terms",
        }
    }
}

/// One account, as the portals know it: a record ([`Stored<Account>`]),
/// kept under [`Account::record_key`].
///
/// ```
/// use varco::account::{Account, IdentifierKind, IdentifierRules};
/// use varco::Timestamp;
///
/// let now = Timestamp::from_unix_seconds(1_800_000_000);
/// let rules = IdentifierRules::default();
/// let account = Account::new("a1", now).unwrap()
///     .with_identifier(IdentifierKind::Email, "Mario.Rossi@Example.it", &rules).unwrap()
///     .with_mobile("+393331234567");
/// assert_eq!(account.record_key(), "account/a1");
/// assert_eq!(account.claim_keys(), vec!["claim/login/mario.rossi@example.it".to_owned()]);
/// assert!(account.lifecycle().can_authenticate());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    identifiers: Vec<Identifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mobile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    totp: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    recovery_codes: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    second_factor: bool,
    lifecycle: Lifecycle,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    required_actions: Vec<RequiredAction>,
    #[serde(default)]
    epoch: u64,
    /// The secret question, if one is set (legacy; see
    /// [`SecretQuestion`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    question: Option<SecretQuestion>,
    /// The hashes of earlier passwords, newest first (for the policy's
    /// history rule).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    history: Vec<String>,
    /// A recovery mobile just changed, held before it serves a recovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mobile_hold: Option<MobileHold>,
    /// Until when a temporary password (an operator's forced reset) signs
    /// in; past it, it is no password at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    temporary_until: Option<Timestamp>,
    /// A registration with this account's number and tax codes asked to
    /// cease it: what is pending, until its owner answers or it falls due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cease: Option<PendingCease>,
}

/// A cease a newer registration asked for (FLOWS F7): the new account
/// waits, pending activation, until the old one's owner confirms, refuses,
/// or lets `due` pass (`Command::ResolveCease`).
///
/// ```
/// use varco::account::Account;
/// use varco::Timestamp;
///
/// let a = Account::pending("a2", Timestamp::from_unix_seconds(1_800_000_000)).unwrap();
/// assert!(!a.lifecycle().can_authenticate());
/// assert!(a.cease_pending().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PendingCease {
    /// The new account that replaces this one.
    pub by: String,
    /// When the cease may happen without the owner's answer.
    pub due: Timestamp,
    /// The SHA-256 (hex) of the link's token emailed to this account's
    /// owner (`Command::ResolveCease` with that token confirms or
    /// refuses), if the account has an email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Whether `id` can be an account id: 1 to 64 of `[A-Za-z0-9_-]`.
pub(crate) fn is_account_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Account {
    /// Identifiers an account holds at most.
    pub const MAX_IDENTIFIERS: usize = 16;
    /// Earlier password hashes kept at most (the policy's history rule
    /// looks at up to 64; each costs one Argon2 run at a change).
    pub const MAX_HISTORY: usize = 24;

    /// A new, active account with no identifiers or credentials yet.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an id that is not 1 to 64 of
    /// `[A-Za-z0-9_-]`.
    pub fn new(id: &str, now: Timestamp) -> Result<Self, Error> {
        if !is_account_id(id) {
            return Err(Error::InvalidInput(
                "an account id is 1 to 64 of [A-Za-z0-9_-]".into(),
            ));
        }
        let (lifecycle, _) = Lifecycle::new(now).transition(&LifecycleEvent::Activate, now)?;
        Ok(Account {
            id: id.to_owned(),
            identifiers: Vec::new(),
            password: None,
            mobile: None,
            email: None,
            totp: false,
            recovery_codes: false,
            second_factor: false,
            lifecycle,
            required_actions: Vec::new(),
            epoch: 0,
            question: None,
            history: Vec::new(),
            mobile_hold: None,
            temporary_until: None,
            cease: None,
        })
    }

    /// A new account pending activation (a registration that replaces an
    /// earlier one waits for its cease).
    ///
    /// # Errors
    /// As [`Account::new`].
    pub fn pending(id: &str, now: Timestamp) -> Result<Self, Error> {
        let mut a = Account::new(id, now)?;
        a.lifecycle = Lifecycle::new(now);
        Ok(a)
    }

    /// The account, not yet activated (its lifecycle pending activation).
    pub(crate) fn into_pending(mut self) -> Account {
        self.lifecycle = Lifecycle::new(self.lifecycle.since());
        self
    }

    /// The cease a newer registration asked for, if one is pending.
    pub fn cease_pending(&self) -> Option<&PendingCease> {
        self.cease.as_ref()
    }

    /// The account with a cease pending, asked by account `by`.
    pub(crate) fn with_cease_pending(
        &self,
        by: &str,
        due: Timestamp,
        link: Option<String>,
    ) -> Account {
        let mut next = self.clone();
        next.cease = Some(PendingCease {
            by: by.to_owned(),
            due,
            link,
        });
        next
    }

    /// The account without its pending cease.
    pub(crate) fn without_cease_pending(&self) -> Account {
        let mut next = self.clone();
        next.cease = None;
        next
    }

    /// Adds an identifier, normalised into its lookup key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an identifier that is not of its kind,
    /// or one too many.
    pub fn with_identifier(
        mut self,
        kind: IdentifierKind,
        raw: &str,
        rules: &IdentifierRules,
    ) -> Result<Self, Error> {
        let key = LookupKey::of(kind, raw, rules)?;
        if self.identifiers.len() >= Self::MAX_IDENTIFIERS {
            return Err(Error::InvalidInput(format!(
                "an account has at most {} identifiers",
                Self::MAX_IDENTIFIERS
            )));
        }
        if kind == IdentifierKind::Email && self.email.is_none() {
            self.email = Some(key.key().to_owned());
        }
        self.identifiers.push(Identifier {
            kind,
            key: key.key().to_owned(),
        });
        Ok(self)
    }

    /// Sets the password hash (a PHC string from
    /// [`PasswordHasher::hash`](crate::hash::PasswordHasher::hash), or an
    /// imported legacy hash).
    pub fn with_password_hash(mut self, phc: &str) -> Self {
        self.password = Some(phc.to_owned());
        self
    }

    /// Sets the registered mobile (where sign-in codes go).
    pub fn with_mobile(mut self, number: &str) -> Self {
        self.mobile = Some(number.to_owned());
        self
    }

    /// Sets the email address (where codes go when there is no mobile).
    pub fn with_email(mut self, address: &str) -> Self {
        self.email = Some(address.to_owned());
        self
    }

    /// Says that an authenticator (a sealed TOTP record under
    /// [`totp_key`](Self::totp_key)) is enrolled.
    pub fn with_totp(mut self, enrolled: bool) -> Self {
        self.totp = enrolled;
        self
    }

    /// Says that a recovery-code set (under
    /// [`recovery_codes_key`](Self::recovery_codes_key)) exists.
    pub fn with_recovery_codes(mut self, present: bool) -> Self {
        self.recovery_codes = present;
        self
    }

    /// Turns the owner's opt-in second factor on or off ("Autenticazione
    /// sicura"). A policy that always requires one ignores this.
    pub fn with_second_factor(mut self, on: bool) -> Self {
        self.second_factor = on;
        self
    }

    /// Adds an action the owner must complete at the next sign-in.
    pub fn with_required_action(mut self, action: RequiredAction) -> Self {
        if !self.required_actions.contains(&action) {
            self.required_actions.push(action);
        }
        self
    }

    /// Sets the secret question (its catalogue id and the hash of the
    /// normalised answer: [`crate::account::normalize_answer`], then
    /// [`PasswordHasher::hash`](crate::hash::PasswordHasher::hash)).
    pub fn with_question(mut self, question: SecretQuestion) -> Self {
        self.question = Some(question);
        self
    }

    /// The account's id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Its identifiers.
    pub fn identifiers(&self) -> &[Identifier] {
        &self.identifiers
    }
    /// The stored password hash, if any.
    pub fn password_hash(&self) -> Option<&str> {
        self.password.as_deref()
    }
    /// The registered mobile.
    pub fn mobile(&self) -> Option<&str> {
        self.mobile.as_deref()
    }
    /// The mobile that may serve a recovery at `now`: the registered one,
    /// unless it was changed less than the hold ago; then the one it
    /// replaced, if any.
    pub fn recovery_mobile(&self, now: Timestamp) -> Option<&str> {
        match &self.mobile_hold {
            Some(h) if now < h.until => h.previous.as_deref(),
            _ => self.mobile.as_deref(),
        }
    }
    /// The hold on a recovery mobile just changed, if any.
    pub fn mobile_hold(&self) -> Option<&MobileHold> {
        self.mobile_hold.as_ref()
    }
    /// The recovery mobile change on hold at `now`, if any.
    pub fn running_mobile_hold(&self, now: Timestamp) -> Option<&MobileHold> {
        self.mobile_hold.as_ref().filter(|h| now < h.until)
    }
    /// The secret question, if any.
    pub fn question(&self) -> Option<&SecretQuestion> {
        self.question.as_ref()
    }
    /// Whether the password is a temporary one that has expired at `now`
    /// (it then signs in no more: the owner asks for another reset).
    pub fn password_expired(&self, now: Timestamp) -> bool {
        self.temporary_until.is_some_and(|until| now >= until)
    }
    /// Earlier passwords' hashes, newest first.
    pub fn password_history(&self) -> &[String] {
        &self.history
    }
    /// The email address.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }
    /// Whether an authenticator is enrolled.
    pub fn has_totp(&self) -> bool {
        self.totp
    }
    /// Whether a recovery-code set exists.
    pub fn has_recovery_codes(&self) -> bool {
        self.recovery_codes
    }
    /// Whether the owner turned the opt-in second factor on.
    pub fn second_factor_on(&self) -> bool {
        self.second_factor
    }
    /// The lifecycle.
    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }
    /// What the owner must do at the next sign-in.
    pub fn required_actions(&self) -> &[RequiredAction] {
        &self.required_actions
    }
    /// The epoch: moved by every change that must end older flows and
    /// sessions (a password change, an operator block, ...).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// `account/<id>`.
    pub fn record_key(&self) -> String {
        account_key(&self.id)
    }
    /// `totp/<id>`: the sealed authenticator.
    pub fn totp_key(&self) -> String {
        format!("totp/{}", self.id)
    }
    /// `recovery_codes/<id>`.
    pub fn recovery_codes_key(&self) -> String {
        format!("recovery_codes/{}", self.id)
    }
    /// The claim record keys of its unique identifiers.
    pub fn claim_keys(&self) -> Vec<String> {
        self.identifiers
            .iter()
            .filter(|i| i.kind.is_unique())
            .map(|i| super::identifier::record_key(true, i.kind.namespace(), &i.key))
            .collect()
    }

    /// The keys of the hints that must name this account
    /// (`hint/<namespace>/<key>` for each codice fiscale and fixed
    /// number), each once.
    pub fn hint_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .identifiers
            .iter()
            .filter(|i| !i.kind.is_unique())
            .map(|i| super::identifier::record_key(false, i.kind.namespace(), &i.key))
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// The account after `event`, with the epoch moved where the event
    /// must end older flows and sessions (an operator block, a
    /// cessation).
    pub(crate) fn transition(
        &self,
        event: &LifecycleEvent,
        now: Timestamp,
    ) -> Result<(Account, Vec<Effect>), Error> {
        let (lifecycle, effects) = self.lifecycle.transition(event, now)?;
        let mut next = self.clone();
        next.lifecycle = lifecycle;
        if matches!(
            event,
            LifecycleEvent::OperatorBlock { .. } | LifecycleEvent::Cease { .. }
        ) {
            next.epoch = next.epoch.saturating_add(1);
        }
        Ok((next, effects))
    }

    /// The account once `action` is done: it is no longer required.
    pub(crate) fn with_action_done(&self, action: RequiredAction) -> Account {
        let mut next = self.clone();
        next.required_actions.retain(|a| *a != action);
        next
    }

    /// The account with a new password (its owner chose it): the epoch
    /// moves, so every older flow and session ends.
    pub(crate) fn with_new_password(&self, phc: String, keep: usize) -> Account {
        let mut next = self.with_action_done(RequiredAction::ChangePassword);
        if let Some(old) = next.password.replace(phc) {
            next.history.insert(0, old);
        }
        next.history.truncate(keep.min(Self::MAX_HISTORY));
        next.epoch = next.epoch.saturating_add(1);
        next.temporary_until = None;
        next
    }

    /// The account with a new recovery mobile (its owner proved it with a
    /// code): the epoch moves, and the number is held until `until` before
    /// it serves a recovery. A hold already running keeps the number it
    /// replaced and its cancel link (changing twice does not launder the
    /// first change, nor void the link its owner holds); otherwise `link`
    /// is the new cancel link's digest.
    pub(crate) fn with_recovery_mobile(
        &self,
        number: &str,
        until: Timestamp,
        now: Timestamp,
        link: Option<String>,
    ) -> Account {
        let mut next = self.clone();
        let (previous, link) = match self.running_mobile_hold(now) {
            Some(h) => (h.previous.clone(), h.link.clone()),
            None => (self.mobile.clone(), link),
        };
        next.mobile = Some(number.to_owned());
        next.mobile_hold = (until > now).then_some(MobileHold {
            until,
            previous,
            link,
        });
        next.epoch = next.epoch.saturating_add(1);
        next
    }

    /// The account with a held recovery mobile change undone: the number
    /// it replaced back, no hold, the epoch moved. `None` when no change is
    /// on hold at `now`.
    pub(crate) fn with_mobile_change_cancelled(&self, now: Timestamp) -> Option<Account> {
        let hold = self.running_mobile_hold(now)?;
        let mut next = self.clone();
        next.mobile = hold.previous.clone();
        next.mobile_hold = None;
        next.epoch = next.epoch.saturating_add(1);
        Some(next)
    }

    /// The account after an operator's forced reset: a temporary password
    /// that must be changed at the next sign-in, the epoch moved.
    pub(crate) fn with_forced_password(
        &self,
        phc: String,
        keep: usize,
        until: Timestamp,
    ) -> Account {
        let mut next = self
            .with_new_password(phc, keep)
            .with_required_action(RequiredAction::ChangePassword);
        next.temporary_until = Some(until);
        next
    }

    /// The account with its password hash replaced (an upgrade after a
    /// sign-in: same password, current parameters). The epoch stays: the
    /// password did not change.
    pub(crate) fn with_upgraded_hash(&self, phc: String) -> Account {
        let mut next = self.clone();
        next.password = Some(phc);
        next
    }
}

/// `account/<id>`.
pub(crate) fn account_key(id: &str) -> String {
    format!("account/{id}")
}

impl Record for Account {
    const KIND: &'static str = "account";
    const VERSION: u32 = 1;

    fn validate(&self) -> Result<(), Error> {
        let bad = |m: &str| Err(Error::Deserialize(format!("account: {m}")));
        if !is_account_id(&self.id) {
            return bad("the id is 1 to 64 of [A-Za-z0-9_-]");
        }
        if self.identifiers.len() > Self::MAX_IDENTIFIERS
            || self
                .identifiers
                .iter()
                .any(|i| i.key.is_empty() || i.key.len() > 512)
        {
            return bad("at most 16 identifiers of 1 to 512 bytes");
        }
        if self.password.as_ref().is_some_and(|p| p.len() > 1024)
            || self
                .mobile
                .as_ref()
                .is_some_and(|m| m.is_empty() || m.len() > 32)
            || self
                .email
                .as_ref()
                .is_some_and(|e| e.is_empty() || e.len() > 320)
        {
            return bad("a password hash over 1024 bytes, or an empty or oversized contact");
        }
        if self.required_actions.len() > 8 {
            return bad("at most 8 required actions");
        }
        if self.history.len() > Self::MAX_HISTORY || self.history.iter().any(|h| h.len() > 1024) {
            return bad("at most 24 earlier password hashes of at most 1024 bytes");
        }
        if let Some(q) = &self.question
            && (q.id.is_empty() || q.id.len() > 64 || q.answer.is_empty() || q.answer.len() > 1024)
        {
            return bad("a question id of 1 to 64 bytes and an answer hash of 1 to 1024");
        }
        if self.cease.as_ref().is_some_and(|c| !is_account_id(&c.by)) {
            return bad("a pending cease names an account id");
        }
        if let Some(h) = &self.mobile_hold
            && h.previous
                .as_ref()
                .is_some_and(|m| m.is_empty() || m.len() > 32)
        {
            return bad("an empty or oversized previous mobile");
        }
        Ok(())
    }
}

/// A claim: the record that makes an identifier unique
/// (`claim/<namespace>/<key>`), naming the account that holds it. It is
/// written "must not exist" in the same commit as the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    account: String,
}

impl Claim {
    /// The id of the account that holds the identifier.
    pub fn account(&self) -> &str {
        &self.account
    }
}

impl Record for Claim {
    const KIND: &'static str = "claim";
    const VERSION: u32 = 1;
    const MAX_BYTES: usize = 1024;

    fn validate(&self) -> Result<(), Error> {
        if !is_account_id(&self.account) {
            return Err(Error::Deserialize(
                "claim: the account id is 1 to 64 of [A-Za-z0-9_-]".into(),
            ));
        }
        Ok(())
    }
}

/// What provisioning an account writes, in commit order: its claims (each
/// "must not exist", so two accounts can never claim one identifier), then
/// the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionWrites {
    /// `(record key, claim)` for each unique identifier.
    pub claims: Vec<(String, Write<Claim>)>,
    /// `(record key, account)`.
    pub account: (String, Write<Account>),
}

impl Account {
    /// The writes that store a new account and claim its unique
    /// identifiers: an operator's import, a test, a registration's last
    /// step.
    ///
    /// ```
    /// use varco::account::{Account, IdentifierKind, IdentifierRules};
    /// use varco::record::Expect;
    /// use varco::Timestamp;
    ///
    /// let now = Timestamp::from_unix_seconds(1_800_000_000);
    /// let account = Account::new("a1", now).unwrap()
    ///     .with_identifier(IdentifierKind::Username, "mario", &IdentifierRules::default()).unwrap();
    /// let step = account.provision(now).unwrap();
    /// let (key, claim) = &step.writes.claims[0];
    /// assert_eq!((key.as_str(), claim.expect), ("claim/login/mario", Expect::Absent));
    /// assert_eq!(step.writes.account.0, "account/a1");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when two identifiers claim one key;
    /// [`Error::InvalidTime`] for a `now` past the year 9999.
    pub fn provision(&self, now: Timestamp) -> Result<Step<(), ProvisionWrites>, Error> {
        self.validate()?;
        let keys = self.claim_keys();
        let mut seen = std::collections::BTreeSet::new();
        if !keys.iter().all(|k| seen.insert(k)) {
            return Err(Error::InvalidInput(
                "two of the account's identifiers claim one key".into(),
            ));
        }
        let mut claims = Vec::new();
        for key in keys {
            let new = Stored::new(Claim {
                account: self.id.clone(),
            });
            let record = new.next(new.body().clone(), now)?;
            claims.push((key, Write::replacing(&new, record)));
        }
        let new = Stored::new(self.clone());
        let record = new.next(self.clone(), now)?;
        Ok(Step {
            outcome: (),
            writes: ProvisionWrites {
                claims,
                account: (self.record_key(), Write::replacing(&new, record)),
            },
            effects: Vec::new(),
        })
    }
}

impl Stored<Account> {
    /// Applies a lifecycle event to the account (an operator's block, a
    /// subscription's expiry): the lifecycle's own rule, and the epoch
    /// moved by an operator's block.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when the event makes no sense in the
    /// current state; [`Error::InvalidTime`] for a broken clock. Nothing
    /// is written.
    pub fn apply(
        &self,
        event: &LifecycleEvent,
        now: Timestamp,
    ) -> Result<RecordStep<super::LifecycleOutcome, Account>, Error> {
        let now = self.effective_time(now)?;
        let (next, effects) = self.body().transition(event, now)?;
        Ok(Step {
            outcome: super::LifecycleOutcome::of(next.lifecycle.state()),
            writes: Some(Write::replacing(self, self.next(next, now)?)),
            effects,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountState;

    fn t() -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000)
    }

    #[test]
    fn an_operator_block_moves_the_epoch_and_a_subscription_expiry_does_not() {
        let a = Stored::new(Account::new("a1", t()).unwrap());
        let blocked = a
            .apply(
                &LifecycleEvent::OperatorBlock {
                    operator: "op".into(),
                    reason: "theft".into(),
                },
                t(),
            )
            .unwrap();
        let record = blocked.writes.unwrap().record;
        assert_eq!(record.body().epoch(), 1);
        assert_eq!(*record.body().lifecycle().state(), AccountState::Suspended);
        let expired = a.apply(&LifecycleEvent::SubscriptionExpired, t()).unwrap();
        assert_eq!(expired.writes.unwrap().record.body().epoch(), 0);
    }

    #[test]
    fn the_stored_form_round_trips_and_bad_ids_are_refused() {
        let a = Account::new("a1", t())
            .unwrap()
            .with_mobile("+393331234567");
        let step = a.provision(t()).unwrap();
        let json = step.writes.account.1.record.to_json();
        let back = Stored::<Account>::from_json(&json).unwrap();
        assert_eq!(back.body(), &a);
        assert!(Account::new("", t()).is_err());
        assert!(Account::new("a/b", t()).is_err());
        assert!(Stored::<Account>::from_json(&json.replace("\"a1\"", "\"a/1\"")).is_err());
    }
}
