//! Time, as the host gives it.
//!
//! varco never reads a clock. Every operation that depends on time takes a
//! [`Timestamp`] from the host: milliseconds since the Unix epoch (UTC). Tests
//! pass whatever instant they need; hosts pass their clock's reading.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A point in time: milliseconds since 1970-01-01T00:00:00Z.
///
/// ```
/// use std::time::Duration;
/// use varco::Timestamp;
///
/// let t = Timestamp::from_unix_seconds(1_700_000_000);
/// assert_eq!(t.as_unix_millis(), 1_700_000_000_000);
/// let later = t + Duration::from_secs(300);
/// assert_eq!(later.since(t), Duration::from_secs(300));
/// assert_eq!(t.since(later), Duration::ZERO); // never negative
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The epoch itself.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// The latest time a step accepts: 9999-12-31T23:59:59.999Z. Later
    /// readings are refused as [`Error::InvalidTime`](crate::Error::InvalidTime),
    /// so that no sum of a time and a wait (at most ten years) overflows and
    /// no lock is disabled at the end of time.
    pub const LATEST: Timestamp = Timestamp(253_402_300_799_999);

    /// From milliseconds since the epoch.
    pub const fn from_unix_millis(ms: u64) -> Self {
        Timestamp(ms)
    }

    /// From whole seconds since the epoch (saturating).
    pub const fn from_unix_seconds(s: u64) -> Self {
        Timestamp(s.saturating_mul(1000))
    }

    /// Milliseconds since the epoch.
    pub const fn as_unix_millis(self) -> u64 {
        self.0
    }

    /// Whole seconds since the epoch (rounded down).
    pub const fn as_unix_seconds(self) -> u64 {
        self.0 / 1000
    }

    /// The time elapsed since `earlier`, or zero if `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl std::ops::Add<Duration> for Timestamp {
    type Output = Timestamp;

    /// Adds a duration, saturating at the end of time.
    fn add(self, d: Duration) -> Timestamp {
        Timestamp(
            self.0
                .saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        )
    }
}

impl std::ops::Sub<Duration> for Timestamp {
    type Output = Timestamp;

    /// Subtracts a duration, saturating at the epoch.
    fn sub(self, d: Duration) -> Timestamp {
        Timestamp(
            self.0
                .saturating_sub(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        )
    }
}

/// A [`Duration`] in configuration JSON: whole milliseconds, under a name
/// ending in `_ms` (`"ttl_ms": 300000`), the same unit as every time varco
/// takes.
pub(crate) mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}
