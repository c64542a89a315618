//! One-time codes (FLOWS F3, F4): codes delivered by SMS or email, and codes
//! from authenticator apps: HOTP (RFC 4226),
//! TOTP (RFC 6238), their shared secrets, otpauth:// URIs, and one-time
//! recovery codes.
//!
//! Every verification checks the whole window with the HMAC keyed once,
//! compares in constant time, and returns the credential to store: a code
//! that was accepted once is never accepted again.
//!
//! ```
//! use varco::otp::{OtpOutcome, OtpSecret, TotpConfig, TotpCredential};
//! use varco::Timestamp;
//!
//! // Enrolment: a fresh secret, shown to the user as a QR code of this URI.
//! let secret = OtpSecret::generate(&mut rand::rng());
//! let cred = TotpCredential::new(secret, TotpConfig::default());
//! let now = Timestamp::from_unix_seconds(1_800_000_000);
//!
//! // Login: the user types what the app shows.
//! let typed = cred.code_at(now).unwrap();
//! let (outcome, cred) = cred.verify(&typed, now);
//! assert_eq!(outcome, OtpOutcome::Accepted { drift: 0 });
//! // Store `cred` (it remembers the step), then the same code is refused.
//! assert_eq!(cred.verify(&typed, now).0, OtpOutcome::Replayed);
//! ```

mod algorithm;
mod delivery;
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
pub use hotp::{HotpCredential, OtpOutcome};
pub use recovery::{NewRecoveryCodes, RecoveryCodeSet, RecoveryOutcome};
pub use secret::OtpSecret;
pub use template::Templates;
pub use totp::{TotpConfig, TotpCredential};
pub use uri::{MAX_URI_LEN, OtpKind, OtpUri};
