//! The cost of varco's first use in a process (issue 10): `first_check
//! check` makes one policy check (NIST preset, with username and email,
//! strength estimate included) and exits; `first_check none` exits at once,
//! the bare process to compare with. Measure both as whole processes in one
//! run:
//!
//! ```sh
//! cargo build --release -p varco-benches --bin first_check
//! hyperfine -N --warmup 20 'target/release/first_check none' 'target/release/first_check check'
//! ```

fn main() {
    if std::env::args().nth(1).as_deref() != Some("check") {
        return;
    }
    let policy = varco::policy::PasswordPolicy::preset(varco::policy::Preset::Nist80063b);
    let ctx = varco::policy::Context::new()
        .username("mario.rossi")
        .email("mario.rossi@example.it");
    let report = policy.check("fiume violino tramonto lampada", &ctx);
    std::process::exit(if report.is_ok() { 0 } else { 1 });
}
