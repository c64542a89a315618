//! `varco hash` and `varco verify`: Argon2id PHC strings, with peppers.

use crate::support::{Fail, bad_input, io_fail, read_password};
use clap::Args;
use serde_json::json;
use varco::Normalization;
use varco::hash::{HashParams, HashPreset, PasswordHasher, Pepper, Verification};

#[derive(Args)]
pub(crate) struct HashArgs {
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
    /// Bulk wrap at import: stdin holds legacy hashes (bcrypt, PBKDF2,
    /// SHA-crypt), one per line; each is printed wrapped in Argon2id, or as
    /// it is when it cannot be (an Argon2 hash, a SHA-crypt salt that
    /// cannot be remade), line for line. A line that is no hash at all
    /// stops the run (exit 3, its line number on stderr).
    #[arg(long, conflicts_with = "json")]
    wrap: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub(crate) struct VerifyArgs {
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

pub(crate) fn hash(a: HashArgs) -> Result<u8, Fail> {
    let params = match (a.m_kib, a.t, a.p, &a.preset) {
        (Some(m), Some(t), Some(p), _) => HashParams::new(m, t, p)?,
        (_, _, _, Some(preset)) => HashParams::preset(parse_hash_preset(preset)?),
        _ => HashParams::default(),
    };
    let hasher = with_pepper(PasswordHasher::new(params), &a.pepper)?;
    if a.wrap {
        return wrap(&hasher);
    }
    let password = read_password()?;
    let phc = hasher.hash(&password, &mut rand::rng())?;
    if a.json {
        outln!(
            "{}",
            json!({"phc": phc, "m_kib": params.m_kib(), "t": params.t(), "p": params.p(),
                   "normalization": Normalization::Nfc})
        );
    } else {
        outln!("{phc}");
    }
    Ok(0)
}

/// `varco hash --wrap`: stdin's legacy hashes, streamed line by line.
fn wrap(hasher: &PasswordHasher) -> Result<u8, Fail> {
    use std::io::BufRead;
    let (mut wrapped, mut kept) = (0u64, 0u64);
    let stdin = std::io::stdin();
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.map_err(|e| io_fail("stdin", e))?;
        let stored = line.trim();
        if stored.is_empty() {
            continue;
        }
        let at = |e: varco::Error| bad_input(format!("line {}: {e}", n + 1));
        let out = if varco::hash::LegacyHash::is_legacy(stored) {
            match hasher.wrap_legacy(stored, &mut rand::rng()) {
                Ok(w) => {
                    wrapped += 1;
                    w
                }
                // Readable, but not wrappable: kept for the sign-in to
                // replace; unreadable: the error.
                Err(_) => {
                    varco::hash::LegacyHash::parse(stored).map_err(at)?;
                    kept += 1;
                    stored.to_owned()
                }
            }
        } else {
            hasher.needs_rehash(stored).map_err(at)?;
            kept += 1;
            stored.to_owned()
        };
        outln!("{out}");
    }
    eprintln!("wrapped {wrapped}, kept {kept} as they were");
    Ok(0)
}

pub(crate) fn verify(a: VerifyArgs) -> Result<u8, Fail> {
    // Every hash `varco hash` can make verifies: the command is run by
    // someone holding the record, so the library's guard against tampered
    // records costing seconds (its default verify limits) is lifted to the
    // largest valid parameters.
    let hasher =
        PasswordHasher::default().with_verify_limits(HashParams::MAX_M_KIB, HashParams::MAX_T);
    let hasher = with_pepper(hasher, &a.pepper)?;
    let password = read_password()?;
    let v = hasher.verify(&password, &a.phc)?;
    let (valid, rehash) = match v {
        Verification::Valid { needs_rehash } => (true, needs_rehash),
        Verification::Invalid => (false, false),
    };
    if a.json {
        outln!("{}", json!({"valid": valid, "needs_rehash": rehash}));
    } else if valid {
        outln!("valid{}", if rehash { " (needs rehash)" } else { "" });
    } else {
        outln!("invalid");
    }
    Ok(if valid { 0 } else { 1 })
}
