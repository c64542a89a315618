//! One-time codes (FLOWS F3, F4): codes delivered by SMS or email, and codes
//! from authenticator apps: HOTP (RFC 4226),
//! TOTP (RFC 6238), their shared secrets, otpauth:// URIs, and one-time
//! recovery codes.
//!
//! Every verification checks the whole window with the HMAC keyed once,
//! compares in constant time, and returns a step whose write is the
//! credential to store (sealed, bound to its record): a code that was
//! accepted once is never accepted again.
//!
//! ```
//! use varco::otp::{OtpOutcome, TotpConfig, TotpCredential};
//! use varco::seal::SealingKeys;
//! use varco::Timestamp;
//!
//! let keys = SealingKeys::new("2026-11", [7; 32]).unwrap(); // from the host's KMS
//! let now = Timestamp::from_unix_seconds(1_800_000_000);
//! // Enrolment: a fresh secret, shown to the user as a QR code of the URI.
//! let enrolled = TotpCredential::enroll("Esempio", "mario", TotpConfig::default(),
//!     "mario/totp", &keys, now, &mut rand::rng()).unwrap();
//! let stored = enrolled.writes.unwrap().record; // INSERT, must not exist
//!
//! // Login: the user types what the app shows.
//! let typed = stored.open("mario/totp", &keys).unwrap().code_at(now).unwrap();
//! let step = stored.verify("mario/totp", &keys, &typed, now, &mut rand::rng()).unwrap();
//! assert_eq!(step.outcome, OtpOutcome::Accepted { drift: 0 });
//! // Store the write (it remembers the step), then the same code is refused.
//! let stored = step.writes.unwrap().record;
//! let again = stored.verify("mario/totp", &keys, &typed, now, &mut rand::rng()).unwrap();
//! assert_eq!(again.outcome, OtpOutcome::Replayed);
//! ```

mod algorithm;
mod delivery;
mod enrollment;
mod hotp;
pub mod recovery;
mod secret;
mod template;
mod totp;
mod uri;

pub use algorithm::Algorithm;
pub use delivery::{
    Challenge, ChallengeState, Channel, CodeKeys, CodeOutcome, DeliveryConfig, DeliveryWrites,
    Destination, IssueOutcome, Purpose, ResendOutcome,
};
pub use enrollment::{Enrollment, OtpUriInfo};
pub use hotp::{HotpCredential, OtpOutcome};
pub use recovery::{NewRecoveryCodes, RecoveryCodeSet, RecoveryOutcome};
pub use secret::OtpSecret;
pub use template::Templates;
pub use totp::{TotpConfig, TotpCredential};
pub use uri::{MAX_URI_LEN, OtpKind, OtpUri};
