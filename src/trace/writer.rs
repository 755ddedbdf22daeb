//! The writer thread: the only place trace output is written.
//!
//! With `--packets` it also puts the captured packets into the timeline: each event is held
//! back [`MERGE`] after it arrives, long enough for the capture thread to hand over the
//! packets that came before it, and the two streams are merged by time (the kernel's receive
//! timestamps and the events' own, one clock), so a SYN sits between the `Enter` and the
//! `Exit` of the `connect` that sent it.

use std::collections::VecDeque;
use std::io::Write;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

use std::sync::atomic::Ordering;

use super::lines::{Collector, InOrder};
use super::own;
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
pub(super) const FILE_DELAY: Duration = Duration::from_millis(20);

/// While lines wait to go to a file, the writer looks at the channel this often instead of
/// sleeping on it. A receiver asleep on the channel must be woken by the next sender: a
/// `futex` system call in the traced thread, for nearly every event of a busy server. A
/// receiver that naps and looks costs the traced threads nothing. Once everything is written
/// the writer sleeps on the channel again, so an idle program is not woken for nothing.
const POLL: Duration = Duration::from_millis(1);

/// With packets on: how long an event or a packet waits before it goes into the timeline.
/// The capture thread hands a packet over within a millisecond or so of the kernel's
/// timestamp; this leaves it tens of milliseconds, on a busy machine.
const MERGE: Duration = Duration::from_millis(40);

/// The longest an event waits for the capture to catch up with its time.
const MERGE_MAX: Duration = Duration::from_millis(1000);

/// Renders and writes every event until stopped; returns them all when `keep` is set (for a
/// diagram drawn at the end). With `packets`, events and packets are merged by time.
pub(super) fn run(
    rx: Receiver<Msg>,
    renderer: Box<dyn Render>,
    out: Box<dyn Write + Send>,
    pace: Pace,
    keep: bool,
    packets: bool,
) -> Vec<Event> {
    let mut w = Writer {
        renderer,
        lines: InOrder::default(),
        seq: 0,
        held: None,
        pending: Pending::new(out, pace),
        kept: keep.then(Vec::new),
        merge: packets.then(Merge::default),
    };
    loop {
        let msg = match receive(&rx, w.deadline(), w.pending.polls()) {
            Ok(msg) => msg,
            Err(Wake::Deadline) => {
                w.deadline_passed();
                continue;
            }
            Err(Wake::Closed) => break,
        };
        match msg {
            Msg::Event(ev) => {
                if w.arrived(ev).is_multiple_of(LOOK_BEHIND) {
                    look_behind(&rx);
                }
                w.pending.maybe_flush(rx.is_empty());
            }
            Msg::Packet(ev) => {
                w.packet(ev);
                w.pending.maybe_flush(rx.is_empty());
            }
            Msg::Line(n, line) => {
                if n.is_multiple_of(LOOK_BEHIND) {
                    look_behind(&rx);
                }
                w.lines.put(n, line, &mut w.pending.text);
                w.pending.maybe_flush(rx.is_empty());
            }
            Msg::Flush(ack) => {
                w.release_merged(true);
                w.release_held();
                w.pending.flush();
                let _ = ack.send(());
            }
            Msg::Reveal(call) => {
                w.release_merged(true);
                w.release_held();
                w.renderer.reveal(&call, &mut w.pending.text);
            }
            Msg::Wake => {}
            Msg::Stop => break,
        }
    }
    // Nobody waits for room any more: the traced calls that come now are not written.
    BEHIND.store(false, Ordering::Relaxed);
    // Drain whatever is still queued: nothing sent before `finish` is lost. The channel
    // running empty means nothing now: only a full batch goes out before the end.
    while let Ok(msg) = rx.try_recv() {
        match msg {
            Msg::Event(ev) => {
                w.arrived(ev);
            }
            Msg::Packet(ev) => w.packet(ev),
            Msg::Line(n, line) => w.lines.put(n, line, &mut w.pending.text),
            Msg::Flush(ack) => {
                let _ = ack.send(());
            }
            Msg::Wake | Msg::Stop | Msg::Reveal(_) => {}
        }
        w.pending.maybe_flush(false);
    }
    w.release_merged(true);
    w.release_held();
    w.renderer.finish(&mut w.pending.text);
    w.lines.rest(&mut w.pending.text);
    w.pending.flush();
    w.kept.unwrap_or_default()
}

/// The writer of JSON lines to a file, which the traced threads wrote into buffers of their
/// own (see [`super::lines`]): every [`POLL`] while lines come, it takes them all and writes
/// them in order; with nothing coming it sleeps until a line wakes it. Returns once stopped,
/// everything written.
///
/// The file is written [`WRITE_MAX`] at a time, the buffers taken again between two writes:
/// measured here, a new file takes 150 to 300 MB/s, and one `write` of everything taken (33 MB
/// at once under 32 clients) kept the writer away from the buffers for a quarter of a second,
/// every traced thread waiting on a full buffer meanwhile (p99.9 of 130 ms).
pub(super) fn run_lines(rx: Receiver<Msg>, mut out: Box<dyn Write + Send>) {
    let mut lines = Collector::default();
    let mut file = Unwritten::default();
    loop {
        let taken = if file.len() < PENDING_MAX {
            lines.collect(file.text())
        } else {
            0
        };
        file.write_some(&mut out, taken == 0);
        let msg = if file.len() >= BATCH {
            // Behind: write on, only looking for a message in passing.
            match rx.try_recv() {
                Ok(msg) => msg,
                Err(TryRecvError::Empty) => continue,
                Err(TryRecvError::Disconnected) => break,
            }
        } else if taken > 0 || file.len() > 0 {
            match rx.recv_timeout(POLL) {
                Ok(msg) => msg,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            // Quiet, everything written: the writer sleeps until a line comes.
            if !lines.going_to_sleep() {
                continue;
            }
            match rx.recv() {
                Ok(msg) => msg,
                Err(_) => break,
            }
        };
        match msg {
            Msg::Flush(ack) => {
                lines.collect(file.text());
                file.write_all(&mut out);
                let _ = ack.send(());
            }
            Msg::Stop => break,
            // Only lines come, and only through the buffers; nothing else is sent here.
            Msg::Wake | Msg::Event(_) | Msg::Line(..) | Msg::Packet(_) | Msg::Reveal(_) => {}
        }
    }
    lines.collect(file.text());
    lines.rest(file.text());
    file.write_all(&mut out);
}

/// The writer of `socklab trace`'s JSON lines to a file, which the tracer renders and writes
/// itself (see [`super::own`]): it writes the lines that waited [`FILE_DELAY`], and
/// everything when asked or stopped.
pub(super) fn run_own(rx: Receiver<Msg>, lines: &own::Own) {
    loop {
        match rx.recv_timeout(FILE_DELAY) {
            Err(RecvTimeoutError::Timeout) => lines.write_if_older(FILE_DELAY),
            Ok(Msg::Flush(ack)) => {
                lines.write_all();
                let _ = ack.send(());
            }
            Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(Msg::Wake | Msg::Event(_) | Msg::Line(..) | Msg::Packet(_) | Msg::Reveal(_)) => {}
        }
    }
    lines.write_all();
}

/// The most written to a trace file in one `write`.
const WRITE_MAX: usize = 1024 * 1024;

/// Beyond this many bytes taken and not yet written, the writer takes no more: the threads'
/// buffers fill, then the threads wait (memory stays bounded when the file is slower than the
/// program).
const PENDING_MAX: usize = 16 * 1024 * 1024;

/// Lines taken from the threads, not all written yet.
#[derive(Default)]
struct Unwritten {
    text: String,
    /// How much of `text` is written.
    written: usize,
    /// When the oldest line not written was taken.
    since: Option<Instant>,
}

impl Unwritten {
    fn len(&self) -> usize {
        self.text.len() - self.written
    }

    /// Where the lines taken go. What is written is let go of first, once it is half the text
    /// (one copy of what remains, now and then, rather than one per write).
    fn text(&mut self) -> &mut String {
        if self.written == self.text.len() {
            self.text.clear();
            self.written = 0;
        } else if self.written >= WRITE_MAX && self.written * 2 >= self.text.len() {
            self.text.drain(..self.written);
            self.written = 0;
        }
        &mut self.text
    }

    /// Writes up to [`WRITE_MAX`], whole lines, when a batch is there, when the oldest line has
    /// waited [`FILE_DELAY`], or when `quiet` (nothing came since the last time).
    fn write_some(&mut self, out: &mut impl Write, quiet: bool) {
        let waiting = self.len();
        if waiting == 0 {
            self.since = None;
            return;
        }
        let since = *self.since.get_or_insert_with(Instant::now);
        if waiting < BATCH && !quiet && since.elapsed() < FILE_DELAY {
            return;
        }
        let rest = &self.text.as_bytes()[self.written..];
        // Cut after the last whole line that fits, found in the bytes: the cut may fall inside
        // a character (`exécutant`), a newline never does.
        let end = if rest.len() <= WRITE_MAX {
            rest.len()
        } else {
            rest[..WRITE_MAX]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(rest.len(), |i| i + 1)
        };
        // A failing trace output (a full disk) must not stop the program it traces.
        let _ = out.write_all(&rest[..end]);
        self.written += end;
        if self.len() == 0 {
            let _ = out.flush();
            self.since = None;
        } else {
            self.since = Some(Instant::now());
        }
    }

    /// Writes everything.
    fn write_all(&mut self, out: &mut impl Write) {
        self.text.drain(..self.written);
        self.written = 0;
        self.since = None;
        write_out(out, &mut self.text);
    }
}

/// Why [`receive`] came back without a message.
enum Wake {
    /// The deadline it was given passed.
    Deadline,
    /// Every sender is gone.
    Closed,
}

/// The next message, or the deadline passing first. With no deadline it sleeps on the channel;
/// with one and `poll` set it naps and looks (see [`POLL`]); otherwise it sleeps on the channel
/// until the deadline.
fn receive(rx: &Receiver<Msg>, deadline: Option<Instant>, poll: bool) -> Result<Msg, Wake> {
    let Some(deadline) = deadline else {
        return rx.recv().map_err(|_| Wake::Closed);
    };
    if !poll {
        return rx.recv_deadline(deadline).map_err(|e| match e {
            RecvTimeoutError::Timeout => Wake::Deadline,
            RecvTimeoutError::Disconnected => Wake::Closed,
        });
    }
    loop {
        match rx.try_recv() {
            Ok(msg) => return Ok(msg),
            Err(TryRecvError::Disconnected) => return Err(Wake::Closed),
            Err(TryRecvError::Empty) => {
                let now = Instant::now();
                if now >= deadline {
                    return Err(Wake::Deadline);
                }
                std::thread::sleep(POLL.min(deadline - now));
            }
        }
    }
}

/// The writer's state: the renderer, the `Enter` held back for merging, the lines put back in
/// order, and the text waiting to be written.
struct Writer<W: Write> {
    renderer: Box<dyn Render>,
    lines: InOrder,
    /// The `seq` of the last event numbered.
    seq: u64,
    /// An `Enter` held back, hoping its `Exit` comes next, and since when.
    held: Option<(Event, Instant)>,
    pending: Pending<W>,
    /// Every event, when they are kept.
    kept: Option<Vec<Event>>,
    /// With packets on: the events and packets waiting to be merged.
    merge: Option<Merge>,
}

impl<W: Write> Writer<W> {
    /// An event arrived: into the timeline now, or, with packets on, once the packets before
    /// it are in. Returns how many events were numbered so far.
    fn arrived(&mut self, ev: Event) -> u64 {
        match self.merge.as_mut() {
            None => self.event(ev),
            Some(m) => {
                m.events.push_back((ev, Instant::now()));
                self.release_merged(false);
                self.seq
            }
        }
    }

    /// A captured packet arrived (only with packets on).
    fn packet(&mut self, ev: Event) {
        match self.merge.as_mut() {
            None => {
                self.event(ev);
            }
            Some(m) => {
                m.add_packet(ev, Instant::now());
                self.release_merged(false);
            }
        }
    }

    /// Puts into the timeline what has waited long enough (everything, with `all`).
    fn release_merged(&mut self, all: bool) {
        let Some(m) = self.merge.as_mut() else { return };
        let ready = m.ready(Instant::now(), all);
        for ev in ready {
            self.event(ev);
        }
    }

    /// Numbers `ev`, keeps it if asked, and renders it (or holds it back); returns its `seq`.
    fn event(&mut self, mut ev: Event) -> u64 {
        self.seq += 1;
        ev.seq = self.seq;
        if let Some(kept) = &mut self.kept {
            kept.push(ev.clone());
        }
        place(
            ev,
            &mut self.held,
            self.renderer.as_mut(),
            &mut self.pending.text,
        );
        self.seq
    }

    /// When the writer must wake up even if nothing comes: a held `Enter` shown waiting, or
    /// text waiting too long.
    fn deadline(&self) -> Option<Instant> {
        let held = self.held.as_ref().map(|(_, at)| *at + HOLD);
        let merged = self.merge.as_ref().and_then(Merge::deadline);
        [held, self.pending.due(), merged]
            .into_iter()
            .flatten()
            .min()
    }

    /// A deadline passed: an `Enter` held long enough is shown waiting, and what was rendered
    /// goes out.
    fn deadline_passed(&mut self) {
        self.release_merged(false);
        if self
            .held
            .as_ref()
            .is_some_and(|(_, at)| at.elapsed() >= HOLD)
        {
            self.release_held();
        }
        self.pending.flush();
    }

    /// Renders the held `Enter`, if any, as a call still waiting.
    fn release_held(&mut self) {
        if let Some((ev, _)) = self.held.take() {
            self.renderer.render(&ev, false, &mut self.pending.text);
        }
    }
}

/// Events and packets waiting to be merged into one timeline. Events stay in the order they
/// arrived (the order of `seq`); packets, in the order of their timestamps, go in before the
/// first event that is later than they are.
#[derive(Default)]
struct Merge {
    events: VecDeque<(Event, Instant)>,
    packets: VecDeque<(Event, Instant)>,
}

impl Merge {
    fn add_packet(&mut self, ev: Event, now: Instant) {
        // Nearly always in order already: the kernel queues them as it stamps them.
        let at = self
            .packets
            .iter()
            .rposition(|(p, _)| p.ts_us <= ev.ts_us)
            .map_or(0, |i| i + 1);
        self.packets.insert(at, (ev, now));
    }

    /// Whether packet `p` goes before event `e`. A packet stamped in the same microsecond as
    /// an `Enter` was sent by the call: after it; as an `Exit`, before the call returned.
    fn before(p: &Event, e: &Event) -> bool {
        match e.phase {
            Phase::Enter => p.ts_us < e.ts_us,
            _ => p.ts_us <= e.ts_us,
        }
    }

    /// The next to go into the timeline: the earlier of the first packet and the first event.
    /// `true` for a packet.
    fn next_is_packet(&self) -> Option<bool> {
        match (self.events.front(), self.packets.front()) {
            (Some((e, _)), Some((p, _))) => Some(Merge::before(p, e)),
            (Some(_), None) => Some(false),
            (None, Some(_)) => Some(true),
            (None, None) => None,
        }
    }

    /// What may go now, in timeline order: whatever has waited [`MERGE`], and the packets
    /// before it; everything, with `all`.
    fn ready(&mut self, now: Instant, all: bool) -> Vec<Event> {
        self.ready_with(now, all, crate::kernel::capture::caught_up_us())
    }

    /// As [`ready`](Merge::ready), the capture having handed over every packet stamped up to
    /// `caught_up` (µs): an event goes once it has waited and the capture has caught up with
    /// its time (a loaded machine can leave the capture thread behind), or once it has waited
    /// [`MERGE_MAX`] whatever happens.
    fn ready_with(&mut self, now: Instant, all: bool, caught_up: u64) -> Vec<Event> {
        let waited = |q: &VecDeque<(Event, Instant)>| {
            q.front().is_some_and(|(ev, at)| {
                all || (now >= *at + MERGE && ev.ts_us <= caught_up) || now >= *at + MERGE_MAX
            })
        };
        let mut out = Vec::new();
        while let Some(packet) = self.next_is_packet() {
            // A packet goes when it has waited, or when the event after it goes.
            let go = waited(&self.events) || (packet && waited(&self.packets));
            if !go {
                break;
            }
            let queue = if packet {
                &mut self.packets
            } else {
                &mut self.events
            };
            if let Some((ev, _)) = queue.pop_front() {
                out.push(ev);
            }
        }
        out
    }

    /// When something can go next.
    fn deadline(&self) -> Option<Instant> {
        let event = self.events.front().map(|(_, at)| *at + MERGE);
        match self.next_is_packet()? {
            true => {
                let packet = self.packets.front().map(|(_, at)| *at + MERGE);
                [event, packet].into_iter().flatten().min()
            }
            false => event,
        }
    }
}

/// Rendered text not written yet, and the one place that decides when it goes out.
struct Pending<W: Write> {
    out: W,
    pace: Pace,
    /// What the renderers appended, whole lines only.
    text: String,
    /// When the oldest line in `text` was rendered.
    since: Option<Instant>,
}

impl<W: Write> Pending<W> {
    fn new(out: W, pace: Pace) -> Pending<W> {
        Pending {
            out,
            pace,
            text: String::with_capacity(BATCH + 4096),
            since: None,
        }
    }

    /// After text was appended: writes everything out when a batch is full, or when the
    /// channel is `idle` and someone watches ([`Pace::Live`]); otherwise notes since when text
    /// waits, for [`Pending::due`].
    fn maybe_flush(&mut self, idle: bool) {
        if self.text.len() >= BATCH || (idle && self.pace == Pace::Live) {
            self.flush();
        } else if !self.text.is_empty() && self.since.is_none() {
            self.since = Some(Instant::now());
        }
    }

    /// Writes everything out now.
    fn flush(&mut self) {
        write_out(&mut self.out, &mut self.text);
        self.since = None;
    }

    /// When the oldest line waiting must be written.
    fn due(&self) -> Option<Instant> {
        self.since.map(|at| at + FILE_DELAY)
    }

    /// Whether the writer should nap and look at the channel rather than sleep on it: lines
    /// wait to go to a file (see [`POLL`]).
    fn polls(&self) -> bool {
        self.pace == Pace::Batched && !self.text.is_empty()
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

    use super::*;
    use crate::trace::{Call, Kind};

    use crate::trace::test_support::Shared;
    use std::sync::{Arc, Mutex, MutexGuard};

    /// `run` lowers the back-pressure flag when it stops: the tests that start it and the one
    /// that watches the flag take turns.
    fn flag_lock() -> MutexGuard<'static, ()> {
        static FLAG: Mutex<()> = Mutex::new(());
        FLAG.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One line an event: its `seq`, its phase, and `merged` when an `Enter` and its `Exit`
    /// make one line.
    struct Lines;

    impl Render for Lines {
        fn render(&mut self, ev: &Event, merged: bool, out: &mut String) {
            let merged = if merged { " merged" } else { "" };
            out.push_str(&format!("{} {:?}{merged}\n", ev.seq, ev.phase));
        }
    }

    /// JSON lines to a file: four threads write 12 MB of lines into their buffers (more than
    /// one `write` takes); once a flush is answered every line is in the file, once, in `seq`
    /// order, whole.
    #[test]
    fn buffered_lines_are_all_written_in_order() {
        let _guard = super::super::lines::TEST_LOCK
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let (tx, rx) = crossbeam_channel::unbounded();
        let out = Shared::default();
        let writer = {
            let out = out.clone();
            std::thread::spawn(move || run_lines(rx, Box::new(out)))
        };
        let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (next, tx) = (Arc::clone(&next), tx.clone());
                std::thread::spawn(move || {
                    for _ in 0..3000 {
                        let appended = super::super::lines::append(&next, |seq, text| {
                            text.push_str(&format!("{seq:08} {}\n", "x".repeat(1000)));
                        });
                        if appended.wake {
                            tx.send(Msg::Wake).unwrap();
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
        tx.send(Msg::Flush(ack_tx)).unwrap();
        ack_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let text = out.text();
        let seqs: Vec<u64> = text
            .lines()
            .map(|l| {
                assert_eq!(l.len(), 1009, "a whole line");
                l[..8].parse().unwrap()
            })
            .collect();
        assert_eq!(seqs, (1..=12_000).collect::<Vec<u64>>());
        tx.send(Msg::Stop).unwrap();
        writer.join().unwrap();
    }

    /// A write of at most `WRITE_MAX` ends after a whole line, even when that many bytes end
    /// inside a character.
    #[test]
    fn a_write_ends_after_a_line_never_inside_a_character() {
        let mut file = Unwritten::default();
        // Lines of 1,001 bytes and `é` (two bytes) placed so byte WRITE_MAX falls inside one.
        let before = WRITE_MAX % 1001 - 1;
        let line = format!("{}é{}\n", "a".repeat(before), "b".repeat(998 - before));
        assert_eq!(line.len(), 1001);
        while file.text.len() < 3 * WRITE_MAX {
            file.text().push_str(&line);
        }
        assert!(!file.text.is_char_boundary(WRITE_MAX));
        let mut out = Vec::new();
        file.write_some(&mut out, true);
        assert!(
            out.len() <= WRITE_MAX && out.len() % 1001 == 0,
            "{}",
            out.len()
        );
        file.write_all(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().all(|l| l.len() == 1000), "every line whole");
        assert_eq!(text.lines().count() * 1001, text.len());
    }

    fn call(phase: Phase) -> Msg {
        Msg::Event(Event::new(Kind::Syscall, phase, Call::Accept4))
    }

    /// Starts `run` on a thread of its own, writing to the returned output.
    fn start(
        pace: Pace,
    ) -> (
        crossbeam_channel::Sender<Msg>,
        Shared,
        std::thread::JoinHandle<Vec<Event>>,
    ) {
        let (tx, rx) = crossbeam_channel::unbounded();
        let out = Shared::default();
        let sink = out.clone();
        let writer =
            std::thread::spawn(move || run(rx, Box::new(Lines), Box::new(sink), pace, true, false));
        (tx, out, writer)
    }

    #[test]
    fn live_writes_as_soon_as_the_channel_is_idle() {
        let mut p = Pending::new(Vec::new(), Pace::Live);
        p.text.push_str("a\n");
        p.maybe_flush(false);
        assert!(p.out.is_empty(), "more events wait: not yet");
        assert!(p.due().is_some(), "but it is noted as waiting");
        p.text.push_str("b\n");
        p.maybe_flush(true);
        assert_eq!(p.out, b"a\nb\n");
        assert!(p.text.is_empty() && p.due().is_none());
        assert!(!p.polls(), "a terminal's writer sleeps on the channel");
    }

    #[test]
    fn batched_waits_for_a_full_batch_or_its_delay() {
        let mut p = Pending::new(Vec::new(), Pace::Batched);
        let before = Instant::now();
        p.text.push_str("a\n");
        p.maybe_flush(true);
        assert!(p.out.is_empty(), "an idle channel is no reason for a file");
        let due = p.due().expect("the line waits");
        assert!(due >= before + FILE_DELAY && due <= Instant::now() + FILE_DELAY);
        assert!(p.polls(), "lines wait: the writer naps and looks");
        p.text.push_str("b\n");
        p.maybe_flush(false);
        assert_eq!(p.due(), Some(due), "the oldest line sets the delay");
        p.text.push_str(&"x".repeat(BATCH));
        p.maybe_flush(false);
        assert_eq!(p.out.len(), 4 + BATCH, "a full batch goes out at once");
        assert!(p.due().is_none() && !p.polls());
        p.flush();
        assert_eq!(p.out.len(), 4 + BATCH, "nothing to write: nothing written");
    }

    #[test]
    fn every_event_is_written_in_order_and_none_lost_on_stop() {
        let _flag = flag_lock();
        for pace in [Pace::Live, Pace::Batched] {
            let (tx, out, writer) = start(pace);
            // Calls that do not block, more than a batch of them, then an `Enter` left waiting
            // and lines a thread rendered itself, one overtaken by the next: all sent before
            // Stop.
            const N: u64 = 10_000;
            for _ in 0..N {
                tx.send(call(Phase::Call)).unwrap();
            }
            tx.send(call(Phase::Enter)).unwrap();
            tx.send(Msg::Line(2, "line 2\n".into())).unwrap();
            tx.send(Msg::Line(1, "line 1\n".into())).unwrap();
            tx.send(Msg::Stop).unwrap();
            let kept = writer.join().unwrap();
            let mut expected: String = (1..=N).map(|n| format!("{n} Call\n")).collect();
            expected.push_str("line 1\nline 2\n");
            expected.push_str(&format!("{} Enter\n", N + 1));
            assert_eq!(out.text(), expected, "{pace:?}");
            assert_eq!(kept.len() as u64, N + 1, "{pace:?}");
            assert!(kept.iter().zip(1..).all(|(ev, n)| ev.seq == n));
        }
    }

    #[test]
    fn flush_writes_everything_before_it_answers() {
        let _flag = flag_lock();
        let (tx, out, writer) = start(Pace::Batched);
        tx.send(call(Phase::Call)).unwrap();
        tx.send(call(Phase::Enter)).unwrap();
        let (ack, done) = crossbeam_channel::bounded(1);
        tx.send(Msg::Flush(ack)).unwrap();
        done.recv().unwrap();
        assert_eq!(out.text(), "1 Call\n2 Enter\n", "the held Enter too");
        tx.send(Msg::Stop).unwrap();
        writer.join().unwrap();
    }

    #[test]
    fn an_enter_and_its_exit_make_one_line_and_a_lone_enter_shows_after_hold() {
        let _flag = flag_lock();
        for pace in [Pace::Live, Pace::Batched] {
            let (tx, out, writer) = start(pace);
            tx.send(call(Phase::Enter)).unwrap();
            tx.send(call(Phase::Exit)).unwrap();
            assert_eq!(
                out.wait_for("2 Exit merged\n"),
                "2 Exit merged\n",
                "{pace:?}"
            );
            // Alone, the Enter is shown waiting once HOLD has passed, without a Stop.
            let sent = Instant::now();
            tx.send(call(Phase::Enter)).unwrap();
            let text = out.wait_for("3 Enter\n");
            assert_eq!(text, "2 Exit merged\n3 Enter\n", "{pace:?}");
            assert!(
                sent.elapsed() >= HOLD,
                "{pace:?}: held for {:?}",
                sent.elapsed()
            );
            tx.send(call(Phase::Exit)).unwrap();
            tx.send(Msg::Stop).unwrap();
            writer.join().unwrap();
            assert_eq!(out.text(), "2 Exit merged\n3 Enter\n4 Exit\n", "{pace:?}");
        }
    }

    fn at(phase: Phase, kind: Kind, ts_us: u64) -> Event {
        let call = if kind == Kind::Packet {
            Call::Packet
        } else {
            Call::Connect
        };
        let mut ev = Event::new(kind, phase, call);
        ev.ts_us = ts_us;
        ev.tid = 7;
        ev
    }

    fn order(evs: &[Event]) -> Vec<(Kind, u64)> {
        evs.iter().map(|e| (e.kind, e.ts_us)).collect()
    }

    /// A capture thread left behind on a loaded machine: the event waits until the capture has
    /// caught up with its time, so the packet stamped before it still goes first.
    #[test]
    fn an_event_waits_for_the_capture_to_catch_up() {
        let t = Instant::now();
        let mut m = Merge::default();
        m.events.push_back((at(Phase::Exit, Kind::Syscall, 300), t));
        assert!(
            m.ready_with(t + MERGE, false, 250).is_empty(),
            "the capture has not read up to the event's time yet"
        );
        m.add_packet(at(Phase::Call, Kind::Packet, 200), t + MERGE);
        let out = m.ready_with(t + MERGE, false, 300);
        assert_eq!(order(&out), [(Kind::Packet, 200), (Kind::Syscall, 300)]);
        // However far behind the capture is, an event does not wait more than MERGE_MAX.
        m.events.push_back((at(Phase::Exit, Kind::Syscall, 900), t));
        assert_eq!(m.ready_with(t + MERGE_MAX, false, 0).len(), 1);
    }

    /// Events keep their order; each packet goes before the first event later than it (after
    /// an `Enter` of the same microsecond, before an `Exit`), once it or that event has waited.
    #[test]
    fn packets_are_merged_between_the_calls_by_time() {
        let t = Instant::now();
        let mut m = Merge::default();
        m.events
            .push_back((at(Phase::Enter, Kind::Syscall, 100), t));
        m.events.push_back((at(Phase::Exit, Kind::Syscall, 300), t));
        m.add_packet(at(Phase::Call, Kind::Packet, 200), t);
        m.add_packet(at(Phase::Call, Kind::Packet, 100), t);
        m.add_packet(at(Phase::Call, Kind::Packet, 50), t);
        m.add_packet(at(Phase::Call, Kind::Packet, 300), t);
        m.add_packet(at(Phase::Call, Kind::Packet, 400), t);
        assert!(
            m.ready_with(t, false, u64::MAX).is_empty(),
            "nothing has waited yet"
        );
        assert_eq!(m.deadline(), Some(t + MERGE));
        let out = m.ready_with(t + MERGE, false, u64::MAX);
        assert_eq!(
            order(&out),
            [
                (Kind::Packet, 50),
                (Kind::Syscall, 100),
                (Kind::Packet, 100),
                (Kind::Packet, 200),
                (Kind::Packet, 300),
                (Kind::Syscall, 300),
                (Kind::Packet, 400),
            ]
        );
        assert_eq!(m.deadline(), None);
    }

    /// A packet later than the first event waits for it, and the writer sleeps until that
    /// event's time comes rather than waking for the packet's.
    #[test]
    fn a_later_packet_waits_for_the_event_before_it() {
        let t = Instant::now();
        let mut m = Merge::default();
        m.add_packet(at(Phase::Call, Kind::Packet, 500), t);
        let later = t + Duration::from_millis(10);
        m.events
            .push_back((at(Phase::Enter, Kind::Syscall, 100), later));
        assert_eq!(m.deadline(), Some(later + MERGE));
        assert!(m.ready_with(t + MERGE, false, u64::MAX).is_empty());
        assert_eq!(
            order(&m.ready_with(later + MERGE, false, u64::MAX)),
            [(Kind::Syscall, 100), (Kind::Packet, 500)]
        );
        // Alone, a packet goes once it has waited; `all` takes everything at once.
        m.add_packet(at(Phase::Call, Kind::Packet, 600), later);
        m.events
            .push_back((at(Phase::Exit, Kind::Syscall, 700), later));
        assert_eq!(
            order(&m.ready_with(later, true, u64::MAX)),
            [(Kind::Packet, 600), (Kind::Syscall, 700)]
        );
    }

    /// Through the writer thread: a packet between an `Enter` and its `Exit` keeps them two
    /// lines, and the events are numbered in the merged order.
    #[test]
    fn the_writer_numbers_the_merged_timeline() {
        let _flag = flag_lock();
        let (tx, rx) = crossbeam_channel::unbounded();
        let out = Shared::default();
        let sink = out.clone();
        let writer = std::thread::spawn(move || {
            run(rx, Box::new(Lines), Box::new(sink), Pace::Live, true, true)
        });
        tx.send(Msg::Event(at(Phase::Enter, Kind::Syscall, 100)))
            .unwrap();
        tx.send(Msg::Event(at(Phase::Exit, Kind::Syscall, 300)))
            .unwrap();
        tx.send(Msg::Packet(at(Phase::Call, Kind::Packet, 200)))
            .unwrap();
        assert_eq!(out.wait_for("3 Exit\n"), "1 Enter\n2 Call\n3 Exit\n");
        tx.send(Msg::Stop).unwrap();
        let kept = writer.join().unwrap();
        assert_eq!(
            kept.iter().map(|e| (e.seq, e.ts_us)).collect::<Vec<_>>(),
            [(1, 100), (2, 200), (3, 300)]
        );
    }

    #[test]
    fn lines_reach_a_file_within_its_delay_without_a_stop() {
        let _flag = flag_lock();
        let (tx, out, writer) = start(Pace::Batched);
        let sent = Instant::now();
        tx.send(call(Phase::Call)).unwrap();
        assert_eq!(out.wait_for("1 Call\n"), "1 Call\n");
        let took = sent.elapsed();
        assert!(
            took < FILE_DELAY + Duration::from_secs(2),
            "written after {took:?}"
        );
        tx.send(Msg::Stop).unwrap();
        writer.join().unwrap();
    }

    #[test]
    fn back_pressure_flag_follows_the_queue() {
        let _flag = flag_lock();
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
