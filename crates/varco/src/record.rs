//! The record envelope: what every persisted record carries, and its one
//! load and save.
//!
//! Everything varco asks a host to store (an account's attempt budgets, a
//! destination's send budget, a source's failure counter, a delivery
//! challenge, a lifecycle, a sealed authenticator, a recovery-code set) is a
//! [`Stored<T>`]: a body `T` inside one envelope,
//!
//! ```json
//! {"kind":"account_guard","version":1,"revision":3,"last_seen":1800000000000,"body":{…}}
//! ```
//!
//! - `kind` names the record, so a challenge is never loaded as a guard;
//! - `version` is the body's format (a newer one is
//!   [`Error::UnsupportedVersion`], never a guess);
//! - `revision` is bumped by every change: a host stores a step's write
//!   with compare-and-swap on the revision it replaces ([`Expect`]);
//! - `last_seen` is the latest `now` that touched the record: time never
//!   goes back for it, so a clock set back cannot revive a code or shorten a
//!   lock;
//! - `expires_at`, for records that expire (challenges), so a store can
//!   purge them.
//!
//! Loading checks the size first ([`Record::MAX_BYTES`]), then the kind, the
//! version and every field (unknown fields are refused at every depth), then
//! the body's own rules ([`Record::validate`]).
//!
//! ## Time
//! A step refuses, as [`Error::InvalidTime`], a `now` past
//! [`Timestamp::LATEST`] or more than [`MAX_CLOCK_BEHIND`] earlier than what
//! the record has already seen: such a clock is broken (an RTC reset to
//! 1970, a typo in a test), and storing its reading would poison the record.
//! Within that year, a step works at the record's `last_seen` (never going
//! back), and a record that expires ends as soon as `now` is more than
//! [`CLOCK_SKEW`] behind its `last_seen`: a code issued while the clock had
//! jumped ahead does not stay valid until real time catches up.
//!
//! ```
//! use varco::record::{Expect, Stored};
//! use varco::guard::AccountGuard;
//! use varco::Timestamp;
//!
//! let now = Timestamp::from_unix_seconds(1_800_000_000);
//! let guard = Stored::new(AccountGuard::new());
//! assert_eq!(guard.expect(), Expect::Absent); // never stored: "must not exist"
//! let stored = guard.trust_device("phone-1", now).unwrap().writes.unwrap().record;
//! let json = stored.to_json();
//! let loaded = Stored::<AccountGuard>::from_json(&json).unwrap();
//! assert_eq!((loaded.revision(), loaded.expect()), (1, Expect::Revision { revision: 1 }));
//! // A failure counter's loader refuses a guard.
//! assert_eq!(
//!     Stored::<varco::guard::FailureCounter>::from_json(&json).unwrap_err().code(),
//!     "wrong_record_kind"
//! );
//! ```

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Error, Timestamp};

/// How far a `now` may lag behind a record's `last_seen` before it is
/// refused as a broken clock: one year (366 days).
pub const MAX_CLOCK_BEHIND: Duration = Duration::from_secs(366 * 24 * 3600);

/// How far a `now` may lag behind a record's `last_seen` before the record,
/// if it expires, is treated as ended: two minutes, the skew of two servers'
/// clocks that NTP keeps in step.
pub const CLOCK_SKEW: Duration = Duration::from_secs(120);

/// The largest revision: 2^63 - 1, so that it fits a signed 64-bit column
/// (PostgreSQL's `bigint`, SQLite's `INTEGER`) and a Kotlin `Long`.
pub const MAX_REVISION: u64 = i64::MAX as u64;

/// A body that varco persists inside a [`Stored`] envelope.
pub trait Record: Serialize + DeserializeOwned + Clone {
    /// The stable kind name written in the envelope (`account_guard`, ...).
    const KIND: &'static str;
    /// The format version this build writes (and the newest it reads).
    const VERSION: u32;
    /// The largest stored form accepted, in bytes, checked before parsing.
    const MAX_BYTES: usize = 16 * 1024;

    /// Checks a loaded body against its own rules (settings in range, sizes
    /// bounded).
    ///
    /// # Errors
    /// [`Error::Deserialize`] or a more specific error for a body that
    /// parses but breaks a rule.
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }

    /// When the record ends by itself, if it does (a store may purge it
    /// then).
    fn expires_at(&self) -> Option<Timestamp> {
        None
    }
}

/// What the store must find when it writes a record: compare-and-swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "expect", rename_all = "snake_case")]
pub enum Expect {
    /// No record yet: the write is "insert, must not exist".
    Absent,
    /// The record at this revision: the write is "update where revision = r".
    Revision {
        /// The revision the write replaces.
        revision: u64,
    },
}

/// A record: its body and its envelope (kind, version, revision,
/// `last_seen`, `expires_at`). See the [module](self) docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored<T> {
    revision: u64,
    last_seen: Timestamp,
    body: T,
}

#[derive(Serialize)]
struct EnvelopeOut<'a, T> {
    kind: &'a str,
    version: u32,
    revision: u64,
    last_seen: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<Timestamp>,
    body: &'a T,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeIn<'a, T> {
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
    version: u32,
    revision: u64,
    last_seen: Timestamp,
    #[serde(default)]
    #[allow(dead_code)]
    expires_at: Option<Timestamp>,
    body: T,
}

#[derive(Deserialize)]
struct KindOnly<'a> {
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
    version: u32,
}

impl<T: Record> Stored<T> {
    /// A record that has never been stored (revision 0; its first write is
    /// "must not exist").
    pub fn new(body: T) -> Self {
        Stored {
            revision: 0,
            last_seen: Timestamp::EPOCH,
            body,
        }
    }

    /// Bumped by every change; 0 for a record never stored.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The latest time that touched the record.
    pub fn last_seen(&self) -> Timestamp {
        self.last_seen
    }

    /// When the record ends by itself, if it does.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.body.expires_at()
    }

    /// The body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// What a write of this record must find in the store: nothing for a
    /// record never stored, else its revision.
    pub fn expect(&self) -> Expect {
        match self.revision {
            0 => Expect::Absent,
            revision => Expect::Revision { revision },
        }
    }

    /// The time a step on this record works at: `now`, or `last_seen` if
    /// `now` is earlier (a clock set back never moves the record back).
    ///
    /// # Errors
    /// [`Error::InvalidTime`] for a `now` past [`Timestamp::LATEST`] or more
    /// than [`MAX_CLOCK_BEHIND`] behind `last_seen`.
    pub fn effective_time(&self, now: Timestamp) -> Result<Timestamp, Error> {
        if now > Timestamp::LATEST {
            return Err(Error::InvalidTime(format!(
                "{} ms is past the year 9999",
                now.as_unix_millis()
            )));
        }
        if now + MAX_CLOCK_BEHIND < self.last_seen {
            return Err(Error::InvalidTime(format!(
                "{} ms is more than a year before this record's last use ({} ms)",
                now.as_unix_millis(),
                self.last_seen.as_unix_millis()
            )));
        }
        Ok(self.last_seen.max(now))
    }

    /// Whether `now` is more than [`CLOCK_SKEW`] behind what the record has
    /// seen: a record that expires treats itself as ended then.
    pub fn clock_went_back(&self, now: Timestamp) -> bool {
        now + CLOCK_SKEW < self.last_seen
    }

    /// The next version of the record: `body`, one revision up, seen at
    /// `now` (never earlier than before). Only a step calls this, with a time
    /// [`effective_time`](Self::effective_time) accepted.
    ///
    /// # Errors
    /// [`Error::InvalidTime`] as for `effective_time`; [`Error::Deserialize`]
    /// if the revision is at its maximum, [`MAX_REVISION`] (a record that
    /// changed 2^63 times was forged).
    pub fn next(&self, body: T, now: Timestamp) -> Result<Stored<T>, Error> {
        let last_seen = self.effective_time(now)?;
        self.next_at(body, last_seen)
    }

    /// [`next`](Self::next) at a time [`effective_time`](Self::effective_time)
    /// already gave (a step checks its time once).
    #[inline]
    pub(crate) fn next_at(&self, body: T, last_seen: Timestamp) -> Result<Stored<T>, Error> {
        let revision = self
            .revision
            .checked_add(1)
            .filter(|r| *r <= MAX_REVISION)
            .ok_or_else(|| Error::Deserialize("revision at its maximum".into()))?;
        Ok(Stored {
            revision,
            last_seen,
            body,
        })
    }

    /// Loads a stored record: size, kind, version, fields and body rules
    /// checked, in that order.
    ///
    /// # Errors
    /// [`Error::Deserialize`] for an oversized, malformed or invalid record
    /// (or revision 0, which is never stored), [`Error::WrongRecordKind`]
    /// for another kind of record, [`Error::UnsupportedVersion`] for a
    /// version this build does not read.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        if json.len() > T::MAX_BYTES {
            return Err(Error::Deserialize(format!(
                "{}: {} bytes, at most {}",
                T::KIND,
                json.len(),
                T::MAX_BYTES
            )));
        }
        // One pass over the text. A record of another kind or version may
        // have another layout: when it does not parse, look again for its
        // kind and version only, and report those rather than the layout.
        let envelope: EnvelopeIn<'_, T> = match serde_json::from_str(json) {
            Ok(e) => e,
            Err(e) => {
                if let Ok(peek) = serde_json::from_str::<KindOnly<'_>>(json) {
                    check_kind_and_version::<T>(&peek.kind, peek.version)?;
                }
                return Err(Error::Deserialize(format!("{}: {e}", T::KIND)));
            }
        };
        check_kind_and_version::<T>(&envelope.kind, envelope.version)?;
        if envelope.revision == 0 || envelope.revision > MAX_REVISION {
            return Err(Error::Deserialize(format!(
                "{}: revision 0 is never stored, and none exceeds 2^63 - 1",
                T::KIND
            )));
        }
        if envelope.last_seen > Timestamp::LATEST {
            return Err(Error::Deserialize(format!(
                "{}: last_seen past the year 9999",
                T::KIND
            )));
        }
        let body = envelope.body;
        body.validate()?;
        Ok(Stored {
            revision: envelope.revision,
            last_seen: envelope.last_seen,
            body,
        })
    }

    /// The next version of the record with this body, to change in place
    /// (see [`next`](Self::next)).
    pub(crate) fn body_mut(&mut self) -> &mut T {
        &mut self.body
    }

    /// The stored form (JSON), envelope and body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&EnvelopeOut {
            kind: T::KIND,
            version: T::VERSION,
            revision: self.revision,
            last_seen: self.last_seen,
            expires_at: self.body.expires_at(),
            body: &self.body,
        })
        .unwrap_or_default()
    }

    /// Loads a stored record, or starts a new one when the host has none.
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json).
    pub fn load_or(json: Option<&str>, new: impl FnOnce() -> T) -> Result<Self, Error> {
        match json {
            Some(j) => Self::from_json(j),
            None => Ok(Self::new(new())),
        }
    }
}

fn check_kind_and_version<T: Record>(kind: &str, version: u32) -> Result<(), Error> {
    if kind != T::KIND {
        return Err(Error::WrongRecordKind {
            expected: T::KIND,
            found: kind.chars().take(64).collect(),
        });
    }
    crate::error::check_format_version(version, T::VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Note {
        text: String,
        inner: Inner,
    }
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        n: u32,
    }
    impl Record for Note {
        const KIND: &'static str = "note";
        const VERSION: u32 = 2;
        const MAX_BYTES: usize = 256;
        fn validate(&self) -> Result<(), Error> {
            if self.inner.n > 10 {
                return Err(Error::Deserialize("n > 10".into()));
            }
            Ok(())
        }
    }

    fn note(n: u32) -> Note {
        Note {
            text: "hi".into(),
            inner: Inner { n },
        }
    }

    fn t(s: u64) -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000 + s)
    }

    #[test]
    fn save_then_load_gives_the_same_record() {
        let r = Stored::new(note(1)).next(note(2), t(0)).unwrap();
        let back = Stored::<Note>::from_json(&r.to_json()).unwrap();
        assert_eq!(back, r);
        assert_eq!((back.revision(), back.last_seen()), (1, t(0)));
        assert_eq!(back.expect(), Expect::Revision { revision: 1 });
    }

    #[test]
    fn every_malformed_envelope_is_a_clear_error() {
        let good = Stored::new(note(1)).next(note(1), t(0)).unwrap().to_json();
        let cases = [
            (good.replace("\"note\"", "\"other\""), "wrong_record_kind"),
            (
                good.replace("\"version\":2", "\"version\":3"),
                "unsupported_version",
            ),
            (
                good.replace("\"version\":2", "\"version\":0"),
                "unsupported_version",
            ),
            (
                good.replace("\"revision\":1", "\"revision\":0"),
                "deserialize",
            ),
            // Unknown fields are refused in the envelope and at every depth.
            (
                good.replace("\"body\"", "\"extra\":1,\"body\""),
                "deserialize",
            ),
            (good.replace("\"n\":1", "\"n\":1,\"m\":2"), "deserialize"),
            (good.replace("\"n\":1", "\"n\":11"), "deserialize"),
            ("x".repeat(257), "deserialize"),
            (String::new(), "deserialize"),
            ("[]".into(), "deserialize"),
        ];
        for (json, code) in cases {
            let err = Stored::<Note>::from_json(&json).unwrap_err();
            assert_eq!(err.code(), code, "{json}");
        }
        // A newer record with another layout is still "unsupported version".
        let newer = r#"{"kind":"note","version":9,"layout":"new"}"#;
        assert_eq!(
            Stored::<Note>::from_json(newer).unwrap_err().code(),
            "unsupported_version"
        );
    }

    #[test]
    fn time_never_goes_back_and_a_broken_clock_is_refused() {
        let r = Stored::new(note(1)).next(note(1), t(100)).unwrap();
        // Earlier: the record stays at its last_seen.
        assert_eq!(r.effective_time(t(50)).unwrap(), t(100));
        let next = r.next(note(1), t(50)).unwrap();
        assert_eq!(next.last_seen(), t(100));
        assert!(!r.clock_went_back(t(100) - CLOCK_SKEW));
        assert!(r.clock_went_back(t(99) - CLOCK_SKEW));
        // More than a year back, or past the year 9999: refused.
        let year_back = t(100) - MAX_CLOCK_BEHIND - Duration::from_millis(1);
        assert_eq!(
            r.effective_time(year_back).unwrap_err().code(),
            "invalid_time"
        );
        let end = Timestamp::from_unix_millis(u64::MAX);
        assert_eq!(r.next(note(1), end).unwrap_err().code(), "invalid_time");
        assert!(r.effective_time(Timestamp::LATEST).is_ok());
    }

    #[test]
    fn a_revision_at_its_maximum_is_refused_not_wrapped() {
        let json = Stored::new(note(1))
            .next(note(1), t(0))
            .unwrap()
            .to_json()
            .replace("\"revision\":1", &format!("\"revision\":{MAX_REVISION}"));
        let r = Stored::<Note>::from_json(&json).unwrap();
        assert!(r.next(note(1), t(1)).is_err());
        let over = json.replace(&MAX_REVISION.to_string(), &(MAX_REVISION + 1).to_string());
        assert!(Stored::<Note>::from_json(&over).is_err());
    }
}
