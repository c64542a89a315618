//! `varco totp` and `varco hotp`: authenticator codes (RFC 6238, RFC 4226).

use crate::support::{Fail, bad_input, now, read_password};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use varco::otp::{
    HotpCredential, OtpKind, OtpOutcome, OtpSecret, OtpUri, TotpConfig, TotpCredential,
};

#[derive(Args)]
pub(crate) struct TotpArgs {
    /// HMAC algorithm: sha1 (default), sha256, sha512.
    #[arg(long, default_value = "sha1")]
    algorithm: String,
    /// Digits per code (6 to 8).
    #[arg(long, default_value_t = 6)]
    digits: u8,
    /// Seconds per step.
    #[arg(long, default_value_t = 30)]
    period: u64,
    /// The Unix time steps are counted from (T0; default 0).
    #[arg(long)]
    t0: Option<u64>,
    /// Steps accepted behind the current one (default 1, at most 10).
    #[arg(long)]
    behind: Option<u8>,
    /// Steps accepted ahead of the current one (default 1, at most 10).
    #[arg(long)]
    ahead: Option<u8>,
    /// Unix time to use instead of the clock.
    #[arg(long)]
    pub(crate) time: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Subcommand)]
pub(crate) enum TotpCommand {
    /// Make a new 160-bit secret and print it with its otpauth:// URI.
    New {
        /// The service name shown in the app.
        #[arg(long)]
        issuer: String,
        /// The account name shown in the app.
        #[arg(long)]
        account: String,
        #[command(flatten)]
        totp: TotpArgs,
    },
    /// Print the current code for the secret on stdin.
    Generate {
        #[command(flatten)]
        totp: TotpArgs,
    },
    /// Enrol an authenticator into a sealed record file (which must not
    /// exist): prints the secret and its otpauth:// URI once.
    Enroll {
        #[command(flatten)]
        record: crate::otp_record::RecordArgs,
        /// The service name shown in the app.
        #[arg(long)]
        issuer: String,
        /// The account name shown in the app.
        #[arg(long)]
        account: String,
        #[command(flatten)]
        totp: TotpArgs,
    },
    /// Check the code on stdin against a sealed record file, updating it
    /// (replays refused, the window and T0 as enrolled); exit 0 if
    /// accepted, 1 if not.
    Check {
        #[command(flatten)]
        record: crate::otp_record::RecordArgs,
        /// Unix time to use instead of the clock.
        #[arg(long)]
        time: Option<u64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a code (within the window, ±1 step by default); exit 0 if
    /// accepted, 1 if not.
    Verify {
        /// The code to check.
        code: String,
        /// The last time step already accepted (replays of it or earlier are refused).
        #[arg(long)]
        last_step: Option<u64>,
        #[command(flatten)]
        totp: TotpArgs,
    },
    /// Print the otpauth:// URI for the secret on stdin, or with --parse read
    /// a URI from stdin and print what it holds (never the secret).
    Uri {
        /// The service name.
        #[arg(long, required_unless_present = "parse")]
        issuer: Option<String>,
        /// The account name.
        #[arg(long, required_unless_present = "parse")]
        account: Option<String>,
        /// Read a URI instead.
        #[arg(long)]
        parse: bool,
        #[command(flatten)]
        totp: TotpArgs,
    },
}

#[derive(Subcommand)]
pub(crate) enum HotpCommand {
    /// Print the code for a counter.
    Generate {
        /// The counter.
        #[arg(long)]
        counter: u64,
        /// Digits per code (6 to 8).
        #[arg(long, default_value_t = 6)]
        digits: u8,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a code against counters counter..=counter+look-ahead; prints the
    /// next counter to store. Exit 0 if accepted, 1 if not.
    Verify {
        /// The code to check.
        code: String,
        /// The next counter expected.
        #[arg(long)]
        counter: u64,
        /// How many counters ahead to accept.
        #[arg(long, default_value_t = 10)]
        look_ahead: u32,
        /// Digits per code (6 to 8).
        #[arg(long, default_value_t = 6)]
        digits: u8,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn read_secret() -> Result<OtpSecret, Fail> {
    let line = read_password()?;
    Ok(OtpSecret::from_base32(line.trim())?)
}

/// The configuration these options give; what they leave out is the core's
/// default.
pub(crate) fn totp_config(a: &TotpArgs) -> Result<TotpConfig, Fail> {
    let d = TotpConfig::default();
    Ok(TotpConfig::new(
        a.algorithm.parse()?,
        a.digits,
        a.period,
        a.t0.unwrap_or(d.t0_secs()),
        a.behind.unwrap_or(d.behind()),
        a.ahead.unwrap_or(d.ahead()),
    )?)
}

/// The outcome's fields (`outcome`, and `drift` when accepted) plus extras,
/// in one flat object.
pub(crate) fn outcome_json(outcome: OtpOutcome, extra: &[(&str, Value)]) -> Value {
    let mut v = serde_json::to_value(outcome).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        for (k, x) in extra {
            m.insert((*k).to_owned(), x.clone());
        }
    }
    v
}

pub(crate) fn totp(c: TotpCommand) -> Result<u8, Fail> {
    match c {
        TotpCommand::Enroll {
            record,
            issuer,
            account,
            totp,
        } => crate::otp_record::enroll(&record, &issuer, &account, &totp),
        TotpCommand::Check { record, time, json } => {
            crate::otp_record::check(&record, now(time), json)
        }
        TotpCommand::New {
            issuer,
            account,
            totp,
        } => {
            let cred =
                TotpCredential::new(OtpSecret::generate(&mut rand::rng()), totp_config(&totp)?);
            let uri = OtpUri::totp(&issuer, &account, &cred)?;
            let secret = cred.secret().to_base32();
            if totp.json {
                outln!("{}", json!({"secret": *secret, "uri": *uri.to_uri()}));
            } else {
                outln!("secret: {}\nuri: {}", *secret, *uri.to_uri());
            }
            Ok(0)
        }
        TotpCommand::Generate { totp } => {
            let cred = TotpCredential::new(read_secret()?, totp_config(&totp)?);
            let t = now(totp.time);
            let code = cred
                .code_at(t)
                .ok_or_else(|| bad_input("time is before T0"))?;
            if totp.json {
                let step = cred.config().step_at(t);
                outln!("{}", json!({"code": *code, "step": step}));
            } else {
                outln!("{}", *code);
            }
            Ok(0)
        }
        TotpCommand::Verify {
            code,
            last_step,
            totp,
        } => {
            let mut cred = TotpCredential::new(read_secret()?, totp_config(&totp)?);
            if let Some(step) = last_step {
                cred = cred.with_last_step(step);
            }
            let (outcome, step) = cred.check(&code, now(totp.time));
            let last_step = step.or(cred.last_step());
            if totp.json {
                outln!(
                    "{}",
                    outcome_json(outcome, &[("last_step", json!(last_step))])
                );
            } else {
                outln!(
                    "{}",
                    serde_json::to_value(outcome)
                        .ok()
                        .and_then(|v| v["outcome"].as_str().map(str::to_owned))
                        .unwrap_or_default()
                );
            }
            Ok(if matches!(outcome, OtpOutcome::Accepted { .. }) {
                0
            } else {
                1
            })
        }
        TotpCommand::Uri {
            issuer,
            account,
            parse,
            totp,
        } => {
            if parse {
                let uri = OtpUri::parse(read_password()?.trim())?;
                let (kind, algorithm, digits, period, counter) = match uri.kind() {
                    OtpKind::Totp(c) => (
                        "totp",
                        c.config().algorithm(),
                        c.config().digits(),
                        Some(c.config().period_secs()),
                        None,
                    ),
                    OtpKind::Hotp(c) => {
                        ("hotp", c.algorithm(), c.digits(), None, Some(c.counter()))
                    }
                };
                outln!(
                    "{}",
                    json!({"type": kind, "issuer": uri.issuer(), "account": uri.account(),
                    "algorithm": algorithm, "digits": digits, "period": period, "counter": counter})
                );
                return Ok(0);
            }
            let cred = TotpCredential::new(read_secret()?, totp_config(&totp)?);
            let uri = OtpUri::totp(
                issuer.as_deref().unwrap_or(""),
                account.as_deref().unwrap_or(""),
                &cred,
            )?;
            if totp.json {
                outln!("{}", json!({"uri": *uri.to_uri()}));
            } else {
                outln!("{}", *uri.to_uri());
            }
            Ok(0)
        }
    }
}

pub(crate) fn hotp(c: HotpCommand) -> Result<u8, Fail> {
    match c {
        HotpCommand::Generate {
            counter,
            digits,
            json,
        } => {
            let cred = HotpCredential::new(read_secret()?, varco::otp::Algorithm::Sha1, digits)?;
            let code = cred.code_at(counter);
            if json {
                outln!("{}", json!({"code": *code, "counter": counter}));
            } else {
                outln!("{}", *code);
            }
            Ok(0)
        }
        HotpCommand::Verify {
            code,
            counter,
            look_ahead,
            digits,
            json,
        } => {
            let cred = HotpCredential::new(read_secret()?, varco::otp::Algorithm::Sha1, digits)?
                .with_counter(counter);
            let (outcome, next) = cred.check(&code, look_ahead);
            let next_counter = next.unwrap_or(cred.counter());
            if json {
                outln!(
                    "{}",
                    outcome_json(outcome, &[("counter", json!(next_counter))])
                );
            } else {
                outln!(
                    "{} (next counter {})",
                    if matches!(outcome, OtpOutcome::Accepted { .. }) {
                        "accepted"
                    } else {
                        "rejected"
                    },
                    next_counter
                );
            }
            Ok(if matches!(outcome, OtpOutcome::Accepted { .. }) {
                0
            } else {
                1
            })
        }
    }
}
