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
//! | 141 | standard output was closed before everything was written (`varco … \| head -1`): 128 + SIGPIPE, what a shell shows for a process a closed pipe stops |

/// `println!` that never panics: a closed standard output (a reader that
/// went away, as `| head -1` does) ends the process with exit code 141, any
/// other write error with 4.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::support::out_line(format_args!($($arg)*))
    };
}

mod account;
mod breach;
mod codes;
mod demo;
mod flow;
mod guard;
mod hashing;
mod identifier;
mod lifecycle;
mod otp;
mod otp_record;
mod place;
mod policy;
mod support;

use std::process::ExitCode;

use account::{AccountCommand, account};
use breach::{BreachCommand, breach_check, breach_prefix};
use clap::{Parser, Subcommand};
use codes::{CodesCommand, codes};
use demo::{DemoArgs, demo};
use flow::{FlowCommand, flow};
use guard::{GuardCommand, guard};
use hashing::{HashArgs, VerifyArgs, hash, verify};
use identifier::{IdCommand, id};
use lifecycle::{LifecycleCommand, lifecycle};
use otp::{HotpCommand, TotpCommand, hotp, totp};
use policy::{PolicyCommand, policy_check, policy_show};

#[derive(Parser)]
#[command(
    name = "varco",
    version,
    about = "Password policy, hashing and verification (varco)",
    after_help = "Secrets are read from stdin, never from arguments: all of stdin (at most 1 MiB, UTF-8), the first line without its \\n and a \\r before it; spaces are kept. Exit codes: 0 success, 1 a negative outcome, 2 usage, 3 bad input, 4 I/O error, 141 stdout closed early."
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
    /// Accounts in the database: create one, import many (legacy hashes
    /// wrapped), show one.
    #[command(subcommand)]
    Account(AccountCommand),
    /// The account lifecycle (activation, dormancy, blocks) on a saved
    /// record file.
    #[command(subcommand)]
    Lifecycle(LifecycleCommand),
    /// Identifiers: the key a username, email, number or tax code is found
    /// by; tax codes checked. The identifier is read from stdin.
    #[command(subcommand)]
    Id(IdCommand),
    /// The flow engine on the database: start a sign-in or a step-up,
    /// advance it, answer a host fact, give a command, check a session
    /// (JSON in and out).
    #[command(subcommand)]
    Flow(FlowCommand),
    /// The seed journeys on a temporary database, each step's view and
    /// every message as it would be sent.
    Demo(DemoArgs),
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
        Command::Account(c) => account(c),
        Command::Lifecycle(c) => lifecycle(c),
        Command::Demo(a) => demo(a),
        Command::Id(c) => id(c),
        Command::Flow(c) => flow(c),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("varco: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
