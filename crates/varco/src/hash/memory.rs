//! A pool of Argon2 working memory, reused across hashes.
//!
//! Allocating Argon2's memory afresh for every hash costs a page fault for
//! every 4 KiB page, and returning it lets the allocator fragment or keep it,
//! so the resident size of a busy server drifts far above `m` per concurrent
//! hash. The pool keeps finished arenas, already faulted in, and hands them
//! to the next hash: each concurrent hash holds one arena of about `m` KiB.
//!
//! What an arena is depends on the core: RustCrypto's is a `Vec<Block>` the
//! pool sizes, `argon2-rust`'s is its `Hasher`, which parks its own arena
//! (see [`super::core`]).

use std::sync::Mutex;

/// Something that holds Argon2 blocks and can be handed from hash to hash.
pub(crate) trait Arena: Send {
    /// How many 1 KiB blocks it holds now (0 for one not used yet).
    fn blocks(&self) -> usize;
}

/// Reusable arenas. At most `max_idle` are kept idle; more concurrent hashes
/// make extra arenas that are dropped after use.
#[derive(Debug)]
pub(crate) struct MemoryPool<A> {
    idle: Mutex<Vec<A>>,
    max_idle: usize,
}

impl<A: Arena> MemoryPool<A> {
    pub(crate) fn new(max_idle: usize) -> Self {
        MemoryPool {
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    /// Runs `f` with an arena that holds at least `blocks` blocks and at
    /// most 20 % more (so that one legacy hash with a huge `m` cannot make
    /// every later hash hold that much memory), or with `fresh()` when no
    /// idle arena fits; the arena goes back to the pool afterwards.
    pub(crate) fn with_arena<T>(
        &self,
        blocks: usize,
        fresh: impl FnOnce() -> A,
        f: impl FnOnce(&mut A) -> T,
    ) -> T {
        let mut arena = self.take(blocks).unwrap_or_else(fresh);
        let out = f(&mut arena);
        self.give_back(arena);
        out
    }

    /// How many idle arenas are kept at most.
    pub(crate) fn max_idle(&self) -> usize {
        self.max_idle
    }

    fn take(&self, blocks: usize) -> Option<A> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let fits = |len: usize| len >= blocks && len <= blocks + blocks / 5;
        let best = idle
            .iter()
            .enumerate()
            .filter(|(_, a)| fits(a.blocks()))
            .min_by_key(|(_, a)| a.blocks())
            .map(|(i, _)| i)?;
        Some(idle.swap_remove(best))
    }

    fn give_back(&self, arena: A) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle {
            idle.push(arena);
        }
    }

    /// The number of idle arenas (for tests).
    #[cfg(test)]
    pub(crate) fn idle_len(&self) -> usize {
        self.idle.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Arena for Vec<u8> {
        fn blocks(&self) -> usize {
            self.len()
        }
    }

    #[test]
    fn arenas_are_reused_and_capped() {
        let pool = MemoryPool::<Vec<u8>>::new(1);
        let fresh = |n| move || vec![0u8; n];
        pool.with_arena(16, fresh(16), |a| assert_eq!(a.len(), 16));
        assert_eq!(pool.idle_len(), 1);
        // A slightly smaller request reuses the idle arena.
        pool.with_arena(14, fresh(14), |a| assert_eq!(a.len(), 16));
        assert_eq!(pool.idle_len(), 1);
        // A much smaller one does not hold on to the big arena.
        pool.with_arena(8, fresh(8), |a| assert_eq!(a.len(), 8));
        // Nested use needs a second arena; only one is kept.
        pool.with_arena(8, fresh(8), |_| {
            pool.with_arena(8, fresh(8), |_| ());
        });
        assert_eq!(pool.idle_len(), 1);
    }
}
