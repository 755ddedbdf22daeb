//! JSON lines to a file: each traced thread writes its lines into a buffer of its own, and the
//! writer collects every buffer about once a millisecond and puts the lines in `seq` order.
//! (`socklab trace`, whose events all come from its one tracer thread, writes the file from
//! that thread: see [`super::own`].)
//!
//! Measured under 32 clients of an echo server (perf): handing each line over as a `String` on
//! the channel cost, per event, an allocation in the traced thread, a free in the writer (the
//! allocator's lock, taken across threads), a channel send and the writer's bookkeeping. Here a
//! traced thread only takes its own buffer's lock (nobody else's: uncontended but for the
//! moment the writer swaps the buffer out), and the writer takes the buffers in turn, whatever
//! their threads are doing: a thread blocked in `accept` or `recv` has its last lines written
//! all the same. The buffers are swapped, never freed: no allocation once the trace runs.
//!
//! Order: a thread takes its `seq` and appends its line under its buffer's lock, so a number
//! taken is a line in some buffer. The writer writes the lines with consecutive numbers from
//! the last one written; a line whose predecessor is not in yet (taken by a thread after the
//! writer had passed its buffer) waits for the next collection.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// The lines one thread wrote since the writer last took them.
#[derive(Default)]
pub(super) struct Buffer {
    text: String,
    /// Each line's `seq` and where it ends in `text` (it starts where the one before ended).
    ends: Vec<(u64, usize)>,
}

impl Buffer {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }
}

struct Slot {
    buffer: Mutex<Buffer>,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Beyond this many bytes waiting in its buffer, a traced thread waits for the writer: memory
/// stays bounded if the writer is starved of the CPU or waits on the file (about 400 lines of
/// a send with data; tens of milliseconds of one busy exécutant).
pub(super) const SLOT_MAX: usize = 256 * 1024;

/// How many emptied buffers the writer keeps to hand out, and how much room each keeps (more
/// than a busy thread's buffer ever holds, [`SLOT_MAX`] and a line: shrinking the busy ones
/// only to grow them again cost a tenth of the trace's time).
const SPARES: usize = 64;
const SPARE_MAX: usize = 2 * SLOT_MAX;

/// Every thread's buffer, for the writer.
static SLOTS: Mutex<Vec<Arc<Slot>>> = Mutex::new(Vec::new());

/// Set by the writer before it sleeps with nothing to do: the next line wakes it.
static ASLEEP: AtomicBool = AtomicBool::new(false);

thread_local! {
    static MINE: Arc<Slot> = {
        let slot = Arc::new(Slot { buffer: Mutex::new(Buffer::default()) });
        SLOTS.lock().unwrap_or_else(|e| e.into_inner()).push(Arc::clone(&slot));
        slot
    };
}

/// What [`append`] found.
pub(super) struct Appended {
    /// The writer was asleep: it must be woken (one message on the channel).
    pub wake: bool,
    /// The calling thread's buffer is over [`SLOT_MAX`]: wait with [`wait_for_room`].
    pub full: bool,
}

/// Numbers the next line from `next` and lets `write` append it (its `seq` given) to the
/// calling thread's buffer.
pub(super) fn append(next: &AtomicU64, write: impl FnOnce(u64, &mut String)) -> Appended {
    let mut write = Some(write);
    let mut into = |slot: &Slot| {
        let mut b = slot.lock();
        let seq = next.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(write) = write.take() {
            write(seq, &mut b.text);
        }
        let end = b.text.len();
        b.ends.push((seq, end));
        Appended {
            // Read first, and only swapped when set: a write to the flag's cache line on
            // every event would bounce it between the processors.
            wake: ASLEEP.load(Ordering::Relaxed) && ASLEEP.swap(false, Ordering::AcqRel),
            full: end > SLOT_MAX,
        }
    };
    // A thread that traces a call while it ends (a socket closed by a destructor after the
    // thread's locals are gone) writes into the shared buffer of such threads.
    match MINE.try_with(|slot| into(slot)) {
        Ok(appended) => appended,
        Err(_) => into(orphans()),
    }
}

/// The buffer of the threads whose own is gone.
fn orphans() -> &'static Slot {
    static ORPHANS: OnceLock<Arc<Slot>> = OnceLock::new();
    ORPHANS.get_or_init(|| {
        let slot = Arc::new(Slot {
            buffer: Mutex::new(Buffer::default()),
        });
        SLOTS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::clone(&slot));
        slot
    })
}

/// Waits until the writer took the calling thread's buffer, or `writing` says it stopped.
pub(super) fn wait_for_room(writing: impl Fn() -> bool) {
    let _ = MINE.try_with(|slot| {
        while slot.lock().text.len() > SLOT_MAX {
            if !writing() {
                return;
            }
            std::thread::sleep(super::QUEUE_WAIT);
        }
    });
}

/// The writer's side: takes the buffers and puts their lines in order.
#[derive(Default)]
pub(super) struct Collector {
    /// Emptied buffers, handed to the threads in exchange for theirs.
    spare: Vec<Buffer>,
    /// The buffers taken this time.
    taken: Vec<Buffer>,
    /// The lines put in `seq` order, those whose predecessor is not in yet kept for later.
    in_order: InOrder,
    /// Scratch: every line taken, `(seq, buffer, start, end)`.
    order: Vec<(u64, usize, usize, usize)>,
}

impl Collector {
    /// Takes every thread's lines and appends to `out` those that follow the last written, in
    /// order. Returns how many lines were taken.
    pub(super) fn collect(&mut self, out: &mut String) -> usize {
        {
            let mut slots = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
            for slot in slots.iter() {
                let mut b = slot.lock();
                if b.ends.is_empty() {
                    continue;
                }
                let mut fresh = self.spare.pop().unwrap_or_default();
                std::mem::swap(&mut *b, &mut fresh);
                self.taken.push(fresh);
            }
            // A thread that ended and whose lines were taken: nobody writes there any more.
            slots.retain(|s| Arc::strong_count(s) > 1 || !s.lock().ends.is_empty());
        }
        self.order.clear();
        for (i, b) in self.taken.iter().enumerate() {
            let mut start = 0;
            for &(seq, end) in &b.ends {
                self.order.push((seq, i, start, end));
                start = end;
            }
        }
        let taken = self.order.len();
        // Each buffer is in order already; the buffers interleave.
        self.order.sort_unstable_by_key(|&(seq, ..)| seq);
        for &(seq, i, start, end) in &self.order {
            self.in_order.put(seq, &self.taken[i].text[start..end], out);
        }
        for mut b in self.taken.drain(..) {
            // Enough spares for the busy threads; a thousand idle connections' buffers, or one
            // that grew large once, are let go.
            if self.spare.len() < SPARES {
                b.clear();
                b.text.shrink_to(SPARE_MAX);
                self.spare.push(b);
            }
        }
        taken
    }

    /// At the end: whatever still waits, in order (see [`InOrder::rest`]).
    pub(super) fn rest(&mut self, out: &mut String) {
        self.in_order.rest(out);
    }

    /// Before sleeping with nothing to do: asks the next line to wake the writer. Returns
    /// false when lines came in meanwhile (collect again instead of sleeping).
    pub(super) fn going_to_sleep(&self) -> bool {
        ASLEEP.store(true, Ordering::Release);
        let slots = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
        let empty = slots.iter().all(|s| s.lock().ends.is_empty());
        if !empty {
            ASLEEP.store(false, Ordering::Release);
        }
        empty
    }
}

/// Lines put back in the order of their `seq`: a thread may take its number, then be
/// overtaken by another before its line is handed over (to the writer's channel, or into the
/// buffer the writer has just passed).
pub(super) struct InOrder {
    /// The `seq` of the next line to write.
    next: u64,
    early: BTreeMap<u64, String>,
}

impl Default for InOrder {
    fn default() -> InOrder {
        InOrder {
            next: 1,
            early: BTreeMap::new(),
        }
    }
}

impl InOrder {
    /// Appends `line` to `text` if it is the next, with the lines it was keeping waiting;
    /// otherwise keeps it (copied only then, when given as a `&str`).
    pub(super) fn put(
        &mut self,
        seq: u64,
        line: impl AsRef<str> + Into<String>,
        text: &mut String,
    ) {
        if seq != self.next {
            self.early.insert(seq, line.into());
            return;
        }
        text.push_str(line.as_ref());
        self.next += 1;
        while let Some(line) = self.early.remove(&self.next) {
            text.push_str(&line);
            self.next += 1;
        }
    }

    /// At the end: whatever waits, in order (a gap means a thread was traced while stopping).
    pub(super) fn rest(&mut self, text: &mut String) {
        for line in std::mem::take(&mut self.early).into_values() {
            text.push_str(&line);
        }
    }
}

/// The buffers are global: the tests that use them (here and the writer's) run one at a time.
#[cfg(test)]
pub(super) static TEST_LOCK: Mutex<()> = Mutex::new(());

#[cfg(test)]
mod tests {
    use super::*;

    use super::TEST_LOCK as LOCK;

    #[test]
    fn lines_come_out_in_seq_order() {
        let mut order = InOrder::default();
        let mut text = String::new();
        order.put(2, "b\n", &mut text);
        assert_eq!(text, "", "line 2 waits for line 1");
        order.put(1, "a\n", &mut text);
        assert_eq!(text, "a\nb\n");
        order.put(4, "d\n", &mut text);
        order.put(3, "c\n", &mut text);
        assert_eq!(text, "a\nb\nc\nd\n");
        order.put(6, "f\n", &mut text);
        order.rest(&mut text);
        assert_eq!(
            text, "a\nb\nc\nd\nf\n",
            "at the end, what waits goes out anyway"
        );
    }

    #[test]
    fn lines_of_many_threads_come_out_once_each_in_seq_order() {
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let next = Arc::new(AtomicU64::new(0));
        let mut collector = Collector::default();
        let mut out = String::new();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let next = Arc::clone(&next);
                std::thread::spawn(move || {
                    for i in 0..500 {
                        append(&next, |seq, text| {
                            text.push_str(&format!("{seq} {t} {i}\n"));
                        });
                    }
                })
            })
            .collect();
        // Collected while the threads write, then once they are done.
        while !threads.iter().all(|t| t.is_finished()) {
            collector.collect(&mut out);
        }
        for t in threads {
            t.join().unwrap();
        }
        collector.collect(&mut out);
        collector.rest(&mut out);
        let seqs: Vec<u64> = out
            .lines()
            .map(|l| l.split(' ').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(seqs, (1..=2000).collect::<Vec<u64>>());
    }

    #[test]
    fn a_line_waits_for_the_one_before_it() {
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut collector = Collector::default();
        let mut out = String::new();
        // Numbers 2 and 3 are in, 1 not yet (its thread took it after the writer passed).
        let next = AtomicU64::new(1);
        append(&next, |seq, text| text.push_str(&format!("{seq}\n")));
        append(&next, |seq, text| text.push_str(&format!("{seq}\n")));
        assert_eq!(collector.collect(&mut out), 2);
        assert_eq!(out, "", "2 and 3 wait for 1");
        let first = AtomicU64::new(0);
        append(&first, |seq, text| text.push_str(&format!("{seq}\n")));
        collector.collect(&mut out);
        assert_eq!(out, "1\n2\n3\n");
    }
}
