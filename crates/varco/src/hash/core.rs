//! The Argon2 core: the code that fills Argon2's memory and computes the tag.
//!
//! Two maintained implementations sit behind one interface, and compute
//! identical tags (the `argon2_cores` test suite and fuzz target compare
//! them; both pass RFC 9106 and the reference implementation's vectors):
//!
//! - [`Argon2Core::ArgonRust`], the crate `argon2-rust` (default, cargo feature
//!   `argon2-rust`): a port of the reference C implementation whose
//!   compression function is chosen at run time (AVX-512, AVX2, SSE2 or NEON,
//!   scalar otherwise). About twice as fast as RustCrypto's on x86-64 here
//!   (`BENCHMARKS.md`), which a host can spend on more memory or passes at
//!   the same latency. Its `Hasher` keeps its arena between hashes and wipes
//!   it after every one.
//! - [`Argon2Core::RustCrypto`], RustCrypto's `argon2` (cargo feature
//!   `rustcrypto-argon2`), for hosts that prefer the RustCrypto family; varco
//!   pools its block buffers.
//!
//! PHC strings are read and written by varco itself (`phc.rs`, on
//! RustCrypto's `phc` crate), never by the core, so a hash made with one core
//! verifies with the other.

use super::memory::{Arena, MemoryPool};
use super::phc::{Argon2Input, V0X10, Variant};
use crate::Error;

#[cfg(not(any(feature = "argon2-rust", feature = "rustcrypto-argon2")))]
compile_error!(
    "varco needs an Argon2 core: enable the feature `argon2-rust` (default) or `rustcrypto-argon2`"
);

/// Which Argon2 implementation computes password hashes.
///
/// Both give identical tags for identical inputs; they differ in speed and
/// provenance. See the README's "Choices worth knowing".
///
/// ```
/// use varco::hash::{Argon2Core, HashParams, PasswordHasher};
///
/// # fn main() -> Result<(), varco::Error> {
/// let hasher = PasswordHasher::new(HashParams::new(64, 1, 1)?);
/// assert_eq!(hasher.core(), Argon2Core::default());
/// for core in Argon2Core::available() {
///     let same = PasswordHasher::new(HashParams::new(64, 1, 1)?).with_core(core)?;
///     assert_eq!(same.core(), core);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Argon2Core {
    /// The crate `argon2-rust`, with run-time SIMD dispatch (feature
    /// `argon2-rust`, on by default).
    ArgonRust,
    /// RustCrypto's `argon2` (feature `rustcrypto-argon2`).
    RustCrypto,
}

impl Argon2Core {
    /// Every core, whether compiled in or not.
    pub const ALL: [Argon2Core; 2] = [Argon2Core::ArgonRust, Argon2Core::RustCrypto];

    /// True when this core was compiled in (its cargo feature is on).
    pub const fn is_available(self) -> bool {
        match self {
            Argon2Core::ArgonRust => cfg!(feature = "argon2-rust"),
            Argon2Core::RustCrypto => cfg!(feature = "rustcrypto-argon2"),
        }
    }

    /// The cores compiled into this build.
    pub fn available() -> impl Iterator<Item = Argon2Core> {
        Self::ALL.into_iter().filter(|c| c.is_available())
    }

    /// A stable name: `argon2-rust` or `rustcrypto`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Argon2Core::ArgonRust => "argon2-rust",
            Argon2Core::RustCrypto => "rustcrypto",
        }
    }

    /// The instruction set the core's compression function runs on this CPU
    /// (`avx512`, `avx2`, `sse2`, `neon`, `scalar`, or `portable` for
    /// RustCrypto, which picks AVX2 or portable code itself).
    pub fn backend(self) -> &'static str {
        match self {
            #[cfg(feature = "argon2-rust")]
            Argon2Core::ArgonRust => match argon2_rust::detected_backend() {
                argon2_rust::Backend::Avx512 => "avx512",
                argon2_rust::Backend::Avx2 => "avx2",
                argon2_rust::Backend::Sse2 => "sse2",
                argon2_rust::Backend::Neon => "neon",
                _ => "scalar",
            },
            _ => "portable",
        }
    }
}

impl Default for Argon2Core {
    /// `ArgonRust` when compiled in, else `RustCrypto`.
    fn default() -> Self {
        if cfg!(feature = "argon2-rust") {
            Argon2Core::ArgonRust
        } else {
            Argon2Core::RustCrypto
        }
    }
}

impl std::fmt::Display for Argon2Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A core with its pool of working memory.
#[derive(Debug)]
pub(crate) enum Engine {
    #[cfg(feature = "argon2-rust")]
    ArgonRust(MemoryPool<ArgonRustArena>),
    #[cfg(feature = "rustcrypto-argon2")]
    RustCrypto(MemoryPool<Vec<argon2::Block>>),
}

/// `argon2-rust`'s hasher, which keeps its own arena and wipes it after
/// every hash.
#[cfg(feature = "argon2-rust")]
pub(crate) struct ArgonRustArena(argon2_rust::Hasher);

#[cfg(feature = "argon2-rust")]
impl std::fmt::Debug for ArgonRustArena {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ArgonRustArena({} blocks)", self.0.reserved_blocks())
    }
}

#[cfg(feature = "argon2-rust")]
impl Arena for ArgonRustArena {
    fn blocks(&self) -> usize {
        self.0.reserved_blocks()
    }
}

#[cfg(feature = "rustcrypto-argon2")]
impl Arena for Vec<argon2::Block> {
    fn blocks(&self) -> usize {
        self.len()
    }
}

impl Engine {
    /// This core, with a pool keeping at most `idle` arenas.
    pub(crate) fn new(core: Argon2Core, idle: usize) -> Result<Engine, Error> {
        match core {
            #[cfg(feature = "argon2-rust")]
            Argon2Core::ArgonRust => Ok(Engine::ArgonRust(MemoryPool::new(idle))),
            #[cfg(feature = "rustcrypto-argon2")]
            Argon2Core::RustCrypto => Ok(Engine::RustCrypto(MemoryPool::new(idle))),
            #[allow(unreachable_patterns)]
            other => Err(Error::InvalidHashParams(format!(
                "the Argon2 core {other} is not compiled in (cargo feature)"
            ))),
        }
    }

    /// The default core ([`Argon2Core::default`]), which is always compiled in.
    pub(crate) fn default_core(idle: usize) -> Engine {
        #[cfg(feature = "argon2-rust")]
        return Engine::ArgonRust(MemoryPool::new(idle));
        #[cfg(not(feature = "argon2-rust"))]
        return Engine::RustCrypto(MemoryPool::new(idle));
    }

    /// The same core with a fresh pool keeping at most `idle` arenas.
    pub(crate) fn with_idle(&self, idle: usize) -> Engine {
        match self {
            #[cfg(feature = "argon2-rust")]
            Engine::ArgonRust(_) => Engine::ArgonRust(MemoryPool::new(idle)),
            #[cfg(feature = "rustcrypto-argon2")]
            Engine::RustCrypto(_) => Engine::RustCrypto(MemoryPool::new(idle)),
        }
    }

    /// How many idle arenas the pool keeps at most.
    pub(crate) fn idle(&self) -> usize {
        match self {
            #[cfg(feature = "argon2-rust")]
            Engine::ArgonRust(pool) => pool.max_idle(),
            #[cfg(feature = "rustcrypto-argon2")]
            Engine::RustCrypto(pool) => pool.max_idle(),
        }
    }

    pub(crate) fn core(&self) -> Argon2Core {
        match self {
            #[cfg(feature = "argon2-rust")]
            Engine::ArgonRust(_) => Argon2Core::ArgonRust,
            #[cfg(feature = "rustcrypto-argon2")]
            Engine::RustCrypto(_) => Argon2Core::RustCrypto,
        }
    }

    /// Computes the Argon2 tag of `password` into `out` (whose length is the
    /// tag length). `wipe` zeroes a RustCrypto buffer after use;
    /// `argon2-rust` always wipes its arena.
    ///
    /// # Errors
    /// [`Error::MalformedHash`] when the core refuses the inputs (a salt
    /// shorter than 8 bytes, a tag shorter than 4).
    pub(crate) fn compute(
        &self,
        input: &Argon2Input,
        secret: &[u8],
        password: &[u8],
        out: &mut [u8],
        wipe: bool,
    ) -> Result<(), Error> {
        let refused = |e: &dyn std::fmt::Display| Error::MalformedHash(e.to_string());
        match self {
            #[cfg(feature = "argon2-rust")]
            Engine::ArgonRust(pool) => {
                use argon2_rust::params::{Memory, TagLen};
                let _ = wipe;
                let params = argon2_rust::Params::builder()
                    .memory(Memory::kib(u64::from(input.m_kib)))
                    .passes(input.t)
                    .lanes(input.p)
                    .tag_len(TagLen::bytes(out.len() as u64))
                    .build()
                    .map_err(|e| refused(&e))?;
                let algorithm = match input.variant {
                    Variant::Argon2d => argon2_rust::Algorithm::Argon2d,
                    Variant::Argon2i => argon2_rust::Algorithm::Argon2i,
                    Variant::Argon2id => argon2_rust::Algorithm::Argon2id,
                };
                let version = if input.version == V0X10 {
                    argon2_rust::Version::V0x10
                } else {
                    argon2_rust::Version::V0x13
                };
                let config = argon2_rust::Argon2::new(algorithm, version, params);
                pool.with_arena(
                    input.block_count(),
                    || ArgonRustArena(config.hasher()),
                    |arena| {
                        arena.0.set_argon2(config);
                        arena
                            .0
                            .hash_into_with_ad(password, &input.salt, secret, &input.data, out)
                    },
                )
                .map_err(|e| refused(&e))
            }
            #[cfg(feature = "rustcrypto-argon2")]
            Engine::RustCrypto(pool) => {
                let mut b = argon2::ParamsBuilder::new();
                b.m_cost(input.m_kib)
                    .t_cost(input.t)
                    .p_cost(input.p)
                    .output_len(out.len());
                if !input.data.is_empty() {
                    b.data(argon2::AssociatedData::new(&input.data).map_err(|e| refused(&e))?);
                }
                let params = b.build().map_err(|e| refused(&e))?;
                let algorithm = match input.variant {
                    Variant::Argon2d => argon2::Algorithm::Argon2d,
                    Variant::Argon2i => argon2::Algorithm::Argon2i,
                    Variant::Argon2id => argon2::Algorithm::Argon2id,
                };
                let version = if input.version == V0X10 {
                    argon2::Version::V0x10
                } else {
                    argon2::Version::V0x13
                };
                let blocks = input.block_count();
                let argon = if secret.is_empty() {
                    argon2::Argon2::new(algorithm, version, params)
                } else {
                    argon2::Argon2::new_with_secret(secret, algorithm, version, params)
                        .map_err(|e| Error::InvalidPepper(e.to_string()))?
                };
                pool.with_arena(
                    blocks,
                    || vec![argon2::Block::new(); blocks],
                    |buf| {
                        let r = argon.hash_password_into_with_memory(
                            password,
                            &input.salt,
                            out,
                            &mut buf[..blocks],
                        );
                        if wipe {
                            buf.iter_mut().for_each(zeroize::Zeroize::zeroize);
                        }
                        r
                    },
                )
                .map_err(|e| refused(&e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc9106_input() -> Argon2Input {
        Argon2Input {
            variant: Variant::Argon2id,
            version: super::super::phc::V0X13,
            m_kib: 32,
            t: 3,
            p: 4,
            keyid: Vec::new(),
            data: vec![4; 12],
            salt: vec![2; 16],
        }
    }

    /// RFC 9106 §5.3 through every compiled core, twice each (the second
    /// time on the pooled, used arena).
    #[test]
    fn rfc9106_vector_on_every_core() {
        let expected = "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659";
        let mut ran = 0;
        for core in Argon2Core::available() {
            let engine = Engine::new(core, 1).unwrap();
            for _ in 0..2 {
                let mut out = [0u8; 32];
                engine
                    .compute(&rfc9106_input(), &[3; 8], &[1; 32], &mut out, false)
                    .unwrap();
                let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(hex, expected, "{core}");
            }
            ran += 1;
        }
        assert!(ran >= 1);
    }

    #[test]
    fn a_core_not_compiled_in_is_an_error() {
        for core in Argon2Core::ALL {
            assert_eq!(Engine::new(core, 1).is_ok(), core.is_available(), "{core}");
        }
    }

    #[test]
    fn a_short_salt_is_refused_not_a_panic() {
        for core in Argon2Core::available() {
            let engine = Engine::new(core, 1).unwrap();
            let mut input = rfc9106_input();
            input.salt = vec![1; 4];
            let mut out = [0u8; 32];
            assert!(
                matches!(
                    engine.compute(&input, &[], b"pw", &mut out, false),
                    Err(Error::MalformedHash(_))
                ),
                "{core}"
            );
        }
    }
}
