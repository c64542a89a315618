//! The `varco` command: password policy checks, hashing and verification.
//!
//! Secrets are read from standard input, never from arguments (which other
//! users can see in the process list). Exit codes:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success: the password meets the policy, or verifies |
//! | 1 | a normal negative outcome: violations found, or the password does not verify |
//! | 2 | usage error (unknown option, missing argument) |
//! | 3 | bad input: invalid UTF-8, malformed hash or policy, password too long |
//! | 4 | I/O error (a file or stdin could not be read) |

use std::io::Read;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};
use varco::Timestamp;
use varco::breach::RangeQuery;
use varco::guard::{AccountGuard, Decision, Factor, GuardPolicies, Unlock};
use varco::hash::{HashParams, HashPreset, PasswordHasher, Pepper, Verification};
use varco::otp::{
    HotpCredential, OtpKind, OtpOutcome, OtpSecret, OtpUri, RecoveryCodeSet, RecoveryOutcome,
    TotpConfig, TotpCredential,
};
use varco::policy::{Context, PasswordPolicy, Preset, Report};
use varco::{Lang, Normalization};
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(
    name = "varco",
    version,
    about = "Password policy, hashing and verification (varco)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Password policies: check a password, show a policy.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Hash the password read from stdin; print its PHC string.
    Hash(HashArgs),
    /// Verify the password read from stdin against a PHC string.
    Verify(VerifyArgs),
    /// Breached-password range queries (k-anonymity).
    #[command(subcommand)]
    Breach(BreachCommand),
    /// Authenticator-app codes, time-based (RFC 6238). The secret (base32)
    /// is read from stdin.
    #[command(subcommand)]
    Totp(TotpCommand),
    /// Authenticator codes, counter-based (RFC 4226). The secret (base32) is
    /// read from stdin.
    #[command(subcommand)]
    Hotp(HotpCommand),
    /// One-time recovery codes.
    #[command(subcommand)]
    Codes(CodesCommand),
    /// Attempt budgets and lockout on a saved state file (created if missing).
    #[command(subcommand)]
    Guard(GuardCommand),
}

#[derive(Args)]
struct GuardArgs {
    /// The account's guard state (JSON); created if it does not exist.
    #[arg(long)]
    state: std::path::PathBuf,
    /// Lockout policies (JSON, the form of `varco guard policy`); defaults otherwise.
    #[arg(long)]
    policy: Option<std::path::PathBuf>,
    /// password, second_factor or recovery.
    #[arg(long, default_value = "password")]
    factor: String,
    /// The device id, if the host knows one.
    #[arg(long)]
    device: Option<String>,
    /// Unix time to use instead of the clock.
    #[arg(long)]
    time: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum GuardCommand {
    /// Record a failed attempt (if the guard allowed it); exit 0 if it was
    /// allowed and counted, 1 if refused.
    Fail {
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Record a successful attempt: clears the factor, trusts the device.
    Succeed {
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Show what the guard would decide now, per factor; exit 0 if the
    /// chosen factor is allowed, 1 if not.
    Status {
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Lift every lock: `--by recovery` or `--by operator:<id>`.
    Unlock {
        /// Who unlocks.
        #[arg(long)]
        by: String,
        #[command(flatten)]
        guard: GuardArgs,
    },
    /// Print the default policies as JSON, to edit and pass with --policy.
    Policy,
}

#[derive(Args)]
struct TotpArgs {
    /// HMAC algorithm: sha1 (default), sha256, sha512.
    #[arg(long, default_value = "sha1")]
    algorithm: String,
    /// Digits per code (6 to 8).
    #[arg(long, default_value_t = 6)]
    digits: u8,
    /// Seconds per step.
    #[arg(long, default_value_t = 30)]
    period: u64,
    /// Unix time to use instead of the clock.
    #[arg(long)]
    time: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum TotpCommand {
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
    /// Check a code (±1 step); exit 0 if accepted, 1 if not.
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
enum HotpCommand {
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

#[derive(Subcommand)]
enum CodesCommand {
    /// Make a set of recovery codes: print them, write the hashed set to a file.
    New {
        /// How many codes.
        #[arg(long, default_value_t = 10)]
        count: usize,
        /// Where to write the stored (hashed) set.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Redeem the code read from stdin against a stored set; the file is
    /// updated. Exit 0 if accepted, 1 if not.
    Redeem {
        /// The stored set.
        #[arg(long)]
        set: std::path::PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Check the password read from stdin (first line; with --confirm, the
    /// second line is the confirmation). Exit 0 if it meets the policy, 1 if not.
    Check(CheckArgs),
    /// Print a preset as a policy file (JSON), to edit and pass with --policy.
    Show {
        /// mail_service, customer_area or nist_800_63b.
        #[arg(long, default_value = "nist_800_63b")]
        preset: String,
    },
}

#[derive(Args)]
struct CheckArgs {
    /// A built-in policy: mail_service, customer_area or nist_800_63b (default).
    #[arg(long, conflicts_with = "policy")]
    preset: Option<String>,
    /// A policy file (JSON, as printed by `varco policy show`).
    #[arg(long)]
    policy: Option<std::path::PathBuf>,
    /// The username, checked as context.
    #[arg(long)]
    username: Option<String>,
    /// The email address, checked as context.
    #[arg(long)]
    email: Option<String>,
    /// A service name, checked as context (repeatable).
    #[arg(long)]
    service: Vec<String>,
    /// The account has a second factor (relaxes NIST's minimum to 8).
    #[arg(long)]
    second_factor: bool,
    /// Read a second line from stdin: the confirmation.
    #[arg(long)]
    confirm: bool,
    /// Message language: it or en.
    #[arg(long, default_value = "en")]
    lang: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct HashArgs {
    /// A parameter preset: owasp (default), owasp-m47104-t1, owasp-m12288-t3,
    /// owasp-m9216-t4, owasp-m7168-t5, rfc9106-low-memory, rfc9106.
    #[arg(long, conflicts_with_all = ["m_kib", "t", "p"])]
    preset: Option<String>,
    /// Memory cost in KiB (custom parameters: give all three).
    #[arg(long = "m-kib", requires_all = ["t", "p"])]
    m_kib: Option<u32>,
    /// Iterations.
    #[arg(long, requires_all = ["m_kib", "p"])]
    t: Option<u32>,
    /// Lanes.
    #[arg(long, requires_all = ["m_kib", "t"])]
    p: Option<u32>,
    #[command(flatten)]
    pepper: PepperArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct VerifyArgs {
    /// The stored PHC string.
    phc: String,
    #[command(flatten)]
    pepper: PepperArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct PepperArgs {
    /// Pepper key id (with --pepper-file).
    #[arg(long, requires = "pepper_file")]
    pepper_id: Option<String>,
    /// File holding the pepper secret (raw bytes).
    #[arg(long, requires = "pepper_id")]
    pepper_file: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
enum BreachCommand {
    /// Print the 5-character SHA-1 prefix to query for the password on stdin.
    Prefix,
    /// Check the password on stdin against a range response saved in a file.
    Check {
        /// The service's response body.
        #[arg(long)]
        response: std::path::PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A failure with its exit code.
struct Fail {
    code: u8,
    message: String,
}

impl From<varco::Error> for Fail {
    fn from(e: varco::Error) -> Self {
        Fail {
            code: 3,
            message: format!("{e} [{}]", e.code()),
        }
    }
}

fn io_fail(what: &str, e: std::io::Error) -> Fail {
    Fail {
        code: 4,
        message: format!("cannot read {what}: {e}"),
    }
}

fn bad_input(message: impl Into<String>) -> Fail {
    Fail {
        code: 3,
        message: message.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Policy(PolicyCommand::Check(a)) => policy_check(a),
        Command::Policy(PolicyCommand::Show { preset }) => policy_show(&preset),
        Command::Hash(a) => hash(a),
        Command::Verify(a) => verify(a),
        Command::Breach(BreachCommand::Prefix) => breach_prefix(),
        Command::Breach(BreachCommand::Check { response, json }) => breach_check(&response, json),
        Command::Totp(c) => totp(c),
        Command::Hotp(c) => hotp(c),
        Command::Codes(c) => codes(c),
        Command::Guard(c) => guard(c),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("varco: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Reads stdin (at most 1 MiB) as UTF-8 lines, without line terminators.
fn read_stdin_lines() -> Result<Zeroizing<Vec<String>>, Fail> {
    const LIMIT: u64 = 1 << 20;
    let mut buf = Zeroizing::new(Vec::new());
    std::io::stdin()
        .take(LIMIT + 1)
        .read_to_end(&mut buf)
        .map_err(|e| io_fail("stdin", e))?;
    if buf.len() as u64 > LIMIT {
        return Err(bad_input("stdin holds more than 1 MiB"));
    }
    let text = std::str::from_utf8(&buf)
        .map_err(|e| bad_input(format!("stdin is not valid UTF-8: {e}")))?;
    Ok(Zeroizing::new(
        text.split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
            .collect(),
    ))
}

fn read_password() -> Result<Zeroizing<String>, Fail> {
    let lines = read_stdin_lines()?;
    Ok(Zeroizing::new(lines.first().cloned().unwrap_or_default()))
}

fn load_policy(
    preset: Option<&str>,
    file: Option<&std::path::Path>,
) -> Result<PasswordPolicy, Fail> {
    match (preset, file) {
        (_, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| io_fail(&path.display().to_string(), e))?;
            Ok(PasswordPolicy::from_json(&text)?)
        }
        (Some(name), None) => Ok(PasswordPolicy::preset(name.parse::<Preset>()?)),
        (None, None) => Ok(PasswordPolicy::default()),
    }
}

fn policy_check(a: CheckArgs) -> Result<u8, Fail> {
    let lang: Lang = a.lang.parse().map_err(bad_input)?;
    let policy = load_policy(a.preset.as_deref(), a.policy.as_deref())?;
    let lines = read_stdin_lines()?;
    let empty = String::new();
    let password = lines.first().unwrap_or(&empty);
    let mut ctx = Context::new().second_factor(a.second_factor);
    if let Some(u) = &a.username {
        ctx = ctx.username(u);
    }
    if let Some(e) = &a.email {
        ctx = ctx.email(e);
    }
    for s in &a.service {
        ctx = ctx.service(s);
    }
    if a.confirm {
        ctx = ctx.confirmation(lines.get(1).unwrap_or(&empty));
    }
    let report = policy.check(password, &ctx);
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report_json(&policy, &report, lang)).unwrap_or_default()
        );
    } else {
        print_report(&policy, &report, lang);
    }
    Ok(if report.is_ok() { 0 } else { 1 })
}

fn report_json(policy: &PasswordPolicy, r: &Report, lang: Lang) -> Value {
    let mut v: Value = serde_json::from_str(&r.to_json(lang)).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("policy".into(), json!(policy.name()));
    }
    v
}

fn print_report(policy: &PasswordPolicy, r: &Report, lang: Lang) {
    println!("policy: {}", policy.name().unwrap_or("custom"));
    if r.is_ok() {
        println!("{}", lang.pick("esito: accettata", "result: accepted"));
    } else {
        println!(
            "{} ({})",
            lang.pick("esito: rifiutata", "result: rejected"),
            r.violations().len()
        );
        for v in r.violations() {
            println!("  - {}: {}", v.code(), v.message(lang));
        }
    }
    let s = r.strength();
    println!(
        "{}: {}/4 (10^{:.1} {})",
        lang.pick("robustezza", "strength"),
        s.score(),
        s.guesses_log10(),
        lang.pick("tentativi", "guesses")
    );
    if let Some(w) = s.feedback().warning {
        println!("  ! {}", w.message(lang));
    }
    for x in &s.feedback().suggestions {
        println!("  * {}", x.message(lang));
    }
    for k in r.skipped() {
        println!(
            "skipped: {}",
            serde_json::to_value(k)
                .unwrap_or(Value::Null)
                .as_str()
                .unwrap_or("")
        );
    }
}

fn policy_show(preset: &str) -> Result<u8, Fail> {
    println!(
        "{}",
        PasswordPolicy::preset(preset.parse::<Preset>()?).to_json()
    );
    Ok(0)
}

fn parse_hash_preset(s: &str) -> Result<HashPreset, Fail> {
    let k = s.to_ascii_lowercase().replace('_', "-");
    Ok(match k.as_str() {
        "owasp" => HashPreset::Owasp,
        "owasp-m47104-t1" => HashPreset::OwaspM47104T1,
        "owasp-m12288-t3" => HashPreset::OwaspM12288T3,
        "owasp-m9216-t4" => HashPreset::OwaspM9216T4,
        "owasp-m7168-t5" => HashPreset::OwaspM7168T5,
        "rfc9106-low-memory" => HashPreset::Rfc9106LowMemory,
        "rfc9106" => HashPreset::Rfc9106,
        _ => return Err(bad_input(format!("unknown hash preset {s:?}"))),
    })
}

fn with_pepper(mut hasher: PasswordHasher, p: &PepperArgs) -> Result<PasswordHasher, Fail> {
    if let (Some(id), Some(file)) = (&p.pepper_id, &p.pepper_file) {
        let secret = std::fs::read(file).map_err(|e| io_fail(&file.display().to_string(), e))?;
        hasher = hasher.with_pepper(Pepper::new(id, secret)?);
    }
    Ok(hasher)
}

fn hash(a: HashArgs) -> Result<u8, Fail> {
    let params = match (a.m_kib, a.t, a.p, &a.preset) {
        (Some(m), Some(t), Some(p), _) => HashParams::new(m, t, p)?,
        (_, _, _, Some(preset)) => HashParams::preset(parse_hash_preset(preset)?),
        _ => HashParams::default(),
    };
    let hasher = with_pepper(PasswordHasher::new(params), &a.pepper)?;
    let password = read_password()?;
    let phc = hasher.hash(&password, &mut rand::rng())?;
    if a.json {
        println!(
            "{}",
            json!({"phc": phc, "m_kib": params.m_kib(), "t": params.t(), "p": params.p(),
                   "normalization": Normalization::Nfc})
        );
    } else {
        println!("{phc}");
    }
    Ok(0)
}

fn verify(a: VerifyArgs) -> Result<u8, Fail> {
    let hasher = with_pepper(PasswordHasher::default(), &a.pepper)?;
    let password = read_password()?;
    let v = hasher.verify(&password, &a.phc)?;
    let (valid, rehash) = match v {
        Verification::Valid { needs_rehash } => (true, needs_rehash),
        Verification::Invalid => (false, false),
    };
    if a.json {
        println!("{}", json!({"valid": valid, "needs_rehash": rehash}));
    } else if valid {
        println!("valid{}", if rehash { " (needs rehash)" } else { "" });
    } else {
        println!("invalid");
    }
    Ok(if valid { 0 } else { 1 })
}

fn breach_prefix() -> Result<u8, Fail> {
    println!("{}", RangeQuery::new(&read_password()?).prefix());
    Ok(0)
}

fn breach_check(response: &std::path::Path, json_out: bool) -> Result<u8, Fail> {
    let body = std::fs::read(response).map_err(|e| io_fail(&response.display().to_string(), e))?;
    let body = String::from_utf8(body).map_err(|_| bad_input("response is not valid UTF-8"))?;
    let result = RangeQuery::new(&read_password()?).check(&body)?;
    let count = match result {
        varco::breach::BreachResult::NotFound => 0,
        varco::breach::BreachResult::Breached { count } => count,
    };
    if json_out {
        println!("{}", json!({"breached": count > 0, "count": count}));
    } else if count > 0 {
        println!("breached ({count} times)");
    } else {
        println!("not found");
    }
    Ok(if count > 0 { 1 } else { 0 })
}

fn now(time: Option<u64>) -> Timestamp {
    match time {
        Some(t) => Timestamp::from_unix_seconds(t),
        None => {
            let ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            Timestamp::from_unix_millis(ms)
        }
    }
}

fn read_secret() -> Result<OtpSecret, Fail> {
    let line = read_password()?;
    Ok(OtpSecret::from_base32(line.trim())?)
}

fn totp_config(a: &TotpArgs) -> Result<TotpConfig, Fail> {
    Ok(TotpConfig::new(
        a.algorithm.parse()?,
        a.digits,
        a.period,
        0,
        1,
        1,
    )?)
}

/// The outcome's fields (`outcome`, and `drift` when accepted) plus extras,
/// in one flat object.
fn outcome_json(outcome: OtpOutcome, extra: &[(&str, Value)]) -> Value {
    let mut v = serde_json::to_value(outcome).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        for (k, x) in extra {
            m.insert((*k).to_owned(), x.clone());
        }
    }
    v
}

fn totp(c: TotpCommand) -> Result<u8, Fail> {
    match c {
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
                println!("{}", json!({"secret": *secret, "uri": *uri.to_uri()}));
            } else {
                println!("secret: {}\nuri: {}", *secret, *uri.to_uri());
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
                println!("{}", json!({"code": *code, "step": step}));
            } else {
                println!("{}", *code);
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
            let (outcome, cred) = cred.verify(&code, now(totp.time));
            if totp.json {
                println!(
                    "{}",
                    outcome_json(outcome, &[("last_step", json!(cred.last_step()))])
                );
            } else {
                println!(
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
                println!(
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
                println!("{}", json!({"uri": *uri.to_uri()}));
            } else {
                println!("{}", *uri.to_uri());
            }
            Ok(0)
        }
    }
}

fn hotp(c: HotpCommand) -> Result<u8, Fail> {
    match c {
        HotpCommand::Generate {
            counter,
            digits,
            json,
        } => {
            let cred = HotpCredential::new(read_secret()?, varco::otp::Algorithm::Sha1, digits)?;
            let code = cred.code_at(counter);
            if json {
                println!("{}", json!({"code": *code, "counter": counter}));
            } else {
                println!("{}", *code);
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
            let (outcome, cred) = cred.verify(&code, look_ahead);
            if json {
                println!(
                    "{}",
                    outcome_json(outcome, &[("counter", json!(cred.counter()))])
                );
            } else {
                println!(
                    "{} (next counter {})",
                    if matches!(outcome, OtpOutcome::Accepted { .. }) {
                        "accepted"
                    } else {
                        "rejected"
                    },
                    cred.counter()
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

/// Recovery codes carry 74 random bits: a lighter Argon2 than passwords
/// need (m = 8 MiB, t = 1) keeps a redemption of 10 codes near 40 ms.
fn recovery_hasher() -> PasswordHasher {
    PasswordHasher::new(HashParams::new(8192, 1, 1).unwrap_or_default())
}

/// Writes a file through a temporary file and a rename, so that a crash
/// never leaves half a set.
fn write_atomic(path: &std::path::Path, text: &str) -> Result<(), Fail> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|e| io_fail(&tmp.display().to_string(), e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_fail(&path.display().to_string(), e))
}

fn codes(c: CodesCommand) -> Result<u8, Fail> {
    let hasher = recovery_hasher();
    match c {
        CodesCommand::New { count, out, json } => {
            let new = RecoveryCodeSet::generate(count, now(None), &hasher, &mut rand::rng())?;
            write_atomic(&out, &new.set.to_json())?;
            let codes: Vec<&str> = new.codes.iter().map(|c| c.as_str()).collect();
            if json {
                println!("{}", json!({"codes": codes, "set": new.set.id()}));
            } else {
                for c in codes {
                    println!("{c}");
                }
            }
            Ok(0)
        }
        CodesCommand::Redeem { set, json } => {
            let code = read_password()?;
            let text = std::fs::read_to_string(&set)
                .map_err(|e| io_fail(&set.display().to_string(), e))?;
            let stored = RecoveryCodeSet::from_json(&text)?;
            let (outcome, next) = stored.redeem(&code, now(None), &hasher);
            let accepted = matches!(outcome, RecoveryOutcome::Accepted { .. });
            if accepted {
                write_atomic(&set, &next.to_json())?;
            }
            if json {
                println!(
                    "{}",
                    json!({"outcome": outcome, "remaining": next.remaining()})
                );
            } else {
                println!(
                    "{} ({} left)",
                    if accepted { "accepted" } else { "rejected" },
                    next.remaining()
                );
            }
            Ok(if accepted { 0 } else { 1 })
        }
    }
}

fn parse_factor(s: &str) -> Result<Factor, Fail> {
    match s.to_ascii_lowercase().replace('-', "_").as_str() {
        "password" => Ok(Factor::Password),
        "second_factor" | "2fa" | "otp" => Ok(Factor::SecondFactor),
        "recovery" => Ok(Factor::Recovery),
        other => Err(bad_input(format!(
            "unknown factor {other:?} (password, second_factor, recovery)"
        ))),
    }
}

fn load_guard(a: &GuardArgs) -> Result<(AccountGuard, GuardPolicies), Fail> {
    let guard = match std::fs::read_to_string(&a.state) {
        Ok(text) => AccountGuard::from_json(&text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => AccountGuard::new(),
        Err(e) => return Err(io_fail(&a.state.display().to_string(), e)),
    };
    let policies = match &a.policy {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| io_fail(&path.display().to_string(), e))?;
            let p: GuardPolicies =
                serde_json::from_str(&text).map_err(|e| bad_input(format!("policy file: {e}")))?;
            p.validate()?;
            p
        }
        None => GuardPolicies::default(),
    };
    Ok((guard, policies))
}

fn decision_json(d: Decision) -> Value {
    serde_json::to_value(d).unwrap_or(Value::Null)
}

fn guard_report(
    g: &AccountGuard,
    p: &GuardPolicies,
    factor: Factor,
    device: Option<&str>,
    now: Timestamp,
) -> Value {
    let factors: serde_json::Map<String, Value> = [Factor::Password, Factor::SecondFactor, Factor::Recovery]
        .into_iter()
        .map(|f| {
            let c = g.counter(f);
            let d = g.begin(p, f, device, now).decision;
            let name = serde_json::to_value(f).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            (name, json!({"consecutive": c.consecutive(), "permanent": c.is_permanently_locked(), "decision": decision_json(d)}))
        })
        .collect();
    json!({
        "factor": factor,
        "decision": decision_json(g.begin(p, factor, device, now).decision),
        "trusted_device": device.map(|d| g.is_trusted(d)),
        "revision": g.revision(),
        "factors": factors,
    })
}

fn print_guard(v: &Value, json_out: bool) {
    if json_out {
        println!("{v}");
    } else {
        let d = &v["decision"];
        println!(
            "decision: {}{}",
            d["decision"].as_str().unwrap_or("?"),
            d["until"]
                .as_u64()
                .map(|u| format!(" until {u} ms"))
                .unwrap_or_default()
        );
        if let Some(f) = v["factors"].as_object() {
            for (name, x) in f {
                println!(
                    "  {name}: {} consecutive failures{}",
                    x["consecutive"],
                    if x["permanent"] == true {
                        ", locked for good"
                    } else {
                        ""
                    }
                );
            }
        }
    }
}

fn guard(c: GuardCommand) -> Result<u8, Fail> {
    let (a, action) = match c {
        GuardCommand::Policy => {
            println!(
                "{}",
                serde_json::to_string_pretty(&GuardPolicies::default()).unwrap_or_default()
            );
            return Ok(0);
        }
        GuardCommand::Fail { guard } => (guard, "fail".to_owned()),
        GuardCommand::Succeed { guard } => (guard, "succeed".to_owned()),
        GuardCommand::Status { guard } => (guard, "status".to_owned()),
        GuardCommand::Unlock { by, guard } => (guard, format!("unlock:{by}")),
    };
    let (g, p) = load_guard(&a)?;
    let factor = parse_factor(&a.factor)?;
    let device = a.device.as_deref();
    let t = now(a.time);
    let (next, code) = match action.as_str() {
        "fail" => {
            let step = g.begin(&p, factor, device, t);
            let allowed = step.decision == Decision::Allow;
            let next = if allowed {
                step.guard.failed(factor, device, t).guard
            } else {
                step.guard
            };
            (Some(next), if allowed { 0 } else { 1 })
        }
        "succeed" => (Some(g.succeed(factor, device, t).guard), 0),
        "status" => {
            let allowed = g.begin(&p, factor, device, t).decision == Decision::Allow;
            (None, if allowed { 0 } else { 1 })
        }
        unlock => {
            let by = match unlock.trim_start_matches("unlock:") {
                "recovery" => Unlock::Recovery,
                other => match other.strip_prefix("operator:") {
                    Some(id) if !id.is_empty() => Unlock::Operator {
                        operator: id.to_owned(),
                    },
                    _ => return Err(bad_input("--by takes recovery or operator:<id>")),
                },
            };
            (Some(g.unlock(&by, t).guard), 0)
        }
    };
    let shown = next.as_ref().unwrap_or(&g);
    if let Some(n) = &next {
        write_atomic(&a.state, &n.to_json())?;
    }
    print_guard(&guard_report(shown, &p, factor, device, t), a.json);
    Ok(code)
}
