//! An operator's forced reset ("forzatura della password", FLOWS F6): the
//! last rung of the ladder, after the operator checked the owner's identity
//! document out of band. The operator never sees or sets the password
//! (ASVS 6.4.6): varco draws a temporary one, sends it sealed to the owner
//! (the outbox seals messages), and the account gets the change-password
//! required action, so the first sign-in sets the owner's own; it signs in
//! for `recovery.temporary_password_hours` (72 by default), then no more. The epoch
//! moves (every session, flow and code ends); failure locks lift (not an
//! operator's or a location block); the order is audited with the
//! operator, the reason and the document.

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::engine::{FlowEngine, Work, guard_key};
use super::records::{FlowWrite, Records};
use super::step::{FlowOutcome, FlowStep, Then};
use crate::account::{Account, IdentifierKind, LookupKey};
use crate::audit::{AuditEvent, AuditKind};
use crate::effect::Effect;
use crate::guard::Unlock;
use crate::record::Stored;
use crate::step::Write;
use crate::{Error, Timestamp};

/// An operator's order to force a reset.
pub(crate) struct Order<'a> {
    pub(crate) operator: &'a str,
    pub(crate) reason: &'a str,
    pub(crate) document: &'a str,
    pub(crate) to: Option<&'a str>,
}

/// The temporary password's alphabet: no look-alikes (0/O, 1/l/I).
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Its length: 16 of 56 symbols, about 93 bits.
const LENGTH: usize = 16;

impl FlowEngine {
    /// Carries out a forced reset (see the module docs).
    pub(crate) fn force_reset<R: CryptoRng + ?Sized>(
        &self,
        order: &Order<'_>,
        account: &Stored<Account>,
        records: &Records,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<FlowStep, Error> {
        if order.reason.is_empty() || order.reason.len() > 512 {
            return Err(Error::InvalidInput("a reason is 1 to 512 bytes".into()));
        }
        if order.document.is_empty() || order.document.len() > 256 {
            return Err(Error::InvalidInput(
                "a document reference is 1 to 256 bytes".into(),
            ));
        }
        let a = account.body();
        let rules = &self.config.identifiers;
        // Where the temporary password goes: the address the operator
        // gives (an email, or a mobile), else the account's email, else its
        // mobile.
        let to = match order.to {
            Some(t) if t.contains('@') => Target::Email(
                LookupKey::of(IdentifierKind::Email, t, rules)?
                    .key()
                    .to_owned(),
            ),
            Some(t) => Target::Sms(crate::validate::mobile(t, rules)?),
            None => match (a.email(), a.mobile()) {
                (Some(e), _) => Target::Email(e.to_owned()),
                (None, Some(m)) => Target::Sms(m.to_owned()),
                (None, None) => {
                    return Err(Error::InvalidInput(
                        "the account has no email or mobile: give the address to send to".into(),
                    ));
                }
            },
        };
        let temporary = draw(rng);
        let phc = self.hasher.hash(&temporary, rng)?;
        let mut work = Work::new();
        let id = a.id().to_owned();
        let guard = Self::guard_of(records, &id)?;
        let unlocked = guard.unlock(&Unlock::Recovery, now)?;
        if let Some(w) = &unlocked.writes {
            work.commit.restrict(FlowWrite::put(&guard_key(&id), w));
        }
        work.effects.extend(unlocked.effects);
        let hours = u64::from(self.config.recovery.temporary_password_hours);
        let until = now + std::time::Duration::from_secs(hours * 3600);
        let next = a.with_forced_password(phc, self.history_keep(), until);
        let written = account.next(next, now)?;
        work.commit.grant(FlowWrite::put(
            &a.record_key(),
            &Write::replacing(account, written),
        ));
        let text = |t: &str| {
            Zeroizing::new(format!(
                "{}: la password del tuo account è stata reimpostata da un operatore. \
                 Password temporanea: {t} . Accedi e scegline una nuova.",
                self.config.delivery.service
            ))
        };
        let (channel, address) = match to {
            Target::Email(e) => {
                work.effects.push(Effect::SendEmail {
                    to: e.clone(),
                    subject: format!("{}: password reimpostata", self.config.delivery.service),
                    body: text(&temporary),
                });
                ("email", e)
            }
            Target::Sms(m) => {
                work.effects.push(Effect::SendSms {
                    to: m.clone(),
                    text: text(&temporary),
                });
                ("sms", m)
            }
        };
        work.effects.push(Effect::RevokeSessions {
            account: id.clone(),
            except_device: None,
        });
        work.effects.push(Effect::NotifyOwner {
            event: "password_forced".into(),
            detail: String::new(),
        });
        work.effects.push(Effect::Audit(
            AuditEvent::new(now, AuditKind::PasswordForced, &id)
                .detail("operator", order.operator)
                .detail("reason", order.reason)
                .detail("document", order.document)
                .detail("channel", channel)
                .detail("to", address),
        ));
        Ok(FlowStep {
            outcome: FlowOutcome::Applied {
                state: a.lifecycle().state().clone(),
            },
            view: None,
            writes: work.commit.into_writes(),
            effects: work.effects,
            then: Then::Respond,
        })
    }
}

enum Target {
    Email(String),
    Sms(String),
}

/// A temporary password: [`LENGTH`] symbols of [`ALPHABET`], uniformly
/// (rejection sampling).
fn draw<R: CryptoRng + ?Sized>(rng: &mut R) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(LENGTH));
    let limit = 256 - 256 % ALPHABET.len();
    while out.len() < LENGTH {
        let mut b = [0u8; 1];
        rng.fill_bytes(&mut b);
        let x = usize::from(b[0]);
        if x < limit {
            out.push(char::from(ALPHABET[x % ALPHABET.len()]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_long_unambiguous_and_differ() {
        let rng = &mut rand::rng();
        let a = draw(rng);
        let b = draw(rng);
        assert_eq!(a.len(), LENGTH);
        assert_ne!(*a, *b);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']));
    }
}
