//! `varco breach prefix` and `varco breach check`: k-anonymity range queries.

use crate::support::{Fail, bad_input, io_fail, read_password};
use clap::Subcommand;
use serde_json::json;
use varco::breach::RangeQuery;

#[derive(Subcommand)]
pub(crate) enum BreachCommand {
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

pub(crate) fn breach_prefix() -> Result<u8, Fail> {
    outln!("{}", RangeQuery::new(&read_password()?).prefix());
    Ok(0)
}

pub(crate) fn breach_check(response: &std::path::Path, json_out: bool) -> Result<u8, Fail> {
    let body = std::fs::read(response).map_err(|e| io_fail(&response.display().to_string(), e))?;
    let body = String::from_utf8(body).map_err(|_| bad_input("response is not valid UTF-8"))?;
    let result = RangeQuery::new(&read_password()?).check(&body)?;
    let count = match result {
        varco::breach::BreachResult::NotFound => 0,
        varco::breach::BreachResult::Breached { count } => count,
    };
    if json_out {
        outln!("{}", json!({"breached": count > 0, "count": count}));
    } else if count > 0 {
        outln!("breached ({count} times)");
    } else {
        outln!("not found");
    }
    Ok(if count > 0 { 1 } else { 0 })
}
