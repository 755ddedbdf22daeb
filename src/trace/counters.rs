//! How many socket system calls the program made, traced or not: the summary a server prints
//! when it stops ends with them, so a student sees what `--recv-size` changes (and `socklab
//! bench --compare-buffers` reads them).
//!
//! Each thread counts into counters of its own (only it writes them: a plain load and store,
//! no atomic read-modify-write, nothing shared between processors on the hot path); the total
//! adds up every thread's, and a thread that ends adds its counts to the retired ones.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::Call;

/// One thread's counts.
#[derive(Default)]
struct Counters {
    calls: AtomicU64,
    receives: AtomicU64,
    sends: AtomicU64,
}

impl Counters {
    fn bump(counter: &AtomicU64) {
        // Only the owning thread writes: load and store make no locked instruction.
        counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    fn read(&self) -> Calls {
        Calls {
            calls: self.calls.load(Ordering::Relaxed),
            receives: self.receives.load(Ordering::Relaxed),
            sends: self.sends.load(Ordering::Relaxed),
        }
    }
}

/// Socket system calls made, in total and those that move data.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Calls {
    pub calls: u64,
    /// `recv`, `recvfrom`, `recvmsg`, `read` on a socket.
    pub receives: u64,
    /// `send`, `sendto`, `sendmsg`, `write` on a socket.
    pub sends: u64,
}

impl Calls {
    fn add(&mut self, other: Calls) {
        self.calls += other.calls;
        self.receives += other.receives;
        self.sends += other.sends;
    }
}

/// The live threads' counters.
static LIVE: Mutex<Vec<Arc<Counters>>> = Mutex::new(Vec::new());
/// What the threads that ended counted.
static RETIRED: Mutex<Calls> = Mutex::new(Calls {
    calls: 0,
    receives: 0,
    sends: 0,
});

/// A thread's counters, registered while it lives.
struct Mine(Arc<Counters>);

impl Mine {
    fn new() -> Mine {
        let c = Arc::new(Counters::default());
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::clone(&c));
        Mine(c)
    }
}

impl Drop for Mine {
    fn drop(&mut self) {
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|c| !Arc::ptr_eq(c, &self.0));
        // Under the same lock as the live list: a total taken meanwhile counts them once.
        RETIRED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .add(self.0.read());
    }
}

thread_local! {
    static MINE: Mine = Mine::new();
}

/// Counts one system call of the calling thread.
#[inline]
pub fn count(call: &Call) {
    // A thread already ending (its locals gone) makes no more socket calls worth counting.
    let _ = MINE.try_with(|m| {
        let c = &m.0;
        Counters::bump(&c.calls);
        if call.receives() {
            Counters::bump(&c.receives);
        } else if call.sends() {
            Counters::bump(&c.sends);
        }
    });
}

/// Every thread's counts so far.
pub fn total() -> Calls {
    let live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let mut total = *RETIRED.lock().unwrap_or_else(|e| e.into_inner());
    for c in live.iter() {
        total.add(c.read());
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_threads_calls_still_count() {
        let before = total();
        std::thread::spawn(|| {
            count(&Call::Recvfrom);
            count(&Call::Recvfrom);
            count(&Call::Sendto);
            count(&Call::Accept4);
        })
        .join()
        .unwrap();
        let after = total();
        // Other tests may count meanwhile: at least these.
        assert!(after.calls - before.calls >= 4);
        assert!(after.receives - before.receives >= 2);
        assert!(after.sends - before.sends >= 1);
    }
}
