fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_LIBARGON2").is_some() {
        println!("cargo:rustc-link-lib=argon2");
    }
}
