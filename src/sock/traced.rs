//! The one place where every socket call is performed, timed and traced.
//!
//! Each method of [`Socket`](super::Socket) describes its call (name, fd, arguments) and hands
//! the system call itself to [`perform`]. Nothing is formatted when tracing is off.

use std::io;
use std::os::fd::RawFd;

use crate::step;
use crate::trace::{self, Event, Kind, Phase};

/// How a call appears before it runs. `args` gives the arguments known before the call, as
/// strace prints them and in short form: the step gate shows them, and the event keeps them
/// unless the call's description replaces them once it returned.
///
/// `Yes` is for calls that may wait, and also for those another thread reacts to (`send`,
/// `close`, `shutdown`): their `Enter` event is sent before the kernel acts, so the peer's
/// `recv` returning can never appear in the trace before the call that caused it.
pub(crate) enum Blocking<'a> {
    /// The call returns at once: one event, after it returned.
    No {
        args: &'a dyn Fn() -> (String, String),
    },
    /// The call may wait: an `Enter` event with these arguments (what strace prints before
    /// `<unfinished ...>`), then an `Exit` event.
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
    /// The preview is the quoted data right after the fd in `args` (a send: its arguments,
    /// quoted before the call, are kept): taken from there rather than quoted again.
    pub preview_in_args: bool,
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
    /// The arguments known before the call, kept for the event.
    before: (String, String),
}

/// Starts a traced call: waits at the step gate when stepping, then sends the `Enter` event of
/// a call that may block.
pub(crate) fn begin(call: &'static str, fd: Option<RawFd>, blocking: Blocking<'_>) -> Pending {
    let on = trace::enabled();
    let stepping = step::active();
    let (blocks, args) = match blocking {
        Blocking::No { args } => (false, args),
        Blocking::Yes { args } => (true, args),
    };
    let before = if on || stepping {
        args()
    } else {
        (String::new(), String::new())
    };
    if stepping {
        step::gate(call, &before.1);
    }
    let mut phase = Phase::Call;
    if on && blocks {
        let mut ev = Event::new(Kind::Syscall, Phase::Enter, call);
        ev.fd = fd;
        ev.args = before.0.clone();
        ev.brief = before.1.clone();
        trace::emit(ev);
        phase = Phase::Exit;
    }
    Pending {
        call,
        fd,
        phase,
        on,
        before,
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
        let mut outcome = describe(result.as_ref());
        if outcome.args.is_empty() {
            outcome.args = self.before.0;
        }
        if outcome.brief.is_empty() {
            outcome.brief = self.before.1;
        }
        if outcome.preview_in_args && outcome.preview.is_none() {
            outcome.preview = quoted_after_fd(&outcome.args);
        }
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

/// The quoted data that follows the fd in a call's strace arguments (`4, "hello\n"..., 6, ...`
/// gives `"hello\n"...`).
fn quoted_after_fd(args: &str) -> Option<String> {
    let start = args.find(", \"")? + 2;
    let bytes = args.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => break,
            _ => i += 1,
        }
    }
    let mut end = (i + 1).min(args.len());
    if args[end..].starts_with("...") {
        end += 3;
    }
    Some(args[start..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_taken_from_the_arguments() {
        assert_eq!(
            quoted_after_fd(r#"4, "a\"b, c", 6, 0, NULL, 0"#).as_deref(),
            Some(r#""a\"b, c""#)
        );
        assert_eq!(
            quoted_after_fd(r#"4, "abc"..., 100, 0, NULL, 0"#).as_deref(),
            Some(r#""abc"..."#)
        );
        assert_eq!(quoted_after_fd("4, 5"), None);
    }
}
