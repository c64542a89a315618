//! Helpers shared by varco's benchmarks: the peers varco is measured
//! against, and adversarial inputs.
//!
//! - [`reference`]: Debian's libargon2 (the reference C implementation),
//!   with the `libargon2` feature.
//! - [`rustcrypto_alloc`]: the RustCrypto `argon2` crate's allocating path,
//!   which allocates and page-faults `m` KiB on every call;
//!   [`rustcrypto_reused`], the same crate on memory kept between hashes;
//!   [`argon2_rust_hasher`], the `argon2-rust` crate's reusable hasher.
//! - [`memory_bound`]: the memory-bandwidth bound of a hash here.
//! - [`worst_case_passwords`]: inputs chosen to make a strength estimator
//!   work hardest.

/// Hashes with the RustCrypto `argon2` crate's allocating path (what a
/// program gets from `Argon2::hash_password_into`).
pub fn rustcrypto_alloc(m_kib: u32, t: u32, p: u32, password: &[u8], salt: &[u8]) -> [u8; 32] {
    let params = argon2::Params::new(m_kib, t, p, Some(32)).expect("params");
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    argon
        .hash_password_into(password, salt, &mut out)
        .expect("hash");
    out
}

/// Hashes with the RustCrypto `argon2` crate into memory the caller keeps
/// between hashes (what varco's RustCrypto core does with its pool).
pub fn rustcrypto_reused(
    m_kib: u32,
    t: u32,
    p: u32,
    password: &[u8],
    salt: &[u8],
    memory: &mut [argon2::Block],
) -> [u8; 32] {
    let params = argon2::Params::new(m_kib, t, p, Some(32)).expect("params");
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    argon
        .hash_password_into_with_memory(password, salt, &mut out, memory)
        .expect("hash");
    out
}

/// `argon2-rust`'s reusable `Hasher` for Argon2id v=19 with a 32-byte tag,
/// used directly (it parks its arena between hashes).
pub fn argon2_rust_hasher(m_kib: u32, t: u32, p: u32) -> argon2_rust::Hasher {
    use argon2_rust::params::Memory;
    let params = argon2_rust::Params::builder()
        .memory(Memory::kib(u64::from(m_kib)))
        .passes(t)
        .lanes(p)
        .build()
        .expect("params");
    argon2_rust::Argon2::new(
        argon2_rust::Algorithm::Argon2id,
        argon2_rust::Version::V0x13,
        params,
    )
    .hasher()
}

/// The memory-bandwidth bound of an Argon2 hash on this machine.
#[derive(Debug, Clone, Copy)]
pub struct MemoryBound {
    /// Streaming read+write bandwidth, in GB/s (10⁹ bytes).
    pub gb_per_s: f64,
    /// The least time the hash's memory traffic can take at that bandwidth.
    pub bound: std::time::Duration,
}

/// Measures streaming bandwidth (best of 15 copies of 256 MiB, bytes read
/// plus bytes written) and divides Argon2's traffic by it: each of `blocks`
/// blocks is written once per pass from two blocks read, 3 KiB per block
/// per pass.
pub fn memory_bound(blocks: usize, passes: u32) -> MemoryBound {
    let len = 256 << 20;
    let src = vec![1u8; len];
    let mut dst = vec![0u8; len];
    dst.copy_from_slice(&src);
    let best = (0..15)
        .map(|_| {
            let start = std::time::Instant::now();
            dst.copy_from_slice(std::hint::black_box(&src));
            std::hint::black_box(&dst);
            start.elapsed()
        })
        .min()
        .expect("15 runs");
    let gb_per_s = (2 * len) as f64 / best.as_secs_f64() / 1e9;
    let traffic = blocks as f64 * f64::from(passes) * 3.0 * 1024.0;
    MemoryBound {
        gb_per_s,
        bound: std::time::Duration::from_secs_f64(traffic / (gb_per_s * 1e9)),
    }
}

/// The reference C implementation, linked from Debian's libargon2.
#[cfg(feature = "libargon2")]
pub mod reference {
    use std::ffi::{c_int, c_void};

    unsafe extern "C" {
        fn argon2id_hash_raw(
            t_cost: u32,
            m_cost: u32,
            parallelism: u32,
            pwd: *const c_void,
            pwdlen: usize,
            salt: *const c_void,
            saltlen: usize,
            hash: *mut c_void,
            hashlen: usize,
        ) -> c_int;
    }

    /// `argon2id_hash_raw` from libargon2.
    pub fn argon2id(m_kib: u32, t: u32, p: u32, password: &[u8], salt: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        // SAFETY: every pointer is valid for the length passed with it.
        let rc = unsafe {
            argon2id_hash_raw(
                t,
                m_kib,
                p,
                password.as_ptr().cast(),
                password.len(),
                salt.as_ptr().cast(),
                salt.len(),
                out.as_mut_ptr().cast(),
                out.len(),
            )
        };
        assert_eq!(rc, 0, "libargon2 error {rc}");
        out
    }
}

/// Inputs of `len` characters that make a strength estimator work hardest:
/// every position starts many dictionary words, substitutions branch, runs
/// and repeats overlap, and random text (zxcvbn's worst case).
pub fn worst_case_passwords(len: usize) -> Vec<(&'static str, String)> {
    let fill = |pattern: &str| pattern.chars().cycle().take(len).collect::<String>();
    let mut random = String::new();
    let mut x = 0x9e3779b97f4a7c15u64;
    while random.chars().count() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        random.push(char::from(b'!' + (x % 94) as u8));
    }
    // Substitution characters and the letters they stand for, in an order
    // that never repeats: no two start positions see the same text.
    let mut l33t_random = String::new();
    while l33t_random.chars().count() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let alphabet = b"1il|!7t0o@a4$s5e3";
        l33t_random.push(char::from(alphabet[(x % alphabet.len() as u64) as usize]));
    }
    // The Fibonacci word over digits that are also keyboard neighbours:
    // squares of every Fibonacci length, so the most distinct repeated
    // blocks a text can hold (each block is analysed on its own).
    let (mut a, mut b) = (String::from("1"), String::from("10"));
    while b.len() < len {
        let next = format!("{b}{a}");
        a = std::mem::replace(&mut b, next);
    }
    let fibonacci: String = b.chars().take(len).collect();
    vec![
        ("random", random),
        ("l33t_random", l33t_random),
        ("fibonacci", fibonacci),
        // Found by `strength_hunt` on 2026-12-01, climbing from the
        // Fibonacci word: its repeats plus substitutions and digit runs.
        (
            "hunted_fibonacci",
            fill(
                "10110101101101so1010110110@3110110101101011011010110109n01101011011010110101101\
                 1010110110101101011011010110101101101011011010110",
            ),
        ),
        // Keyboard neighbours that turn at every key: the spatial score
        // was cubic in the length before 2026-11-22 (2.2 ms).
        ("keyboard_turns", fill("12")),
        ("digits_alternating", fill("10")),
        // Found by `strength_hunt` (hill climb from `10…`): repeats of many
        // blocks, substitutions and digit runs at once.
        (
            "hunted",
            fill(
                "10101010101010s7181010101010101l101010101010101010101n1n$01010101\
                 0101010101010107010101010101010101015101010101010101010101l1010",
            ),
        ),
        ("ones", fill("1")),
        ("l33t_branching", fill("1|7!")),
        ("words", fill("passwordloveamore")),
        ("l33t_words", fill("p@55w0rd1l0v3")),
        ("keyboard", fill("qwertyuiopasdfghjkl")),
        ("dates", fill("12/03/1985")),
        ("repeats", fill("abcabcab")),
        ("sequences", fill("abcdefghijklmnopqrstuvwxyz0123456789")),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn worst_cases_have_the_asked_length() {
        for (name, pw) in super::worst_case_passwords(128) {
            assert_eq!(pw.chars().count(), 128, "{name}");
        }
    }

    #[test]
    fn rustcrypto_path_matches_varco() {
        // Same inputs, same bytes: varco's pooled path computes what the
        // allocating path computes.
        let out = super::rustcrypto_alloc(64, 1, 1, b"pw", b"saltsaltsalt");
        let hasher =
            varco::hash::PasswordHasher::new(varco::hash::HashParams::new(64, 1, 1).unwrap());
        let phc = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$";
        let b64 = base64_nopad(&out);
        assert!(
            hasher
                .verify("pw", &format!("{phc}{b64}"))
                .unwrap()
                .is_valid()
        );
    }

    fn base64_nopad(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                s.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        s
    }
}
