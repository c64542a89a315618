//! Gives the shared library its soname, so that programs linked against
//! `libvarco.so` record `libvarco.so.0` and survive compatible upgrades.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "android" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libvarco.so.0");
    }
}
