//! The one place where every socket call is performed, timed and traced.
//!
//! Each method of [`Socket`](super::Socket) describes its call (name, fd, arguments) and hands
//! the system call itself to [`perform`]. Nothing is formatted when tracing is off.

use std::io;
use std::os::fd::RawFd;

use crate::trace::{self, Event, Kind, Phase};

/// How a call appears before it runs.
pub(crate) enum Blocking<'a> {
    /// The call returns at once: one event, after it returned.
    No,
    /// The call may wait: an `Enter` event with these arguments (what strace prints before
    /// `<unfinished ...>`) and this short form, then an `Exit` event.
    Yes {
        args: &'a dyn Fn() -> (String, String),
    },
}

/// What a finished call says about itself, filled in by the method that made it.
#[derive(Default)]
pub(crate) struct Outcome {
    pub args: String,
    pub brief: String,
    /// The return value on success (a new fd, a byte count, 0).
    pub ret: i64,
    pub bytes: Option<usize>,
    pub addr: Option<String>,
    pub data: Vec<u8>,
    pub total: usize,
    pub detail: Option<String>,
    /// The preview, when the call already quoted its data for `args` (the same text): saves
    /// quoting the same bytes twice.
    pub preview: Option<String>,
}

/// Runs `op`, one system call, and traces it.
///
/// `describe` is only called when tracing is on; it receives the call's result and says what
/// to show. On failure the errno is taken from the error and the return value is -1, as the
/// kernel reports it.
pub(crate) fn perform<T>(
    call: &'static str,
    fd: Option<RawFd>,
    blocking: Blocking<'_>,
    op: impl FnOnce() -> io::Result<T>,
    describe: impl FnOnce(Result<&T, &io::Error>) -> Outcome,
) -> io::Result<T> {
    let pending = begin(call, fd, blocking);
    let result = op();
    pending.finish(&result, describe);
    result
}

/// A call that has started (its `Enter` event sent, if it blocks) and not yet been described.
/// Used directly by the calls whose description needs the buffer the call just filled.
pub(crate) struct Pending {
    call: &'static str,
    fd: Option<RawFd>,
    phase: Phase,
    on: bool,
}

/// Starts a traced call: sends its `Enter` event when it may block.
pub(crate) fn begin(call: &'static str, fd: Option<RawFd>, blocking: Blocking<'_>) -> Pending {
    let on = trace::enabled();
    let mut phase = Phase::Call;
    if let (true, Blocking::Yes { args }) = (on, blocking) {
        let (args, brief) = args();
        let mut ev = Event::new(Kind::Syscall, Phase::Enter, call);
        ev.fd = fd;
        ev.args = args;
        ev.brief = brief;
        trace::emit(ev);
        phase = Phase::Exit;
    }
    Pending {
        call,
        fd,
        phase,
        on,
    }
}

impl Pending {
    /// Traces the call's return.
    pub(crate) fn finish<T>(
        self,
        result: &io::Result<T>,
        describe: impl FnOnce(Result<&T, &io::Error>) -> Outcome,
    ) {
        if !self.on {
            return;
        }
        let outcome = describe(result.as_ref());
        let mut ev = Event::new(Kind::Syscall, self.phase, self.call);
        ev.fd = self.fd;
        match result {
            Ok(_) => ev.ret = Some(outcome.ret),
            Err(e) => {
                ev.ret = Some(-1);
                ev.errno = Some(errno_of(e));
            }
        }
        fill(&mut ev, outcome);
        trace::emit(ev);
    }
}

/// Copies what the call described into its event, keeping only the first bytes of data.
pub(crate) fn fill(ev: &mut Event, outcome: Outcome) {
    ev.args = outcome.args;
    ev.brief = outcome.brief;
    ev.bytes = outcome.bytes;
    ev.addr = outcome.addr;
    ev.detail = outcome.detail;
    if !outcome.data.is_empty() || outcome.bytes.is_some() {
        let keep = outcome.data.len().min(trace::capture_len());
        ev.preview = Some(outcome.preview.unwrap_or_else(|| {
            trace::escape::strace_quote(
                &outcome.data[..keep],
                outcome.total.max(outcome.data.len()),
                trace::escape::STRACE_STRSIZE,
            )
        }));
        let mut data = outcome.data;
        data.truncate(keep);
        ev.data = data;
    }
}

/// The errno's name (`ECONNREFUSED`) of an error from a system call.
pub(crate) fn errno_of(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => trace::errno_name(code),
        None => "EIO".to_string(),
    }
}

/// Data as strace shows it in a call's arguments: quoted, cut at strace's `-s 64`.
pub(crate) fn quoted(data: &[u8]) -> String {
    trace::escape::strace_quote(data, data.len(), trace::escape::STRACE_STRSIZE)
}

/// The first bytes of some data, kept in the event for the preview and `--hexdump`.
pub(crate) fn captured(data: &[u8]) -> Vec<u8> {
    data[..data.len().min(trace::capture_len())].to_vec()
}

/// The bytes themselves, for a call that hands its preview over already quoted: only when the
/// renderer shows them (pretty, `--hexdump`); for json and strace, nothing (one allocation and
/// one copy less per send or recv traced).
pub(crate) fn kept_bytes(data: &[u8]) -> Vec<u8> {
    if trace::keeps_bytes() {
        captured(data)
    } else {
        Vec::new()
    }
}
