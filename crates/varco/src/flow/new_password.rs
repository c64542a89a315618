//! A new password, as every flow that sets one vets it (a required change
//! at sign-in, a reset, a password change): the engine's policy with the
//! account's identifiers as context, the two copies equal, not the current
//! password, not one of the last ones the policy's history rule names.

use subtle::ConstantTimeEq;

use super::engine::{FlowEngine, Work};
use super::records::Records;
use super::state::Flow;
use super::step::{FlowOutcome, FlowStep, Rejection};
use super::view::ViewError;
use crate::Error;
use crate::Timestamp;
use crate::account::{Account, IdentifierKind};
use crate::effect::Effect;
use crate::guard::AccountGuard;
use crate::policy::{Context, Rule};
use crate::record::Stored;

/// What the current password is known as: its text (a password change,
/// where the user just typed it) or only its hash (a reset).
pub(crate) enum Current<'a> {
    Text(&'a str),
    Hash,
}

impl FlowEngine {
    /// How many earlier hashes an account keeps: the policy's history rule
    /// (none without one).
    pub(crate) fn history_keep(&self) -> usize {
        self.config
            .password_policy
            .rules()
            .iter()
            .map(|r| match r {
                Rule::History { last } => *last,
                _ => 0,
            })
            .max()
            .unwrap_or(0)
            .min(Account::MAX_HISTORY)
    }

    /// A new password typed twice on a screen past every factor (a reset's,
    /// a required change's): the account and its budget record, with the
    /// new hash, when it is accepted; otherwise the step that answers
    /// instead (its refusal, a load, the flow ended by an account that
    /// changed).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a copy over the hasher's bound.
    #[allow(clippy::type_complexity)]
    pub(crate) fn accepted_new_password<R: rand_core::CryptoRng + ?Sized>(
        &self,
        flow: &Stored<Flow>,
        password: &str,
        confirmation: &str,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Result<(Stored<Account>, Stored<AccountGuard>, String), FlowStep>, Error> {
        let max = crate::hash::PasswordHasher::DEFAULT_MAX_PASSWORD_BYTES;
        if password.len() > max || confirmation.len() > max {
            return Err(Error::InvalidInput(format!(
                "a password is at most {max} bytes"
            )));
        }
        let (account, guard) = match self.action_context(flow, records, &[], now)? {
            Ok(c) => c,
            Err(step) => return Ok(Err(step)),
        };
        let violations =
            self.vet_new_password(account.body(), password, confirmation, Current::Hash)?;
        if !violations.is_empty() {
            let next = flow.body().clone();
            let refused =
                self.password_refused(flow, next, violations, "new_password", Work::new(), now)?;
            return Ok(Err(refused));
        }
        let phc = self.hasher.hash(password, rng)?;
        Ok(Ok((account, guard, phc)))
    }

    /// A new password refused: the same screen with its violations; the
    /// flow is the only write (with `work`'s, if any).
    pub(crate) fn password_refused(
        &self,
        flow: &Stored<Flow>,
        mut next: Flow,
        violations: Vec<String>,
        step: &str,
        mut work: Work,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        self.moved(&mut next);
        next.error = Some(ViewError::PasswordRejected);
        work.effects.push(Effect::Audit(
            self.audit(&next, now, step)
                .detail("reason", "policy")
                .detail("violations", violations.join(",")),
        ));
        next.violations = violations;
        let reason = Rejection::PasswordRejected;
        self.respond(flow, next, FlowOutcome::Rejected { reason }, work, now)
    }

    /// The violation codes of `password` for `a` (empty: accepted). Costs
    /// one Argon2 run per earlier hash the policy looks at, and one more
    /// for [`Current::Hash`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a copy over the hasher's bound.
    pub(crate) fn vet_new_password(
        &self,
        a: &Account,
        password: &str,
        confirmation: &str,
        current: Current<'_>,
    ) -> Result<Vec<String>, Error> {
        let max = crate::hash::PasswordHasher::DEFAULT_MAX_PASSWORD_BYTES;
        if password.len() > max || confirmation.len() > max {
            return Err(Error::InvalidInput(format!(
                "a password is at most {max} bytes"
            )));
        }
        let key_of = |kind: IdentifierKind| {
            a.identifiers()
                .iter()
                .find(|i| i.kind == kind)
                .map(|i| i.key.as_str())
        };
        let keep = self.history_keep();
        let history = &a.password_history()[..keep.min(a.password_history().len())];
        let mut ctx = Context::new()
            .confirmation(confirmation)
            .second_factor(!self.methods_of(a).is_empty())
            .history(&self.hasher, history);
        if let Current::Text(c) = current {
            ctx = ctx.current(c);
        }
        if let Some(u) = key_of(IdentifierKind::Username) {
            ctx = ctx.username(u);
        }
        if let Some(e) = key_of(IdentifierKind::Email).or(a.email()) {
            ctx = ctx.email(e);
        }
        let report = self.config.password_policy.check(password, &ctx);
        let mut violations: Vec<String> = report
            .violations()
            .iter()
            .map(|v| v.code().to_owned())
            .collect();
        let add = |violations: &mut Vec<String>, code: &str| {
            if !violations.iter().any(|v| v == code) {
                violations.push(code.to_owned());
            }
        };
        // Two copies that differ are refused whatever the policy's rules.
        if !bool::from(password.as_bytes().ct_eq(confirmation.as_bytes())) {
            add(&mut violations, "confirmation_mismatch");
        }
        // Never the current password, whatever the policy's rules (its
        // hash is checked only for a password the rules above accept: a
        // refusal costs no Argon2 run).
        let same = match (current, a.password_hash()) {
            (Current::Hash, _) if !violations.is_empty() => false,
            (Current::Text(c), _) => bool::from(password.as_bytes().ct_eq(c.as_bytes())),
            (Current::Hash, Some(phc)) => self
                .hasher
                .verify(password, phc)
                .is_ok_and(|v| v.is_valid()),
            (Current::Hash, None) => false,
        };
        if same {
            add(&mut violations, "same_as_current");
        }
        Ok(violations)
    }
}
