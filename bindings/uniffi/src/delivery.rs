//! Codes sent by SMS or email (FLOWS F3): issue, verify, send again.

use varco::guard::DestinationBudget;
use varco::otp::{Challenge, CodeKeys, DeliveryConfig, Destination, Purpose};

use crate::effect::effects;
use crate::{Effect, HostKey, VarcoError, at};

/// The outcome of issuing a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum IssueOutcome {
    /// A code was sent.
    Sent {
        /// When it stops working (Unix ms).
        expires_at: u64,
        /// When "send again" becomes possible (Unix ms).
        next_resend_at: u64,
    },
    /// Nothing was sent: the destination's daily cap is reached.
    DailyCapReached {
        /// When a send becomes possible (Unix ms).
        retry_at: u64,
    },
}

/// The outcome of entering a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CodeOutcome {
    /// Right code, in time, first use.
    Accepted,
    /// Wrong code; the user may try again.
    Wrong {
        /// Attempts left.
        attempts_left: u32,
    },
    /// The code expired: offer a new one.
    Expired,
    /// No attempts left: start over.
    Exhausted,
    /// The code was already used.
    AlreadyUsed,
    /// The code was issued for another purpose.
    WrongPurpose,
}

/// The outcome of "send again".
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ResendOutcome {
    /// A new code was sent; the old one no longer works.
    Sent {
        /// When the new code stops working (Unix ms).
        expires_at: u64,
        /// When the next resend becomes possible (Unix ms).
        next_resend_at: u64,
    },
    /// Too soon after the last send.
    TooSoon {
        /// When a resend becomes possible (Unix ms).
        retry_at: u64,
    },
    /// This challenge's resends are used up.
    LimitReached,
    /// The destination's daily cap is reached.
    DailyCapReached {
        /// When a send becomes possible (Unix ms).
        retry_at: u64,
    },
    /// The challenge is used or exhausted: start a new one.
    NotPending,
}

/// What issuing returns.
#[derive(Debug, Clone, uniffi::Record)]
pub struct IssueStep {
    /// What happened.
    pub outcome: IssueOutcome,
    /// The challenge to store (none when nothing was sent).
    pub challenge: Option<String>,
    /// The destination's budget to store (keyed by the destination).
    pub budget: String,
    /// Send the message; write the audit event.
    pub effects: Vec<Effect>,
}

/// What entering a code returns.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CodeStep {
    /// What happened.
    pub outcome: CodeOutcome,
    /// The challenge to store (compare-and-swap on its revision).
    pub challenge: String,
    /// The effects (an audit event).
    pub effects: Vec<Effect>,
}

/// What "send again" returns.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ResendStep {
    /// What happened.
    pub outcome: ResendOutcome,
    /// The challenge to store.
    pub challenge: String,
    /// The destination's budget to store, when a code was sent.
    pub budget: Option<String>,
    /// Send the message; write the audit event.
    pub effects: Vec<Effect>,
}

/// Delivery codes: a configuration and the keys of the stored code hashes.
/// Thread-safe; create one per process.
#[derive(uniffi::Object)]
pub struct Delivery {
    config: DeliveryConfig,
    keys: CodeKeys,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Delivery {{ config: {:?}, keys: {:?} }}",
            self.config, self.keys
        )
    }
}

fn budget(json: Option<String>) -> Result<DestinationBudget, VarcoError> {
    match json.as_deref() {
        None => Ok(DestinationBudget::default()),
        Some(j) => Ok(DestinationBudget::from_json(j)?),
    }
}

fn ms(t: varco::Timestamp) -> u64 {
    t.as_unix_millis()
}

#[uniffi::export]
impl Delivery {
    /// A configuration as JSON (every field optional:
    /// `{"service":"Esempio","lang":"en","digits":6}`), and the code-hash
    /// keys (the first is current; each at least 16 bytes).
    #[uniffi::constructor]
    pub fn new(config_json: String, mut keys: Vec<HostKey>) -> Result<Self, VarcoError> {
        let built = crate::keys::code_keys(&keys);
        crate::keys::wipe(&mut keys);
        Ok(Delivery {
            config: DeliveryConfig::from_json(&config_json)?,
            keys: built?,
        })
    }

    /// Sends a code for `purpose` (`login`, `registration`, `recovery`,
    /// `enrollment`, `password_change`, `activation`) by `channel` (`sms`
    /// or `email`) to `address`. `budget` is the destination's stored
    /// budget (none the first time).
    pub fn issue(
        &self,
        purpose: String,
        channel: String,
        address: String,
        budget_json: Option<String>,
        now_ms: u64,
    ) -> Result<IssueStep, VarcoError> {
        let purpose: Purpose = purpose.parse()?;
        let destination = match channel.as_str() {
            "sms" => Destination::sms(&address),
            "email" => Destination::email(&address),
            other => {
                return Err(varco::Error::InvalidOtpConfig(format!(
                    "unknown channel {other:?} (use sms or email)"
                ))
                .into());
            }
        };
        let issued = Challenge::issue(
            &self.config,
            &self.keys,
            purpose,
            destination,
            &budget(budget_json)?,
            at(now_ms),
            &mut rand::rng(),
        )?;
        Ok(IssueStep {
            outcome: match issued.outcome {
                varco::otp::IssueOutcome::Sent {
                    expires_at,
                    next_resend_at,
                } => IssueOutcome::Sent {
                    expires_at: ms(expires_at),
                    next_resend_at: ms(next_resend_at),
                },
                varco::otp::IssueOutcome::DailyCapReached { retry_at } => {
                    IssueOutcome::DailyCapReached {
                        retry_at: ms(retry_at),
                    }
                }
            },
            challenge: issued.challenge.map(|c| c.to_json()),
            budget: issued.budget.to_json(),
            effects: effects(issued.effects),
        })
    }

    /// Checks an entered code against a stored challenge.
    pub fn verify(
        &self,
        challenge_json: String,
        code: String,
        purpose: String,
        now_ms: u64,
    ) -> Result<CodeStep, VarcoError> {
        let challenge = Challenge::from_json(&challenge_json)?;
        let purpose: Purpose = purpose.parse()?;
        let code = zeroize::Zeroizing::new(code);
        let step = challenge.verify(&self.config, &self.keys, &code, purpose, at(now_ms));
        use varco::otp::CodeOutcome as C;
        Ok(CodeStep {
            outcome: match step.outcome {
                C::Accepted => CodeOutcome::Accepted,
                C::Wrong { attempts_left } => CodeOutcome::Wrong { attempts_left },
                C::Expired => CodeOutcome::Expired,
                C::Exhausted => CodeOutcome::Exhausted,
                C::AlreadyUsed => CodeOutcome::AlreadyUsed,
                C::WrongPurpose => CodeOutcome::WrongPurpose,
            },
            challenge: step.challenge.to_json(),
            effects: effects(step.effects),
        })
    }

    /// "Send again": a new code replaces the old one; attempts are kept.
    pub fn resend(
        &self,
        challenge_json: String,
        budget_json: Option<String>,
        now_ms: u64,
    ) -> Result<ResendStep, VarcoError> {
        let challenge = Challenge::from_json(&challenge_json)?;
        let step = challenge.resend(
            &self.config,
            &self.keys,
            &budget(budget_json)?,
            at(now_ms),
            &mut rand::rng(),
        );
        use varco::otp::ResendOutcome as R;
        Ok(ResendStep {
            outcome: match step.outcome {
                R::Sent {
                    expires_at,
                    next_resend_at,
                } => ResendOutcome::Sent {
                    expires_at: ms(expires_at),
                    next_resend_at: ms(next_resend_at),
                },
                R::TooSoon { retry_at } => ResendOutcome::TooSoon {
                    retry_at: ms(retry_at),
                },
                R::LimitReached => ResendOutcome::LimitReached,
                R::DailyCapReached { retry_at } => ResendOutcome::DailyCapReached {
                    retry_at: ms(retry_at),
                },
                R::NotPending => ResendOutcome::NotPending,
            },
            challenge: step.challenge.to_json(),
            budget: step.budget.map(|b| b.to_json()),
            effects: effects(step.effects),
        })
    }
}
