//! A pool of Argon2 working memory, reused across hashes.
//!
//! Allocating Argon2's memory afresh for every hash (what
//! `argon2::Argon2::hash_password_into` does) costs a page fault for every
//! 4 KiB page, and returning it lets the allocator fragment or keep it, so the
//! resident size of a busy server drifts far above `m` per concurrent hash.
//! The pool keeps finished buffers, already faulted in, and hands them to the
//! next hash: each concurrent hash holds exactly one buffer of `m` KiB.

use std::sync::Mutex;

use argon2::Block;

/// Reusable Argon2 block buffers. At most `max_idle` buffers are kept idle;
/// more concurrent hashes allocate extra buffers that are dropped after use.
#[derive(Debug)]
pub(crate) struct MemoryPool {
    idle: Mutex<Vec<Vec<Block>>>,
    max_idle: usize,
}

impl MemoryPool {
    pub(crate) fn new(max_idle: usize) -> Self {
        MemoryPool {
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    /// Runs `f` with a buffer of exactly `blocks` blocks, taken from the pool
    /// when one fits and put back afterwards. Buffers are overwritten in full
    /// by the next hash; with `wipe` they are also zeroed after use.
    pub(crate) fn with_blocks<T>(
        &self,
        blocks: usize,
        wipe: bool,
        f: impl FnOnce(&mut [Block]) -> T,
    ) -> T {
        let mut buf = self.take(blocks);
        let out = f(&mut buf[..blocks]);
        if wipe {
            buf.iter_mut().for_each(zeroize::Zeroize::zeroize);
        }
        self.give_back(buf);
        out
    }

    fn take(&self, blocks: usize) -> Vec<Block> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        // Reuse an idle buffer only if it is large enough and at most 20 %
        // larger, so one legacy hash with a huge `m` cannot make every later
        // hash hold that much memory.
        let fits = |len: usize| len >= blocks && len <= blocks + blocks / 5;
        let best = idle
            .iter()
            .enumerate()
            .filter(|(_, b)| fits(b.len()))
            .min_by_key(|(_, b)| b.len())
            .map(|(i, _)| i);
        match best {
            Some(i) => idle.swap_remove(i),
            None => {
                drop(idle);
                vec![Block::new(); blocks]
            }
        }
    }

    fn give_back(&self, buf: Vec<Block>) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle {
            idle.push(buf);
        }
    }

    /// The number of idle buffers (for tests).
    #[cfg(test)]
    pub(crate) fn idle_len(&self) -> usize {
        self.idle.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_capped() {
        let pool = MemoryPool::new(1);
        pool.with_blocks(16, false, |b| assert_eq!(b.len(), 16));
        assert_eq!(pool.idle_len(), 1);
        // A slightly smaller request reuses the idle buffer, sliced.
        pool.with_blocks(14, false, |b| assert_eq!(b.len(), 14));
        assert_eq!(pool.idle_len(), 1);
        // A much smaller one does not hold on to the big buffer.
        pool.with_blocks(8, false, |b| assert_eq!(b.len(), 8));
        // Nested use needs a second buffer; only one is kept.
        pool.with_blocks(8, true, |_| pool.with_blocks(8, false, |_| ()));
        assert_eq!(pool.idle_len(), 1);
    }
}
