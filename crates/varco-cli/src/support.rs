//! What every command shares: failures and their exit codes, reading
//! stdin (secrets come from there), writing state files, the time.

use std::io::Read;

use varco::Timestamp;
use zeroize::Zeroizing;

/// A failure with its exit code.
pub(crate) struct Fail {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl From<varco::validate::Invalid> for Fail {
    fn from(e: varco::validate::Invalid) -> Self {
        Fail::from(varco::Error::from(e))
    }
}

impl From<varco::Error> for Fail {
    fn from(e: varco::Error) -> Self {
        Fail {
            code: 3,
            message: format!("{e} [{}]", e.code()),
        }
    }
}

pub(crate) fn io_fail(what: &str, e: std::io::Error) -> Fail {
    Fail {
        code: 4,
        message: format!("cannot read {what}: {e}"),
    }
}

pub(crate) fn bad_input(message: impl Into<String>) -> Fail {
    Fail {
        code: 3,
        message: message.into(),
    }
}

/// Reads stdin (at most 1 MiB) as UTF-8 lines, without line terminators.
pub(crate) fn read_stdin_lines() -> Result<Zeroizing<Vec<String>>, Fail> {
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

pub(crate) fn read_password() -> Result<Zeroizing<String>, Fail> {
    let lines = read_stdin_lines()?;
    Ok(Zeroizing::new(lines.first().cloned().unwrap_or_default()))
}

pub(crate) fn now(time: Option<u64>) -> Timestamp {
    match time {
        Some(t) => Timestamp::from_unix_seconds(t),
        None => {
            let ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0);
            Timestamp::from_unix_millis(ms)
        }
    }
}

/// Takes an exclusive lock on the state file `path` (on `<path>.lock`
/// beside it, since a write replaces the file itself), held until the
/// returned file is dropped: parallel invocations on one state file take
/// turns, each reading, deciding and writing whole, so no failure is lost
/// and no code is accepted twice. The lock file stays (it is empty).
pub(crate) fn lock_state(path: &std::path::Path) -> Result<std::fs::File, Fail> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock = std::path::PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(|e| io_fail(&lock.display().to_string(), e))?;
    file.lock()
        .map_err(|e| io_fail(&lock.display().to_string(), e))?;
    Ok(file)
}

/// Writes a file through a temporary file and a rename, so that a crash
/// never leaves half a set.
pub(crate) fn write_atomic(path: &std::path::Path, text: &str) -> Result<(), Fail> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|e| io_fail(&tmp.display().to_string(), e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_fail(&path.display().to_string(), e))
}

/// Writes one line to standard output (see `outln!`).
pub(crate) fn out_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{args}").and_then(|()| out.flush()) {
        let code = if e.kind() == std::io::ErrorKind::BrokenPipe {
            141
        } else {
            4
        };
        std::process::exit(code);
    }
}
