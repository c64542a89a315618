//! A registration that replaces an earlier one (FLOWS F7): the earlier
//! account is ceased only when its owner confirms, or when the delay they
//! were told of passes; a recycled number plus a computable codice fiscale
//! must not cease someone else's account. The new account waits, pending
//! activation, and the cease and its activation commit together. The owner
//! answers from the link emailed to them ([`super::owner_link`]); the
//! command checks its token before this runs.

use super::command::CeaseDecision;
use super::engine::{FlowEngine, Work};
use super::records::{FlowWrite, Records};
use super::step::{FlowOutcome, FlowStep, Then};
use crate::account::{Account, AccountState, LifecycleEvent, account_key};
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::otp::Channel;
use crate::record::Stored;
use crate::step::Write;
use crate::{Error, Timestamp};

impl FlowEngine {
    /// Resolves `old`'s pending cease: confirmed (or due), `old` ceases and
    /// the new account activates, in one commit, each a compare-and-swap;
    /// refused, `old` stays and the new account ceases (its registrant is
    /// told by email).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when no cease is pending, when `due` comes
    /// before its time, or when the new account is gone or no longer
    /// pending; a lifecycle error for a transition the state refuses.
    pub(crate) fn resolve_cease(
        &self,
        old: &Stored<Account>,
        decision: CeaseDecision,
        records: &Records,
        now: Timestamp,
    ) -> Result<FlowStep, Error> {
        let o = old.body();
        let pending = o
            .cease_pending()
            .ok_or_else(|| Error::InvalidInput(format!("no cease is pending on {:?}", o.id())))?
            .clone();
        if decision == CeaseDecision::Due && now < pending.due {
            return Err(Error::InvalidInput(format!(
                "the cease of {:?} is not due yet",
                o.id()
            )));
        }
        let new_key = account_key(&pending.by);
        let missing = Self::missing(records, std::slice::from_ref(&new_key));
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        let new = Self::account_of(records, &pending.by)?
            .filter(|n| *n.body().lifecycle().state() == AccountState::PendingActivation)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "the replacing account {:?} is no longer pending",
                    pending.by
                ))
            })?;
        // The ceased account leaves its hints, so that a reset by its
        // codice fiscale finds the one that stays.
        let ceased = match decision {
            CeaseDecision::Confirm | CeaseDecision::Due => o,
            CeaseDecision::Refuse => new.body(),
        };
        let hints = ceased.hint_keys();
        let missing = Self::missing(records, &hints);
        if !missing.is_empty() {
            return Ok(Self::load(missing));
        }
        let mut work = Work::new();
        Self::hint_writes(records, &hints, ceased.id(), false, &mut work, now)?;
        let cleared = o.without_cease_pending();
        let (old_next, new_next) = match decision {
            CeaseDecision::Confirm | CeaseDecision::Due => {
                let reason = format!("replaced by the registration of {}", pending.by);
                let (old_next, fx) = cleared.transition(&LifecycleEvent::Cease { reason }, now)?;
                work.effects.extend(fx);
                let (new_next, fx) = new.body().transition(&LifecycleEvent::Activate, now)?;
                work.effects.extend(fx);
                work.effects.push(Effect::RevokeSessions {
                    account: o.id().to_owned(),
                    except_device: None,
                });
                (old_next, new_next)
            }
            CeaseDecision::Refuse => {
                let reason = format!("refused by the owner of {}", o.id());
                let (new_next, fx) = new
                    .body()
                    .transition(&LifecycleEvent::Cease { reason }, now)?;
                work.effects.extend(fx);
                if let Some(to) = new.body().email() {
                    work.effects.push(Effect::NotifyAddress {
                        channel: Channel::Email,
                        to: to.to_owned(),
                        event: "registration_refused".into(),
                    });
                }
                (cleared, new_next)
            }
        };
        let decided = match decision {
            CeaseDecision::Confirm => "confirm",
            CeaseDecision::Refuse => "refuse",
            CeaseDecision::Due => "due",
        };
        work.effects.push(Effect::Audit(
            AuditEvent::new(now, AuditKind::FlowStep, o.id())
                .detail("step", "cease_resolved")
                .detail("decision", decided)
                .detail("by_account", &pending.by),
        ));
        let state = old_next.lifecycle().state().clone();
        work.commit.grant(FlowWrite::put(
            &account_key(o.id()),
            &Write::replacing(old, old.next(old_next, now)?),
        ));
        work.commit.grant(FlowWrite::put(
            &new_key,
            &Write::replacing(&new, new.next(new_next, now)?),
        ));
        Ok(FlowStep {
            outcome: FlowOutcome::Applied { state },
            view: None,
            writes: work.commit.into_writes(),
            effects: work.effects,
            then: Then::Respond,
        })
    }
}
