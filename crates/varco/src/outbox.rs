//! The stored form of a step's effects, for a transactional outbox: a
//! host (or `varco-store`) writes it in the same transaction as the step's
//! records, and a sender opens it later and carries each effect out at
//! least once.
//!
//! Effects that carry a secret (an SMS or an email with a code or a link
//! token in it, [`Effect::carries_secret`]) are sealed one by one with
//! [`crate::seal`] under the label `outbox` and bound to the step's id and
//! the effect's place, so that a database dump shows no code and a sealed
//! effect cannot be moved to another row. Audit events and owner notices
//! stay readable, so an operator can query them.
//!
//! Each effect has an idempotency key, [`idempotency_key`]: the step's id
//! and the effect's index. A sender that may deliver twice (it crashed
//! after sending, before deleting the row) gives the key to its provider,
//! or checks it, so that the user sees one SMS.
//!
//! ```
//! use varco::effect::Effect;
//! use varco::outbox;
//! use varco::seal::SealingKeys;
//! use zeroize::Zeroizing;
//!
//! let keys = SealingKeys::new("s1", [7u8; 32]).unwrap();
//! let effects = vec![Effect::SendSms { to: "+393331234567".into(), text: Zeroizing::new("Codice 123456".into()) }];
//! let stored = outbox::seal_effects(&effects, "step-1", &keys, &mut rand::rng()).unwrap();
//! assert!(!stored.contains("123456"));
//! assert_eq!(outbox::open_effects(&stored, "step-1", &keys).unwrap(), effects);
//! // Moved to another row, it does not open.
//! assert!(outbox::open_effects(&stored, "step-2", &keys).is_err());
//! ```

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::effect::Effect;
use crate::seal::{self, SealingKeys};

/// The label effects are sealed under.
const LABEL: &str = "outbox";

/// At most this many effects in one step's row (a step makes a handful).
pub const MAX_EFFECTS: usize = 64;

/// At most this many bytes of stored text per row.
pub const MAX_STORED_LEN: usize = 256 * 1024;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    v: u32,
    effects: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Entry {
    Plain(Effect),
    Sealed(String),
}

/// The idempotency key of effect `index` of step `step_id`: `<step_id>/<index>`.
///
/// ```
/// assert_eq!(varco::outbox::idempotency_key("s1", 2), "s1/2");
/// ```
pub fn idempotency_key(step_id: &str, index: usize) -> String {
    format!("{step_id}/{index}")
}

/// The stored form of `effects` for the outbox row of step `step_id` (a
/// unique id the host draws per committed step).
///
/// # Errors
/// [`Error::InvalidInput`] for an empty step id or more than
/// [`MAX_EFFECTS`] effects; [`Error::Seal`] if sealing fails.
pub fn seal_effects<R: CryptoRng + ?Sized>(
    effects: &[Effect],
    step_id: &str,
    keys: &SealingKeys,
    rng: &mut R,
) -> Result<String, Error> {
    check_id(step_id)?;
    if effects.len() > MAX_EFFECTS {
        return Err(Error::InvalidInput(format!(
            "at most {MAX_EFFECTS} effects per outbox row"
        )));
    }
    let mut entries = Vec::with_capacity(effects.len());
    for (i, e) in effects.iter().enumerate() {
        entries.push(if e.carries_secret() {
            let index = i.to_string();
            Entry::Sealed(seal::seal(e, LABEL, &[step_id, &index], keys, rng)?)
        } else {
            Entry::Plain(e.clone())
        });
    }
    serde_json::to_string(&Stored {
        v: 1,
        effects: entries,
    })
    .map_err(|e| Error::Seal(e.to_string()))
}

/// The effects of a stored outbox row, in their order.
///
/// # Errors
/// [`Error::Deserialize`] for text that is not an outbox row;
/// [`Error::Seal`] for a sealed effect that does not open with `keys` for
/// this step id and place (altered, moved, or sealed under a key no longer
/// in the ring).
pub fn open_effects(stored: &str, step_id: &str, keys: &SealingKeys) -> Result<Vec<Effect>, Error> {
    check_id(step_id)?;
    if stored.len() > MAX_STORED_LEN {
        return Err(Error::Deserialize("outbox row too long".into()));
    }
    let row: Stored =
        serde_json::from_str(stored).map_err(|e| Error::Deserialize(format!("outbox row: {e}")))?;
    if row.v != 1 {
        return Err(Error::Deserialize(format!(
            "outbox row version {} is not known",
            row.v
        )));
    }
    if row.effects.len() > MAX_EFFECTS {
        return Err(Error::Deserialize("outbox row: too many effects".into()));
    }
    let mut out = Vec::with_capacity(row.effects.len());
    for (i, entry) in row.effects.into_iter().enumerate() {
        out.push(match entry {
            Entry::Plain(e) if e.carries_secret() => {
                return Err(Error::Deserialize(
                    "outbox row: a message stored unsealed".into(),
                ));
            }
            Entry::Plain(e) => e,
            Entry::Sealed(s) => {
                let index = i.to_string();
                let e: Effect = seal::open(&s, LABEL, &[step_id, &index], keys)?;
                if !e.carries_secret() {
                    return Err(Error::Deserialize(
                        "outbox row: a sealed entry that is not a message".into(),
                    ));
                }
                e
            }
        });
    }
    Ok(out)
}

/// A step's row for the outbox: a fresh step id (128 random bits, hex)
/// and the step's effects sealed under it ([`seal_effects`]). Store both
/// in the same commit as the step's writes.
#[derive(Clone, PartialEq, Eq)]
pub struct Row {
    /// The step's id: idempotency keys derive from it ([`idempotency_key`]).
    pub step_id: String,
    /// The stored form of the effects (messages sealed).
    pub effects: String,
}

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row")
            .field("step_id", &self.step_id)
            .finish_non_exhaustive()
    }
}

impl crate::flow::FlowEngine {
    /// The outbox row of a step's effects: `None` when there are none.
    ///
    /// ```
    /// # use varco::flow::*; use varco::hash::HashParams; use varco::keys::KeyRing;
    /// # let keys = EngineKeys { codes: KeyRing::new("c1", vec![1; 32]).unwrap(), sealing: KeyRing::new("s1", vec![2; 32]).unwrap(), decoy: KeyRing::new("d1", vec![3; 32]).unwrap(), peppers: None };
    /// # let engine = FlowEngine::new(EngineConfig { hash: HashParams::new(8, 1, 1).unwrap(), ..EngineConfig::default() }, keys).unwrap();
    /// use varco::effect::Effect;
    /// use zeroize::Zeroizing;
    ///
    /// let sms = vec![Effect::SendSms { to: "+39333".into(), text: Zeroizing::new("Codice 123456".into()) }];
    /// let row = engine.outbox_row(&sms, &mut rand::rng()).unwrap().unwrap();
    /// assert_eq!(row.step_id.len(), 32);
    /// assert!(!row.effects.contains("123456"));
    /// assert_eq!(engine.open_outbox(&row.effects, &row.step_id).unwrap(), sms);
    /// assert!(engine.outbox_row(&[], &mut rand::rng()).unwrap().is_none());
    /// ```
    ///
    /// # Errors
    /// As [`seal_effects`].
    pub fn outbox_row<R: CryptoRng + ?Sized>(
        &self,
        effects: &[Effect],
        rng: &mut R,
    ) -> Result<Option<Row>, Error> {
        if effects.is_empty() {
            return Ok(None);
        }
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        let step_id = data_encoding::HEXLOWER.encode(&id);
        Ok(Some(Row {
            effects: self.seal_outbox(effects, &step_id, rng)?,
            step_id,
        }))
    }

    /// [`seal_effects`] under the engine's sealing keys.
    ///
    /// # Errors
    /// As [`seal_effects`].
    pub fn seal_outbox<R: CryptoRng + ?Sized>(
        &self,
        effects: &[Effect],
        step_id: &str,
        rng: &mut R,
    ) -> Result<String, Error> {
        seal_effects(effects, step_id, &self.sealing, rng)
    }

    /// [`open_effects`] under the engine's sealing keys (the current one
    /// and the old ones it still holds).
    ///
    /// # Errors
    /// As [`open_effects`].
    pub fn open_outbox(&self, stored: &str, step_id: &str) -> Result<Vec<Effect>, Error> {
        open_effects(stored, step_id, &self.sealing)
    }
}

fn check_id(step_id: &str) -> Result<(), Error> {
    if step_id.is_empty() || step_id.len() > 128 {
        return Err(Error::InvalidInput(
            "an outbox step id is 1 to 128 bytes".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditEvent, AuditKind};
    use zeroize::Zeroizing;

    fn keys() -> SealingKeys {
        SealingKeys::new("s1", [9u8; 32]).unwrap()
    }

    fn effects() -> Vec<Effect> {
        vec![
            Effect::SendEmail {
                to: "m@example.com".into(),
                subject: "Codice".into(),
                body: Zeroizing::new("Il tuo codice: 654321".into()),
            },
            Effect::NotifyOwner {
                event: "preventive_block".into(),
                detail: "x".into(),
            },
            Effect::SendSms {
                to: "+39333".into(),
                text: Zeroizing::new("Codice 123456".into()),
            },
        ]
    }

    #[test]
    fn round_trip_seals_only_messages() {
        let stored = seal_effects(&effects(), "st", &keys(), &mut rand::rng()).unwrap();
        assert!(!stored.contains("654321") && !stored.contains("123456"));
        assert!(stored.contains("preventive_block"));
        assert_eq!(open_effects(&stored, "st", &keys()).unwrap(), effects());
    }

    #[test]
    fn an_audit_event_round_trips_in_clear() {
        let event = AuditEvent::new(crate::Timestamp::EPOCH, AuditKind::CodeAccepted, "a1")
            .detail("purpose", "login");
        let e = vec![Effect::Audit(event)];
        let stored = seal_effects(&e, "st", &keys(), &mut rand::rng()).unwrap();
        assert!(stored.contains("code_accepted"));
        assert_eq!(open_effects(&stored, "st", &keys()).unwrap(), e);
    }

    #[test]
    fn a_sealed_message_is_bound_to_its_row_and_place() {
        let stored = seal_effects(&effects(), "st", &keys(), &mut rand::rng()).unwrap();
        assert!(matches!(
            open_effects(&stored, "other", &keys()),
            Err(Error::Seal(_))
        ));
        // Swap the two sealed entries: each is bound to its index.
        let mut row: serde_json::Value = serde_json::from_str(&stored).unwrap();
        let list = row["effects"].as_array_mut().unwrap();
        list.swap(0, 2);
        let swapped = row.to_string();
        assert!(matches!(
            open_effects(&swapped, "st", &keys()),
            Err(Error::Seal(_))
        ));
        let other = SealingKeys::new("s2", [8u8; 32]).unwrap();
        assert!(open_effects(&stored, "st", &other).is_err());
    }

    #[test]
    fn a_message_in_clear_is_refused() {
        let plain = serde_json::to_string(&Stored {
            v: 1,
            effects: vec![Entry::Plain(effects().remove(2))],
        })
        .unwrap();
        assert!(matches!(
            open_effects(&plain, "st", &keys()),
            Err(Error::Deserialize(_))
        ));
    }

    #[test]
    fn malformed_rows_are_errors() {
        for bad in [
            "",
            "{}",
            "[]",
            "{\"v\":2,\"effects\":[]}",
            "{\"v\":1,\"effects\":[{\"x\":1}]}",
        ] {
            assert!(open_effects(bad, "st", &keys()).is_err(), "{bad}");
        }
        assert!(seal_effects(&effects(), "", &keys(), &mut rand::rng()).is_err());
        let many = vec![effects().remove(1); MAX_EFFECTS + 1];
        assert!(seal_effects(&many, "st", &keys(), &mut rand::rng()).is_err());
    }
}
