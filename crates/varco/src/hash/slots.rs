//! At most N Argon2 runs at once in one hasher.
//!
//! Argon2 is bound by memory bandwidth and cache: more runs at once than
//! the machine has cores do not finish sooner, they evict each other's
//! blocks and all slow down (BENCHMARKS.md: 64 concurrent sign-ins on two
//! cores reached 69 % of the Argon2 bound without a limit). A hasher with
//! slots makes the extra runs wait their turn, holding no arena, instead.
//! Waiting is not I/O: the core still reads no clock and touches no file.

use std::sync::{Condvar, Mutex};

/// A counting semaphore over Argon2 runs.
#[derive(Debug)]
pub(crate) struct Slots {
    max: usize,
    busy: Mutex<usize>,
    freed: Condvar,
}

/// A taken slot, given back when dropped (a panicking run gives it back
/// too).
struct Taken<'a>(&'a Slots);

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        let mut busy = self.0.busy.lock().unwrap_or_else(|e| e.into_inner());
        *busy -= 1;
        self.0.freed.notify_one();
    }
}

impl Slots {
    /// `max` runs at once (at least one).
    pub(crate) fn new(max: usize) -> Self {
        Slots {
            max: max.max(1),
            busy: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// How many runs at once.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// Runs `f` once a slot is free.
    pub(crate) fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        let taken = {
            let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
            while *busy >= self.max {
                busy = self.freed.wait(busy).unwrap_or_else(|e| e.into_inner());
            }
            *busy += 1;
            Taken(self)
        };
        let out = f();
        drop(taken);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn never_more_than_max_at_once() {
        let slots = Arc::new(Slots::new(2));
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let (slots, now, peak) = (slots.clone(), now.clone(), peak.clone());
                std::thread::spawn(move || {
                    slots.run(|| {
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(n, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(2));
                        now.fetch_sub(1, Ordering::SeqCst);
                    });
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(*slots.busy.lock().unwrap(), 0);
    }

    #[test]
    fn a_panicking_run_gives_its_slot_back() {
        let slots = Slots::new(1);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            slots.run(|| panic!("boom"));
        }));
        assert!(r.is_err());
        assert_eq!(slots.run(|| 7), 7);
        assert_eq!(Slots::new(0).max(), 1);
    }
}
