//! The writer thread: the only place trace output is written.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

use std::sync::atomic::Ordering;

use super::{BEHIND, Event, Msg, Phase, QUEUE, Render};

/// How long an `Enter` is held back, hoping its `Exit` comes next and both fit on one line.
/// After that the call is shown waiting (strace's `<unfinished ...>`), so a blocked `accept`
/// is visible while it blocks.
const HOLD: Duration = Duration::from_millis(50);

/// How much rendered text is gathered before it is written out: a burst of events goes out in
/// few `write` calls, and only whole lines, so the trace never interleaves mid-line with the
/// program's own output.
const BATCH: usize = 64 * 1024;

/// When to write out what was rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pace {
    /// As soon as no more events are waiting: someone is watching (stderr).
    Live,
    /// Within `FILE_DELAY` of the oldest line not written yet: a file. Under a busy server the
    /// channel empties between almost every event, and one `write` per event would cost the
    /// traced program more than the rendering itself.
    Batched,
}

/// The longest a line waits in memory before going to a trace file (`tail -f` still follows
/// the trace as it happens, to the eye).
const FILE_DELAY: Duration = Duration::from_millis(20);

/// While lines wait to go to a file, the writer looks at the channel this often instead of
/// sleeping on it. A receiver asleep on the channel must be woken by the next sender: a
/// `futex` system call in the traced thread, for nearly every event of a busy server. A
/// receiver that naps and looks costs the traced threads nothing. Once everything is written
/// the writer sleeps on the channel again, so an idle program is not woken for nothing.
const POLL: Duration = Duration::from_millis(1);

/// Renders and writes every event until stopped; returns them all when `keep` is set (for a
/// diagram drawn at the end).
pub(super) fn run(
    rx: Receiver<Msg>,
    mut renderer: Box<dyn Render>,
    mut out: Box<dyn Write + Send>,
    pace: Pace,
    keep: bool,
) -> Vec<Event> {
    let mut kept = Vec::new();
    let mut lines = InOrder::default();
    let mut seq: u64 = 0;
    let mut held: Option<(Event, Instant)> = None;
    let mut text = String::with_capacity(BATCH + 4096);
    // When the oldest line in `text` was rendered.
    let mut pending_since: Option<Instant> = None;
    loop {
        let deadline = [
            held.as_ref().map(|(_, at)| *at + HOLD),
            pending_since.map(|at| at + FILE_DELAY),
        ]
        .into_iter()
        .flatten()
        .min();
        let msg = match deadline {
            Some(deadline) if pace == Pace::Batched && !text.is_empty() => match rx.try_recv() {
                Ok(m) => m,
                Err(TryRecvError::Empty) => {
                    let now = Instant::now();
                    if now < deadline {
                        std::thread::sleep(POLL.min(deadline - now));
                        continue;
                    }
                    deadline_passed(&mut held, renderer.as_mut(), &mut text, &mut out);
                    pending_since = None;
                    continue;
                }
                Err(TryRecvError::Disconnected) => break,
            },
            None => match rx.recv() {
                Ok(m) => m,
                Err(_) => break,
            },
            Some(deadline) => match rx.recv_deadline(deadline) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => {
                    deadline_passed(&mut held, renderer.as_mut(), &mut text, &mut out);
                    pending_since = None;
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            },
        };
        match msg {
            Msg::Event(mut ev) => {
                seq += 1;
                ev.seq = seq;
                if seq.is_multiple_of(LOOK_BEHIND) {
                    look_behind(&rx);
                }
                if keep {
                    kept.push(ev.clone());
                }
                place(ev, &mut held, renderer.as_mut(), &mut text);
                let idle = rx.is_empty();
                if text.len() >= BATCH || (idle && pace == Pace::Live) {
                    write_out(&mut out, &mut text);
                    pending_since = None;
                } else if !text.is_empty() && pending_since.is_none() {
                    pending_since = Some(Instant::now());
                }
            }
            Msg::Line(n, line) => {
                if n.is_multiple_of(LOOK_BEHIND) {
                    look_behind(&rx);
                }
                lines.put(n, line, &mut text);
                let idle = rx.is_empty();
                if text.len() >= BATCH || (idle && pace == Pace::Live) {
                    write_out(&mut out, &mut text);
                    pending_since = None;
                } else if !text.is_empty() && pending_since.is_none() {
                    pending_since = Some(Instant::now());
                }
            }
            Msg::Flush(ack) => {
                if let Some((ev, _)) = held.take() {
                    renderer.render(&ev, false, &mut text);
                }
                write_out(&mut out, &mut text);
                pending_since = None;
                let _ = ack.send(());
            }
            Msg::Stop => break,
        }
    }
    // Nobody waits for room any more: the traced calls that come now are not written.
    BEHIND.store(false, Ordering::Relaxed);
    // Drain whatever is still queued: nothing sent before `finish` is lost.
    while let Ok(msg) = rx.try_recv() {
        match msg {
            Msg::Event(mut ev) => {
                seq += 1;
                ev.seq = seq;
                if keep {
                    kept.push(ev.clone());
                }
                place(ev, &mut held, renderer.as_mut(), &mut text);
                if text.len() >= BATCH {
                    write_out(&mut out, &mut text);
                }
            }
            Msg::Line(n, line) => {
                lines.put(n, line, &mut text);
                if text.len() >= BATCH {
                    write_out(&mut out, &mut text);
                }
            }
            Msg::Flush(ack) => {
                let _ = ack.send(());
            }
            Msg::Stop => {}
        }
    }
    if let Some((ev, _)) = held.take() {
        renderer.render(&ev, false, &mut text);
    }
    lines.rest(&mut text);
    write_out(&mut out, &mut text);
    kept
}

/// A deadline passed: an `Enter` held long enough is shown waiting, and what was rendered goes
/// out.
fn deadline_passed(
    held: &mut Option<(Event, Instant)>,
    renderer: &mut dyn Render,
    text: &mut String,
    out: &mut impl Write,
) {
    if held.as_ref().is_some_and(|(_, at)| at.elapsed() >= HOLD)
        && let Some((ev, _)) = held.take()
    {
        renderer.render(&ev, false, text);
    }
    write_out(out, text);
}

/// Lines rendered by the traced threads, put back in the order of their `seq`: a thread may
/// take its number, then be overtaken by another before it sends its line.
#[derive(Default)]
struct InOrder {
    /// The `seq` of the next line to write.
    next: u64,
    early: BTreeMap<u64, String>,
}

impl InOrder {
    fn put(&mut self, seq: u64, line: String, text: &mut String) {
        if self.next == 0 {
            self.next = 1;
        }
        if seq != self.next {
            self.early.insert(seq, line);
            return;
        }
        text.push_str(&line);
        self.next += 1;
        while let Some(line) = self.early.remove(&self.next) {
            text.push_str(&line);
            self.next += 1;
        }
    }

    /// At the end: whatever waits, in order (a gap means a thread was traced while stopping).
    fn rest(&mut self, text: &mut String) {
        for line in std::mem::take(&mut self.early).into_values() {
            text.push_str(&line);
        }
    }
}

/// How often (in events) the writer measures how far behind it is.
const LOOK_BEHIND: u64 = 256;

/// Raises the back-pressure flag when [`QUEUE`] events wait, lowers it at half.
fn look_behind(rx: &Receiver<Msg>) {
    let waiting = rx.len();
    if waiting >= QUEUE {
        BEHIND.store(true, Ordering::Relaxed);
    } else if waiting < QUEUE / 2 && BEHIND.load(Ordering::Relaxed) {
        BEHIND.store(false, Ordering::Relaxed);
    }
}

/// Renders `ev`, holding an `Enter` back when the renderer may merge it with its `Exit`.
fn place(
    ev: Event,
    held: &mut Option<(Event, Instant)>,
    renderer: &mut dyn Render,
    text: &mut String,
) {
    if !renderer.merges() {
        renderer.render(&ev, false, text);
        return;
    }
    if let Some((enter, _)) = held.take() {
        if ev.phase == Phase::Exit && ev.tid == enter.tid && ev.call == enter.call {
            renderer.render(&ev, true, text);
            return;
        }
        renderer.render(&enter, false, text);
    }
    if ev.phase == Phase::Enter {
        *held = Some((ev, Instant::now()));
    } else {
        renderer.render(&ev, false, text);
    }
}

/// Writes the rendered text out (one `write` for all of it, in the usual case) and flushes.
fn write_out(out: &mut impl Write, text: &mut String) {
    // A failing trace output (a closed pipe) must not stop the program it traces.
    if !text.is_empty() {
        let _ = out.write_all(text.as_bytes());
        text.clear();
        let _ = out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::InOrder;

    #[test]
    fn lines_come_out_in_seq_order() {
        let mut order = InOrder::default();
        let mut text = String::new();
        order.put(2, "b\n".into(), &mut text);
        assert_eq!(text, "", "line 2 waits for line 1");
        order.put(1, "a\n".into(), &mut text);
        assert_eq!(text, "a\nb\n");
        order.put(4, "d\n".into(), &mut text);
        order.put(3, "c\n".into(), &mut text);
        assert_eq!(text, "a\nb\nc\nd\n");
        order.put(6, "f\n".into(), &mut text);
        order.rest(&mut text);
        assert_eq!(
            text, "a\nb\nc\nd\nf\n",
            "at the end, what waits goes out anyway"
        );
    }

    use super::*;
    use crate::trace::{Call, Kind};

    #[test]
    fn back_pressure_flag_follows_the_queue() {
        let (tx, rx) = crossbeam_channel::unbounded();
        for _ in 0..QUEUE {
            tx.send(Msg::Event(Event::new(Kind::Note, Phase::Call, Call::Note)))
                .unwrap();
        }
        look_behind(&rx);
        assert!(
            BEHIND.load(Ordering::Relaxed),
            "a full queue raises the flag"
        );
        for _ in 0..QUEUE / 4 {
            rx.recv().unwrap();
        }
        look_behind(&rx);
        assert!(
            BEHIND.load(Ordering::Relaxed),
            "still behind at three quarters"
        );
        for _ in 0..QUEUE / 2 {
            rx.recv().unwrap();
        }
        look_behind(&rx);
        assert!(!BEHIND.load(Ordering::Relaxed), "caught up below half");
    }
}
