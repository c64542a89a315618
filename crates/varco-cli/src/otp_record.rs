//! `varco totp enroll` and `varco totp check`: authenticators in sealed
//! record files, as a host stores them.

use clap::Args;
use serde_json::json;
use varco::Timestamp;
use varco::keys::KeyRing;
use varco::otp::{OtpOutcome, TotpCredential};
use varco::record::Stored;
use varco::seal::{Sealed, SealingKeys};

use crate::otp::{TotpArgs, outcome_json, totp_config};
use crate::support::{Fail, bad_input, io_fail, lock_state, now, read_password, write_atomic};

/// Where the sealed record lives and what it is bound to.
#[derive(Args)]
pub(crate) struct RecordArgs {
    /// The sealed record file.
    #[arg(long)]
    record: std::path::PathBuf,
    /// The host's key for the record (the seal is bound to it), e.g.
    /// `mario/totp`.
    #[arg(long)]
    record_key: String,
    /// The sealing keys: one `<id> <64 hex digits>` per line, the current
    /// key first (a file, so that no key shows in the process list).
    #[arg(long)]
    keys: std::path::PathBuf,
}

type Record = Stored<Sealed<TotpCredential>>;

/// The sealing keys of a key file.
fn sealing_keys(path: &std::path::Path) -> Result<SealingKeys, Fail> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| io_fail(&path.display().to_string(), e))?,
    );
    let mut keys = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (id, hex) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| bad_input("a key line is `<id> <64 hex digits>`"))?;
        let secret = data_encoding::HEXLOWER_PERMISSIVE
            .decode(hex.trim().as_bytes())
            .map_err(|_| bad_input("a sealing key is 64 hex digits"))?;
        keys.push((id, secret));
    }
    Ok(SealingKeys::from_ring(KeyRing::from_list(keys)?)?)
}

pub(crate) fn enroll(
    a: &RecordArgs,
    issuer: &str,
    account: &str,
    totp: &TotpArgs,
) -> Result<u8, Fail> {
    let _lock = lock_state(&a.record)?;
    if a.record.exists() {
        return Err(bad_input(format!(
            "{} exists: an enrolment never replaces a record",
            a.record.display()
        )));
    }
    let keys = sealing_keys(&a.keys)?;
    let step = TotpCredential::enroll(
        issuer,
        account,
        totp_config(totp)?,
        &a.record_key,
        &keys,
        now(totp.time),
        &mut rand::rng(),
    )?;
    if let Some(w) = &step.writes {
        write_atomic(&a.record, &w.record.to_json())?;
    }
    let e = &step.outcome;
    if totp.json {
        outln!(
            "{}",
            json!({"secret": e.secret_base32.expose(), "uri": e.uri.expose(), "weak_secret": e.weak_secret})
        );
    } else {
        outln!(
            "secret: {}\nuri: {}",
            e.secret_base32.expose(),
            e.uri.expose()
        );
    }
    Ok(0)
}

pub(crate) fn check(a: &RecordArgs, t: Timestamp, json_out: bool) -> Result<u8, Fail> {
    let keys = sealing_keys(&a.keys)?;
    let _lock = lock_state(&a.record)?;
    let text = std::fs::read_to_string(&a.record)
        .map_err(|e| io_fail(&a.record.display().to_string(), e))?;
    let record = Record::from_json(&text)?;
    let code = read_password()?;
    let step = record.verify(&a.record_key, &keys, code.trim(), t, &mut rand::rng())?;
    if let Some(w) = &step.writes {
        write_atomic(&a.record, &w.record.to_json())?;
    }
    let revision = step
        .writes
        .as_ref()
        .map_or(record.revision(), |w| w.record.revision());
    if json_out {
        outln!(
            "{}",
            outcome_json(step.outcome, &[("revision", json!(revision))])
        );
    } else {
        outln!(
            "{}",
            match step.outcome {
                OtpOutcome::Accepted { drift } => format!("accepted (drift {drift})"),
                OtpOutcome::Rejected => "rejected".to_owned(),
                OtpOutcome::Replayed => "replayed".to_owned(),
            }
        );
    }
    Ok(u8::from(!matches!(
        step.outcome,
        OtpOutcome::Accepted { .. }
    )))
}
