//! The one place where every socket call is performed, timed and traced.
//!
//! Each method of [`Socket`](super::Socket) describes its call (a [`Spec`]: name, fd, the
//! socket, the arguments) and hands the system call itself to [`perform`]. Nothing is
//! formatted when tracing is off.

use std::io;
use std::net::SocketAddr;
use std::os::fd::RawFd;

use super::Socket;
use crate::step;
use crate::trace::{self, Call, Event, How, Kind, Opt, Phase, SockInfo};

/// A call about to be made.
pub(crate) struct Spec<'a> {
    pub call: Call,
    pub fd: Option<RawFd>,
    /// The call may wait, or another thread reacts to it (`send`, `close`, `shutdown`): its
    /// `Enter` event is sent before the kernel acts, so the peer's `recv` returning can never
    /// appear in the trace before the call that caused it. Otherwise one event, after it
    /// returned.
    pub blocks: bool,
    /// The socket the call works on: the event carries what the trace knows of it.
    pub owner: Option<&'a Socket>,
    /// The socket a call without an owner concerns (`socket` itself, about to create it).
    pub info: Option<SockInfo>,
    /// The option a `setsockopt` sets.
    pub option: Option<Opt>,
    /// The direction a `shutdown` closes.
    pub how: Option<How>,
    /// The buffer size a receive is given.
    pub size: Option<usize>,
    /// The address the call is given (`bind`, `connect`, `sendto`): known before it runs.
    pub addr: Option<SocketAddr>,
    /// The arguments known before the call, as strace prints them and in short form: the step
    /// gate shows them, and the event keeps them unless the call's description replaces them
    /// once it returned.
    pub args: &'a dyn Fn() -> (String, String),
}

impl<'a> Spec<'a> {
    /// A call on `owner` that returns at once.
    pub fn on(owner: &'a Socket, call: Call, args: &'a dyn Fn() -> (String, String)) -> Spec<'a> {
        Spec {
            call,
            fd: Some(owner.fd),
            blocks: false,
            owner: Some(owner),
            info: None,
            option: None,
            how: None,
            size: None,
            addr: None,
            args,
        }
    }

    /// The same call, given `addr`.
    pub fn to(mut self, addr: SocketAddr) -> Spec<'a> {
        self.addr = Some(addr);
        self
    }

    /// The same call, announced before it runs (see [`Spec::blocks`]).
    pub fn blocking(mut self) -> Spec<'a> {
        self.blocks = true;
        self
    }
}

/// What a finished call says about itself, filled in by the method that made it.
#[derive(Default)]
pub(crate) struct Outcome {
    pub args: String,
    pub brief: String,
    /// The return value on success (a new fd, a byte count, 0).
    pub ret: i64,
    pub bytes: Option<usize>,
    pub addr: Option<SocketAddr>,
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
/// kernel reports it. `op` itself records what the call changed in the socket, so the event
/// shows the socket as the call left it.
pub(crate) fn perform<T>(
    spec: Spec<'_>,
    op: impl FnOnce() -> io::Result<T>,
    describe: impl FnOnce(Result<&T, &io::Error>) -> Outcome,
) -> io::Result<T> {
    let pending = begin(spec);
    let result = op();
    pending.finish(&result, describe);
    result
}

/// A call that has started (its `Enter` event sent, if it blocks) and not yet been described.
/// Used directly by the calls whose description needs the buffer the call just filled.
pub(crate) struct Pending<'a> {
    call: Call,
    fd: Option<RawFd>,
    owner: Option<&'a Socket>,
    info: Option<SockInfo>,
    option: Option<Opt>,
    how: Option<How>,
    size: Option<usize>,
    phase: Phase,
    on: bool,
    /// The arguments known before the call, kept for the event.
    before: (String, String),
}

/// The event of a call, before its result is known: for the `Enter` event and the step gate.
fn ahead(spec: &Spec<'_>, before: &(String, String)) -> Event {
    let mut ev = Event::new(Kind::Syscall, Phase::Enter, spec.call.clone());
    ev.fd = spec.fd;
    ev.socket = spec.owner.map(Socket::info).or(spec.info);
    ev.option = spec.option.clone();
    ev.how = spec.how;
    ev.size = spec.size;
    ev.addr = spec.addr;
    ev.args = before.0.clone();
    ev.brief = before.1.clone();
    ev
}

/// Starts a traced call: waits at the step gate when stepping, then sends the `Enter` event of
/// a call that may block.
pub(crate) fn begin(spec: Spec<'_>) -> Pending<'_> {
    // Counted even untraced, for the server's summary (`--recv-size` in numbers).
    trace::counters::count(&spec.call);
    let on = trace::enabled();
    let stepping = step::active();
    let before = if on || stepping {
        (spec.args)()
    } else {
        (String::new(), String::new())
    };
    if stepping {
        step::gate(&ahead(&spec, &before));
    }
    let mut phase = Phase::Call;
    if on && spec.blocks {
        trace::emit(ahead(&spec, &before));
        phase = Phase::Exit;
    }
    Pending {
        call: spec.call,
        fd: spec.fd,
        owner: spec.owner,
        info: spec.info,
        option: spec.option,
        how: spec.how,
        size: spec.size,
        phase,
        on,
        before,
    }
}

impl Pending<'_> {
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
        ev.socket = self.owner.map(Socket::info).or(self.info);
        ev.option = self.option;
        ev.how = self.how;
        ev.size = self.size;
        match result {
            Ok(_) => ev.ret = Some(outcome.ret),
            Err(e) => {
                ev.ret = Some(-1);
                ev.errno = Some(errno_of(e));
            }
        }
        fill(&mut ev, outcome);
        if ev.errno.as_deref() == Some("EADDRINUSE")
            && let Some(local) = ev.addr.or(ev.socket.and_then(|s| s.local))
        {
            // What holds the port, as the kernel shows it now: the explanation tells another
            // server from old connections by it.
            ev.port_use = Some(crate::kernel::ports::port_use(
                ev.socket.is_some_and(|s| s.is_udp()),
                local.port(),
            ));
        }
        let probes = super::probe::after(&mut ev, self.owner);
        trace::emit(ev);
        for probe in probes {
            trace::emit(probe);
        }
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
