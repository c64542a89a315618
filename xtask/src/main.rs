//! Project chores.
//!
//! `cargo run -p xtask -- header` regenerates `bindings/c/include/varco.h`
//! with the pinned cbindgen; `cargo run -p xtask -- header --check` fails
//! when the committed header differs from what the code would generate (CI
//! runs it).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["header"] => header(false),
        ["header", "--check"] => header(true),
        _ => {
            eprintln!("usage: cargo run -p xtask -- header [--check]");
            ExitCode::from(2)
        }
    }
}

fn header(check: bool) -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let crate_dir = root.join("bindings/c");
    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cbindgen.toml: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bindings = match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cbindgen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let path = crate_dir.join("include/varco.h");
    let committed = std::fs::read(&path).unwrap_or_default();
    if check {
        if committed != generated {
            eprintln!(
                "{} is out of date: run `cargo run -p xtask -- header` and commit it",
                path.display()
            );
            return ExitCode::FAILURE;
        }
        println!("{} is up to date", path.display());
    } else if committed != generated {
        if let Err(e) = std::fs::write(&path, &generated) {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
