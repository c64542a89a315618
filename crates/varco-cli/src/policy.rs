//! `varco policy check` and `varco policy show`.

use crate::support::{Fail, io_fail, read_stdin_lines};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use varco::Lang;
use varco::policy::{Context, PasswordPolicy, Preset, Report};

#[derive(Subcommand)]
pub(crate) enum PolicyCommand {
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
pub(crate) struct CheckArgs {
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

pub(crate) fn policy_check(a: CheckArgs) -> Result<u8, Fail> {
    let lang: Lang = a.lang.parse()?;
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
        outln!(
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
    outln!(
        "{}: {}",
        lang.pick("regole", "policy"),
        policy
            .name()
            .unwrap_or(lang.pick("personalizzate", "custom"))
    );
    if r.is_ok() {
        outln!("{}", lang.pick("esito: accettata", "result: accepted"));
    } else {
        outln!(
            "{} ({})",
            lang.pick("esito: rifiutata", "result: rejected"),
            r.violations().len()
        );
        for v in r.violations() {
            outln!("  - {}: {}", v.code(), v.message(lang));
        }
    }
    let s = r.strength();
    outln!(
        "{}: {}/4 (10^{:.1} {})",
        lang.pick("robustezza", "strength"),
        s.score(),
        s.guesses_log10(),
        lang.pick("tentativi", "guesses")
    );
    if let Some(w) = s.feedback().warning {
        outln!("  ! {}", w.message(lang));
    }
    for x in &s.feedback().suggestions {
        outln!("  * {}", x.message(lang));
    }
    for k in r.skipped() {
        outln!(
            "{}: {} ({})",
            lang.pick("saltato", "skipped"),
            k.as_str(),
            k.message(lang)
        );
    }
}

pub(crate) fn policy_show(preset: &str) -> Result<u8, Fail> {
    outln!(
        "{}",
        PasswordPolicy::preset(preset.parse::<Preset>()?).to_json()
    );
    Ok(0)
}
