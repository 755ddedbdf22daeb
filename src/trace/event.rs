//! The trace event: one per call (two for a call that blocks).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// What kind of thing happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A system call: the kernel saw it, and `strace` shows it under the same name.
    Syscall,
    /// Library work that is not one system call (name resolution): never shown as a syscall.
    Library,
    /// Something the program did that involves no call at all (a connection handed to an
    /// exécutant, a thread ending): shown so the story of the server can be followed.
    Note,
}

/// Where in the call this event stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// A call that does not block, traced once it returned.
    Call,
    /// A call that may block, traced as it starts: while it waits, this is what shows.
    Enter,
    /// The return of a call traced by an `Enter` event.
    Exit,
}

/// One trace event. Field names are the JSON Lines format's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Global order, assigned by the writer as events arrive.
    pub seq: u64,
    /// Microseconds since the Unix epoch (comparable with `strace -ttt`).
    pub ts_us: u64,
    pub pid: u32,
    /// The kernel's thread id (`gettid()`), the number `strace -f` prints.
    pub tid: u32,
    /// `main`, `client`, `veilleur`, `exécutant-N`, ...
    pub thread: String,
    pub kind: Kind,
    pub phase: Phase,
    /// The system call's name as strace prints it (`accept4`, `recvfrom`, `sendto`, ...).
    pub call: Cow<'static, str>,
    /// The arguments as strace prints them. For an `Enter` event, the part known before the
    /// call returns (strace's `<unfinished ...>` line).
    pub args: String,
    /// A short, friendlier form of the arguments for the pretty renderer.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub brief: String,
    /// The socket the call works on, when it works on one.
    #[serde(default)]
    pub fd: Option<i32>,
    /// The return value (a new fd, a byte count, 0, or -1 on error). `None` on an `Enter`.
    #[serde(default)]
    pub ret: Option<i64>,
    /// The error's name (`ECONNREFUSED`), when the call failed.
    #[serde(default)]
    pub errno: Option<String>,
    /// Bytes moved, for calls that move data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<usize>,
    /// The peer or local address the call involved, as `IP:port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    /// The first bytes of the data, escaped as strace escapes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// What strace prints after the return value (`([{fd=3, revents=POLLIN}])` for poll).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The captured data itself, for `--hexdump` (not serialized: `preview` is).
    #[serde(skip)]
    pub data: Vec<u8>,
}

impl Event {
    /// An event with the given kind and call and nothing else filled in; the tracer fills in
    /// the time and the thread.
    pub fn new(kind: Kind, phase: Phase, call: impl Into<Cow<'static, str>>) -> Event {
        Event {
            seq: 0,
            ts_us: 0,
            pid: 0,
            tid: 0,
            thread: String::new(),
            kind,
            phase,
            call: call.into(),
            args: String::new(),
            brief: String::new(),
            fd: None,
            ret: None,
            errno: None,
            bytes: None,
            addr: None,
            preview: None,
            detail: None,
            data: Vec::new(),
        }
    }

    /// True when the call failed.
    pub fn failed(&self) -> bool {
        self.errno.is_some()
    }
}
