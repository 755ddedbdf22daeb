//! The JSON trace of `socklab trace` to a file, written by the tracer thread itself.
//!
//! Every traced thread waits for the tracer at each of its calls: the tracer's time per call
//! is the traced program's speed. Handing each event to the writer thread (a channel message,
//! its strings freed by the other thread) or each line to a buffer the writer collects every
//! millisecond both made the traced program slower than rendering the line here and writing
//! the file 64 KiB at a time, as strace does. Measured on the reference echo server under
//! `socklab trace --trace json --trace-file F`, 8 interleaved runs of 2 s, medians: 1 client,
//! 7,721 round trips/s written here against 4,695 collected (strace -f: 6,881); 32 clients,
//! 13,010 against 12,428 (strace -f: 13,214). Sent as events: 4,371 at 1 client where this
//! gave 5,489 in the same runs.
//!
//! The writer thread only looks every [`FILE_DELAY`] for lines that waited that long (a
//! program gone quiet, blocked in `accept`), so that `tail -f` on the file still follows it.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::event::Event;
use super::json;
#[cfg(doc)]
use super::writer::FILE_DELAY;

/// Written once this much is rendered: 100 lines or so, one `write` for them.
const WRITE_AT: usize = 64 * 1024;

/// The lines and the file, behind one lock: the tracer takes it for each event (nobody else
/// holds it, but for a moment every [`FILE_DELAY`]), so lines leave in the order of `seq`.
pub(super) struct Own {
    state: Mutex<State>,
}

struct State {
    text: String,
    out: Box<dyn Write + Send>,
    /// The `seq` of the last line.
    seq: u64,
    /// When the oldest line not written yet was rendered.
    since: Option<Instant>,
}

impl Own {
    pub(super) fn new(out: Box<dyn Write + Send>) -> Own {
        Own {
            state: Mutex::new(State {
                text: String::with_capacity(WRITE_AT + 4096),
                out,
                seq: 0,
                since: None,
            }),
        }
    }

    /// Numbers `ev`, renders its line, and writes the lines once there are [`WRITE_AT`]
    /// bytes of them.
    pub(super) fn append(&self, ev: &mut Event) {
        let mut s = self.lock();
        s.seq += 1;
        ev.seq = s.seq;
        json::line(ev, &mut s.text);
        if s.since.is_none() {
            s.since = Some(Instant::now());
        }
        if s.text.len() >= WRITE_AT {
            s.write();
        }
    }

    /// Writes the lines that waited `age` or more (all of them, then).
    pub(super) fn write_if_older(&self, age: Duration) {
        let mut s = self.lock();
        if s.since.is_some_and(|t| t.elapsed() >= age) {
            s.write();
        }
    }

    /// Writes every line rendered so far.
    pub(super) fn write_all(&self) {
        self.lock().write();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn write(&mut self) {
        // A failing trace output (a full disk) must not stop the program it traces.
        if !self.text.is_empty() {
            let _ = self.out.write_all(self.text.as_bytes());
            let _ = self.out.flush();
            self.text.clear();
        }
        self.since = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::test_support::Shared;
    use crate::trace::{Call, Kind, Phase};

    fn event(text: &str) -> Event {
        let mut ev = Event::new(Kind::Syscall, Phase::Call, Call::Recv);
        ev.args = text.to_string();
        ev
    }

    #[test]
    fn lines_wait_until_there_are_enough_of_them_then_leave_numbered_in_order() {
        let out = Shared::default();
        let own = Own::new(Box::new(out.clone()));
        own.append(&mut event("first"));
        assert_eq!(out.text(), "", "one short line is kept for the next write");
        let long = "x".repeat(1000);
        let mut n = 1;
        while out.text().is_empty() {
            own.append(&mut event(&long));
            n += 1;
            assert!(n < 200, "nothing written after {n} lines of 1 KB");
        }
        assert!(
            n > 50,
            "written after {n} lines: sooner than {WRITE_AT} bytes"
        );
        own.append(&mut event("last"));
        own.write_all();
        let text = out.text();
        let seqs: Vec<u64> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert_eq!(seqs, (1..=n + 1).collect::<Vec<u64>>());
        assert!(text.lines().last().unwrap().contains("\"args\":\"last\""));
    }

    #[test]
    fn the_writer_thread_writes_only_lines_that_waited() {
        let out = Shared::default();
        let own = Own::new(Box::new(out.clone()));
        own.write_if_older(Duration::ZERO);
        assert_eq!(out.text(), "", "nothing to write");
        own.append(&mut event("quiet"));
        own.write_if_older(Duration::from_secs(3600));
        assert_eq!(out.text(), "", "a line just rendered waits");
        own.write_if_older(Duration::ZERO);
        assert!(out.text().contains("\"args\":\"quiet\""));
    }
}
