//! The trace: events, the writer thread, and the three renderers.
//!
//! Every traced call builds an [`Event`] and sends it over a crossbeam channel to one writer
//! thread, which renders it and writes it to stderr or to `--trace-file`. The calling thread
//! never waits for the terminal, so tracing changes what the program does as little as
//! possible. JSON is the exception to the rendering: each traced thread writes its own lines
//! (they need no renderer state), and to a file into a buffer of its own that the writer
//! collects ([`lines`]), so a busy server's event costs no allocation and no channel message.
//! No event is ever dropped: when the writer falls behind (a server moving hundreds of
//! megabytes a second, every `recv` traced), up to [`QUEUE`] events wait in the channel (or
//! [`lines::SLOT_MAX`] bytes in a thread's buffer), and then a traced call waits for the writer
//! to catch up, rather than memory growing without limit. [`finish`] drains
//! the channel and flushes the output; `main` calls it before exiting, and so does the Ctrl+C
//! path.

pub mod counters;
mod errno;
pub mod escape;
mod event;
mod helpers;
mod json;
mod lines;
mod note;
mod own;
mod pretty;
pub mod remote;
mod sockinfo;
mod strace_fmt;
mod table;
mod writer;

use std::cell::RefCell;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossbeam_channel::Sender;

pub use errno::{message as errno_message, name as errno_name};
pub use event::{
    Call, Event, Family, How, Kind, Note, Opt, OptName, Packet, Phase, PortUse, Queue, Role, Side,
    SockInfo, SockRole, SockType, TcpFlag, TcpState, Transport,
};
pub use note::RoleOf;
pub use pretty::PrettyRender;

use crate::explain::{ExplainMode, Explainer};
use crate::kernel::capture;
use crate::kernel::packet::Segment;
use crate::kernel::pcap::PcapOut;
use crate::lang::Lang;

/// How the trace is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Coloured, one line per call with an explanation under it.
    #[default]
    Pretty,
    /// The line format of `strace -f`.
    Strace,
    /// JSON Lines, one object per event.
    Json,
    /// No trace at all.
    Off,
}

/// Everything the tracer needs to know, from the command line.
#[derive(Clone, Debug)]
pub struct Config {
    pub format: Format,
    pub file: Option<PathBuf>,
    pub lang: Lang,
    pub explain: ExplainMode,
    pub color: bool,
    pub hexdump: bool,
    /// Keep every event, for a diagram drawn at the end.
    pub keep: bool,
    /// Show the kernel's side: TCP states after the calls, the accept queue.
    pub kernel_view: bool,
    /// `--sockets`: with the kernel view, an ss-like table whenever a state changes.
    pub sockets_table: bool,
    /// `--packets`: a capture runs (see [`start_capture`]); its packets go into the timeline.
    pub packets: bool,
    /// Every event comes from one thread, `socklab trace`'s tracer, which every traced thread
    /// waits for at each of its calls: its JSON lines to a file are written by that thread
    /// (see [`own`]), the other formats rendered by the writer.
    pub one_source: bool,
    /// `socklab trace`: the pretty trace leaves out the processes that make no socket call.
    pub helpers_hidden: bool,
}

/// A renderer turns events into text.
pub trait Render: Send {
    /// Appends the lines for `ev` to `out`. `merged` is true for an `Exit` whose `Enter` was
    /// held back because nothing came in between: it is then shown as one complete call.
    fn render(&mut self, ev: &Event, merged: bool, out: &mut String);

    /// Whether an `Enter` directly followed by its `Exit` may be shown as one line.
    fn merges(&self) -> bool {
        true
    }

    /// Appends what is still to be said once the last event is in.
    fn finish(&mut self, _out: &mut String) {}

    /// The program is about to stop at `call` (step mode, before the call is traced):
    /// appends what is held back and belongs before it.
    fn reveal(&mut self, _call: &Event, _out: &mut String) {}
}

// Events are nearly every message: boxing them would cost an allocation each for nothing.
#[allow(clippy::large_enum_variant)]
enum Msg {
    Event(Event),
    /// An event already written as its JSON line by the thread that traced it, with its `seq`.
    Line(u64, String),
    /// A packet the capture saw, to be merged into the timeline by its time.
    Packet(Event),
    /// Write everything received so far, then answer.
    Flush(Sender<()>),
    /// The program is about to stop at this call (step mode): what the renderer holds back
    /// about its process comes out now, before the prompt.
    Reveal(Box<Event>),
    /// A line is in a thread's buffer and the writer had gone to sleep (see [`lines`]).
    Wake,
    Stop,
}

struct Tracer {
    tx: Sender<Msg>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// How many bytes of data each event keeps (the preview, or more for `--hexdump`).
    capture: usize,
    /// Events keep the bytes themselves, not only their quoted preview: for the pretty
    /// renderer (it shows them its own way) and `--hexdump`. The json and strace renderers
    /// only print the preview.
    keep_bytes: bool,
    pid: u32,
    /// Events are turned into their JSON line by the thread that traced them.
    prerender: bool,
    /// ... into a buffer of the thread's own, which the writer collects (JSON to a file).
    buffered: bool,
    /// `socklab trace`'s JSON lines to a file, rendered and written by the tracer.
    own: Option<std::sync::Arc<own::Own>>,
    /// The language of a note's text (`args`).
    lang: Lang,
    /// Ask the kernel, before a `close`, how many received bytes were never read: the
    /// explanation under that `close` depends on it (RST instead of FIN). Only when someone
    /// reads explanations: the probe is one system call more.
    probe_unread: bool,
    /// Ask the kernel what the calls did (TCP states, the accept queue).
    kernel_view: bool,
    sockets_table: bool,
    /// A capture on a loopback shared with other programs runs: the ports the program uses
    /// are passed on to its filter.
    watch_ports: AtomicBool,
}

/// The next `seq`, when traced threads number their events themselves (`prerender`).
static NEXT_SEQ: AtomicU64 = AtomicU64::new(0);

/// How many events may wait for the writer: a tenth of a second of a busy server, some
/// megabytes of memory.
pub const QUEUE: usize = 16 * 1024;

/// How long a traced call waits between two looks at a full queue.
const QUEUE_WAIT: Duration = Duration::from_micros(200);

static TRACER: OnceLock<Tracer> = OnceLock::new();
static STOPPED: AtomicBool = AtomicBool::new(false);

/// Starts the writer thread. With `Format::Off` (and no diagram to draw) nothing starts and
/// tracing costs one atomic load per call.
pub fn init(config: Config) -> io::Result<()> {
    let renderer: Box<dyn Render> = match config.format {
        Format::Pretty => Box::new(
            pretty::PrettyRender::new(
                Explainer::new(config.lang, config.explain),
                config.hexdump,
                config.color,
            )
            .with_sockets_table(config.sockets_table)
            .hiding_helpers(config.helpers_hidden),
        ),
        Format::Strace => Box::new(strace_fmt::StraceRender::default()),
        Format::Json => Box::new(json::JsonRender),
        Format::Off if config.keep || config.packets => Box::new(NullRender),
        Format::Off => return Ok(()),
    };
    init_with(config, renderer)
}

/// Starts the writer thread with a renderer of the caller's (the demo's columns).
pub fn init_with(config: Config, renderer: Box<dyn Render>) -> io::Result<()> {
    let out: Box<dyn Write + Send> = match &config.file {
        Some(path) => Box::new(std::fs::File::create(path).map_err(|e| {
            io::Error::new(e.kind(), format!("--trace-file {}: {e}", path.display()))
        })?),
        None => Box::new(io::stderr()),
    };
    let capture = if config.hexdump {
        pretty::HEXDUMP_MAX
    } else {
        escape::STRACE_STRSIZE
    };
    let keep = config.keep;
    let packets = config.packets;
    let json_lines = config.format == Format::Json && !config.keep && !config.packets;
    let tracer_writes = json_lines && config.one_source && config.file.is_some();
    let prerender = json_lines && !config.one_source;
    // To a file, the lines wait in the threads' buffers; to stderr someone watches and each
    // line goes to the writer at once.
    let buffered = prerender && config.file.is_some();
    let pace = if config.file.is_some() {
        writer::Pace::Batched
    } else {
        writer::Pace::Live
    };
    // Unbounded, with the limit enforced in `emit`: crossbeam's bounded channel (a ring of
    // QUEUE slots) made every traced call of a busy server measurably slower than its list of
    // small blocks.
    let (tx, rx) = crossbeam_channel::unbounded();
    let (own, out) = if tracer_writes {
        (Some(std::sync::Arc::new(own::Own::new(out))), None)
    } else {
        (None, Some(out))
    };
    let own_lines = own.clone();
    let handle = std::thread::Builder::new()
        .name("trace-writer".into())
        .spawn(move || {
            let _failing = WriterGuard;
            // The output is the tracer's when it writes its own lines.
            let Some(out) = out else {
                if let Some(own) = own_lines {
                    writer::run_own(rx, &own);
                }
                return;
            };
            if buffered {
                writer::run_lines(rx, out);
                return;
            }
            let kept = writer::run(rx, renderer, out, pace, keep, packets);
            *RECORDED.lock().unwrap_or_else(|e| e.into_inner()) = kept;
        })?;
    let tracer = Tracer {
        tx,
        writer: Mutex::new(Some(handle)),
        capture,
        keep_bytes: config.hexdump || !matches!(config.format, Format::Json | Format::Strace),
        // The JSON line needs no renderer state: each traced thread writes its own, and the
        // writer only puts the lines in order and out. A diagram needs the events themselves,
        // and so does the merge with the packets.
        prerender,
        buffered,
        own,
        lang: config.lang,
        probe_unread: config.format == Format::Pretty && config.explain != ExplainMode::Never,
        kernel_view: config.kernel_view,
        sockets_table: config.kernel_view && config.sockets_table,
        pid: std::process::id(),
        watch_ports: AtomicBool::new(false),
    };
    if TRACER.set(tracer).is_err() {
        return Err(io::Error::other("the tracer was already started"));
    }
    Ok(())
}

/// Every event written, when `Config::keep` asked for them; available after [`finish`].
pub fn take_recorded() -> Vec<Event> {
    std::mem::take(&mut *RECORDED.lock().unwrap_or_else(|e| e.into_inner()))
}

static RECORDED: Mutex<Vec<Event>> = Mutex::new(Vec::new());

/// Writes nothing: the trace is only kept (for a diagram).
struct NullRender;

impl Render for NullRender {
    fn render(&mut self, _ev: &Event, _merged: bool, _out: &mut String) {}

    fn merges(&self) -> bool {
        false
    }
}

/// True when calls should build events (a cheap check done before any formatting).
#[inline]
pub fn enabled() -> bool {
    TRACER.get().is_some() && !STOPPED.load(Ordering::Relaxed)
}

/// How many bytes of data an event keeps.
pub fn capture_len() -> usize {
    TRACER.get().map_or(0, |t| t.capture)
}

/// True when a `close` should first ask the kernel how many received bytes were never read.
pub fn probes_unread() -> bool {
    enabled() && TRACER.get().is_some_and(|t| t.probe_unread)
}

/// True when the calls are followed by a look at what the kernel did (`--sockets`,
/// `--packets`): the TCP state after each call, the accept queue.
pub fn kernel_view() -> bool {
    enabled() && TRACER.get().is_some_and(|t| t.kernel_view)
}

/// True when a call that changed a TCP state takes a snapshot of the program's connections.
pub fn sockets_table() -> bool {
    TRACER.get().is_some_and(|t| t.sockets_table)
}

/// True when events must keep the bytes themselves, not only their quoted preview.
pub fn keeps_bytes() -> bool {
    TRACER.get().is_some_and(|t| t.keep_bytes)
}

/// Sends an event to the writer, after stamping it with the time and the calling thread.
pub fn emit(mut ev: Event) {
    let Some(tracer) = TRACER.get() else { return };
    ev.ts_us = now_us();
    // `std::process::id()` is a `getpid` system call each time (the C library no longer
    // caches it): once per event was one system call more per traced call.
    ev.pid = tracer.pid;
    // JSON lines to a file (never with packets, so no ports to watch): written at once into
    // the thread's buffer, its name read where it is kept rather than copied into the event.
    let buffered = tracer.buffered && !remote::in_child();
    let written = THREAD.with(|t| {
        let t = t.borrow();
        ev.tid = t.tid;
        ev.role = t.role;
        if buffered {
            append_line(tracer, &mut ev, &t.name);
        } else {
            ev.thread.clone_from(&t.name);
        }
        buffered
    });
    if written {
        return;
    }
    // A forked exécutant has no writer thread: its events go to its parent, over a pipe.
    if remote::in_child() {
        remote::send(ev);
        return;
    }
    if tracer.watch_ports.load(Ordering::Relaxed) {
        watch_ports(&ev);
    }
    if BEHIND.load(Ordering::Relaxed) {
        wait_for_room(tracer);
    }
    dispatch(tracer, ev);
}

/// Sends an event of another program, one `socklab trace` follows with ptrace: its `pid`,
/// `tid`, `thread` and `role` are the traced thread's, filled in by the caller; only the time
/// is stamped here (when socklab saw the call, as `strace -ttt` does).
pub fn emit_traced(mut ev: Event) {
    let Some(tracer) = TRACER.get() else { return };
    ev.ts_us = now_us();
    if tracer.watch_ports.load(Ordering::Relaxed) {
        watch_ports(&ev);
    }
    if BEHIND.load(Ordering::Relaxed) {
        wait_for_room(tracer);
    }
    dispatch(tracer, ev);
}

/// Hands the writer an event another process traced (a forked exécutant's, read from its
/// pipe by [`remote`]): it keeps its own time, pid, thread and role.
pub(crate) fn forward(ev: Event) {
    let Some(tracer) = TRACER.get() else { return };
    if !enabled() {
        return;
    }
    if BEHIND.load(Ordering::Relaxed) {
        wait_for_room(tracer);
    }
    dispatch(tracer, ev);
}

/// Sends a stamped event to the writer.
fn dispatch(tracer: &Tracer, mut ev: Event) {
    if let Some(own) = &tracer.own {
        own.append(&mut ev);
        return;
    }
    // The writer only goes away in `finish`, after which nothing is traced any more.
    if tracer.buffered {
        let thread = std::mem::take(&mut ev.thread);
        append_line(tracer, &mut ev, &thread);
        return;
    }
    if tracer.prerender {
        // The number is taken here, so it is the order in which the calls were traced; the
        // writer puts back in that order the few lines two threads send the other way round.
        ev.seq = NEXT_SEQ.fetch_add(1, Ordering::Relaxed) + 1;
        let mut line = String::with_capacity(192 + ev.args.len() * 2);
        json::line(&ev, &mut line);
        let _ = tracer.tx.send(Msg::Line(ev.seq, line));
        return;
    }
    let _ = tracer.tx.send(Msg::Event(ev));
}

/// Writes the JSON line of `ev`, done by `thread`, into the calling thread's buffer (see
/// [`lines`]); waits when that buffer is full.
fn append_line(tracer: &Tracer, ev: &mut Event, thread: &str) {
    let appended = lines::append(&NEXT_SEQ, |seq, text| {
        ev.seq = seq;
        json::line_of(ev, thread, text);
    });
    if appended.wake {
        let _ = tracer.tx.send(Msg::Wake);
    }
    if appended.full {
        lines::wait_for_room(|| writing(tracer));
    }
}

/// Set by the writer while [`QUEUE`] events or more wait for it, cleared once it is down to
/// half. Traced calls only read this flag, which stays in every processor's cache: asking the
/// channel its length on every event made every traced call slower.
static BEHIND: AtomicBool = AtomicBool::new(false);

/// Back-pressure: the writer is behind; wait until it has caught up (unless it has stopped,
/// which only `finish` does).
#[cold]
fn wait_for_room(tracer: &Tracer) {
    while BEHIND.load(Ordering::Relaxed) {
        if !writing(tracer) {
            return;
        }
        std::thread::sleep(QUEUE_WAIT);
    }
}

/// Whether the writer still runs (only `finish` stops it).
fn writing(tracer: &Tracer) -> bool {
    tracer
        .writer
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .is_some_and(|h| !h.is_finished())
}

/// The ports a call shows the program uses, for the filter of a capture on a shared loopback:
/// a port bound (before `listen`, so before any packet; with port 0, the one `getsockname`
/// tells), a server connected or sent to.
fn watch_ports(ev: &Event) {
    if ev.kind == Kind::Packet || ev.phase == Phase::Enter || ev.errno.is_some() {
        return;
    }
    let used = match &ev.call {
        Call::Bind | Call::Connect | Call::Getsockname => ev.addr,
        c if c.sends() => ev.addr,
        _ => None,
    };
    if let Some(addr) = used {
        crate::kernel::capture::watch_port(addr.port());
    }
}

/// The capture running, if any.
static CAPTURE: Mutex<Option<capture::Running>> = Mutex::new(None);

/// Starts reading `capture` (opened before any thread started): its packets go into the
/// timeline as events of kind `packet`, and every frame to `pcap` when given. Call it after
/// [`init`].
pub fn start_capture(capture: capture::Capture, pcap: Option<PcapOut>) -> io::Result<()> {
    let shared = capture.scope() == capture::Scope::Shared;
    let pid = std::process::id();
    let sink = Box::new(move |seg: Segment| {
        let Some(tracer) = TRACER.get() else { return };
        if STOPPED.load(Ordering::Relaxed) {
            return;
        }
        let _ = tracer.tx.send(Msg::Packet(packet_event(seg, pid)));
    });
    let running = capture.start(pcap, sink)?;
    if shared && let Some(tracer) = TRACER.get() {
        tracer.watch_ports.store(true, Ordering::Relaxed);
    }
    *CAPTURE.lock().unwrap_or_else(|e| e.into_inner()) = Some(running);
    Ok(())
}

/// The event of a captured packet: its time is the kernel's, its thread none of the program's
/// (`lo`, the interface), its text a one-line summary.
fn packet_event(seg: Segment, pid: u32) -> Event {
    let mut ev = Event::new(Kind::Packet, Phase::Call, Call::Packet);
    ev.ts_us = seg.ts_us;
    ev.pid = pid;
    ev.thread = "lo".into();
    let mut packet = seg.packet;
    if packet.len > 0 {
        packet.preview = Some(escape::strace_quote(
            &seg.data,
            packet.len,
            escape::STRACE_STRSIZE,
        ));
    }
    ev.args = packet.summary();
    ev.packet = Some(packet);
    if keeps_bytes() {
        ev.data = seg.data;
    }
    ev
}

/// Stops the capture: what it holds now goes into the timeline, and the pcap file is written
/// out. The demos call it when their calls are done, before their closing words.
pub fn stop_capture() {
    let running = CAPTURE.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(running) = running {
        running.stop();
    }
}

/// Step mode, before the prompt at `call`: the lines the renderer holds back that belong
/// before it come out (with [`flush`] after it).
pub fn reveal(call: &Event) {
    if let Some(tracer) = TRACER.get() {
        let _ = tracer.tx.send(Msg::Reveal(Box::new(call.clone())));
    }
}

/// Waits until every event sent so far is written out (step mode prompts after it, for one).
pub fn flush() {
    // The packets the calls so far sent are in the capture socket: in the timeline first.
    if let Some(running) = CAPTURE.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        running.drain();
    }
    let Some(tracer) = TRACER.get() else { return };
    let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
    if tracer.tx.send(Msg::Flush(ack_tx)).is_ok() {
        let _ = ack_rx.recv();
    }
}

/// Drains the channel, writes and flushes everything, and stops the writer. Idempotent.
pub fn finish() {
    stop_capture();
    let Some(tracer) = TRACER.get() else { return };
    let handle = tracer
        .writer
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(handle) = handle {
        let _ = tracer.tx.send(Msg::Stop);
        if handle.join().is_err() {
            eprintln!(
                "socklab: {}",
                tracer.lang.pick(
                    "l'écriture de la trace s'est arrêtée en route (une erreur de socklab) : la \
                     fin de la trace manque",
                    "the trace writer stopped early (a socklab bug): the end of the trace is \
                     missing",
                )
            );
        }
        STOPPED.store(true, Ordering::Relaxed);
    }
}

/// Held by the writer thread: should it panic, tracing stops at once (the traced threads
/// would otherwise fill buffers nobody empties), and [`finish`] says the trace is cut.
struct WriterGuard;

impl Drop for WriterGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            STOPPED.store(true, Ordering::Relaxed);
        }
    }
}

/// A note in the trace: something the program did that is no call (a connection handed to an
/// exécutant, a thread ending). The renderers put it into words.
pub fn note(note: Note) {
    let Some(tracer) = TRACER.get() else { return };
    if enabled() {
        let mut ev = Event::new(Kind::Note, Phase::Call, Call::Note);
        // The text in the trace's language, for the JSON and strace lines; the pretty
        // renderer words the note itself.
        ev.args = THREAD.with(|t| note.text(&t.borrow().name, tracer.lang));
        ev.note = Some(note);
        emit(ev);
    }
}

/// `s` in step mode: a note carrying the program's sockets as the kernel lists them now.
pub fn sockets_note() {
    let Some(tracer) = TRACER.get() else { return };
    if enabled() {
        let mut ev = Event::new(Kind::Note, Phase::Call, Call::Note);
        ev.args = THREAD.with(|t| Note::Sockets.text(&t.borrow().name, tracer.lang));
        ev.note = Some(Note::Sockets);
        ev.sockets = Some(crate::kernel::watch::snapshot().unwrap_or_default());
        emit(ev);
    }
}

struct ThreadInfo {
    tid: u32,
    name: String,
    role: Role,
}

thread_local! {
    static THREAD: RefCell<ThreadInfo> = RefCell::new(ThreadInfo {
        // SAFETY: gettid has no preconditions and cannot fail.
        tid: unsafe { libc::gettid() } as u32,
        name: std::thread::current().name().unwrap_or("thread").to_string(),
        role: Role::Main,
    });
}

/// Names the calling thread in the trace (`veilleur`, `exécutant-3`, `client-2`) and says what
/// it is for.
pub fn set_thread(name: &str, role: Role) {
    THREAD.with(|t| {
        let mut t = t.borrow_mut();
        t.name = name.to_string();
        t.role = role;
    });
}

/// The calling thread's role in the trace.
pub fn thread_role() -> Role {
    THREAD.with(|t| t.borrow().role)
}

/// The calling thread's name in the trace.
pub fn thread_name() -> String {
    THREAD.with(|t| t.borrow().name.clone())
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use std::sync::Arc;
    use std::time::Instant;

    /// A trace output the test reads while the writer runs.
    #[derive(Clone, Default)]
    pub struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Shared {
        pub fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }

        /// Waits (bounded) until `what` has been written.
        pub fn wait_for(&self, what: &str) -> String {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let text = self.text();
                if text.contains(what) || Instant::now() > deadline {
                    return text;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A fixed event for renderer tests.
    pub fn sample(call: &'static str, args: &str, ret: Option<i64>, errno: Option<&str>) -> Event {
        let mut ev = Event::new(Kind::Syscall, Phase::Call, Call::from_name(call));
        ev.seq = 7;
        ev.ts_us = 1_700_000_000_000_000;
        ev.pid = 4242;
        ev.tid = 4242;
        ev.thread = "exécutant-1".into();
        ev.role = Role::Executant;
        ev.args = args.into();
        ev.ret = ret;
        ev.errno = errno.map(str::to_string);
        ev
    }
}
