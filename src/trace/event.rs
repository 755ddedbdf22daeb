//! The trace event: one per call (two for a call that blocks), typed, so that every part that
//! reads it (renderers, explanations, columns, diagrams) reads fields and never text another
//! part formatted.

use std::fmt;
use std::net::SocketAddr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::kernel::diag::DiagSocket;
pub use crate::kernel::packet::{Packet, TcpFlag, Transport};

pub use super::note::Note;
pub use super::sockinfo::{
    Family, How, Opt, OptName, PortUse, Queue, Side, SockInfo, SockRole, SockType, TcpState,
};

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
    /// A system call socklab itself makes to read what the kernel knows of a socket (how many
    /// bytes wait unread before a `close`). strace shows it too, so it is traced, as its own
    /// kind, so a reader can tell it from the program's own calls.
    Probe,
    /// A TCP segment or UDP datagram captured on the loopback interface (`--packets`): no
    /// call of the program's, but what its calls made the kernel send. Its time is the
    /// kernel's receive timestamp, so it sits between the calls around it.
    Packet,
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

/// What the thread that made the call is for, in the story of the labs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Role {
    /// The server's thread that owns the listening socket and only accepts.
    #[serde(rename = "veilleur")]
    Veilleur,
    /// A server thread that serves one accepted connection and closes it.
    #[serde(rename = "exécutant")]
    Executant,
    /// A client.
    #[serde(rename = "client")]
    Client,
    /// A program's only thread, or a server that serves everyone itself (iterative, select,
    /// UDP).
    #[default]
    #[serde(rename = "main")]
    Main,
    /// A helper thread of a server (the chat's broadcaster).
    #[serde(rename = "helper")]
    Helper,
    /// The demo's own thread, which starts and stops the server: not part of the lesson.
    #[serde(rename = "harness")]
    Harness,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Veilleur => "veilleur",
            Role::Executant => "exécutant",
            Role::Client => "client",
            Role::Main => "main",
            Role::Helper => "helper",
            Role::Harness => "harness",
        }
    }
}

/// The call, by the name strace prints for it. The variants are the calls a socket program
/// makes; any other system call keeps its name in [`Call::Other`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Call {
    Socket,
    Socketpair,
    Bind,
    Listen,
    Accept,
    Accept4,
    Connect,
    Getsockname,
    Getpeername,
    Setsockopt,
    Getsockopt,
    Send,
    Sendto,
    Sendmsg,
    Recv,
    Recvfrom,
    Recvmsg,
    Read,
    Write,
    Close,
    Dup,
    Dup2,
    Dup3,
    Shutdown,
    Poll,
    Ppoll,
    Select,
    Pselect6,
    EpollCreate1,
    EpollCtl,
    EpollWait,
    EpollPwait,
    Fcntl,
    Ioctl,
    /// Name resolution: library work, no system call.
    Getaddrinfo,
    /// A note: no call at all.
    Note,
    /// A packet seen on the wire: no call at all.
    Packet,
    /// A call this list does not name, by its name.
    Other(String),
}

/// Every named call with its strace name, in one table read both ways.
const NAMES: &[(Call, &str)] = &[
    (Call::Socket, "socket"),
    (Call::Socketpair, "socketpair"),
    (Call::Bind, "bind"),
    (Call::Listen, "listen"),
    (Call::Accept, "accept"),
    (Call::Accept4, "accept4"),
    (Call::Connect, "connect"),
    (Call::Getsockname, "getsockname"),
    (Call::Getpeername, "getpeername"),
    (Call::Setsockopt, "setsockopt"),
    (Call::Getsockopt, "getsockopt"),
    (Call::Send, "send"),
    (Call::Sendto, "sendto"),
    (Call::Sendmsg, "sendmsg"),
    (Call::Recv, "recv"),
    (Call::Recvfrom, "recvfrom"),
    (Call::Recvmsg, "recvmsg"),
    (Call::Read, "read"),
    (Call::Write, "write"),
    (Call::Close, "close"),
    (Call::Dup, "dup"),
    (Call::Dup2, "dup2"),
    (Call::Dup3, "dup3"),
    (Call::Shutdown, "shutdown"),
    (Call::Poll, "poll"),
    (Call::Ppoll, "ppoll"),
    (Call::Select, "select"),
    (Call::Pselect6, "pselect6"),
    (Call::EpollCreate1, "epoll_create1"),
    (Call::EpollCtl, "epoll_ctl"),
    (Call::EpollWait, "epoll_wait"),
    (Call::EpollPwait, "epoll_pwait"),
    (Call::Fcntl, "fcntl"),
    (Call::Ioctl, "ioctl"),
    (Call::Getaddrinfo, "getaddrinfo"),
    (Call::Note, "note"),
    (Call::Packet, "packet"),
];

impl Call {
    /// The name strace prints.
    pub fn name(&self) -> &str {
        if let Call::Other(name) = self {
            return name;
        }
        NAMES
            .iter()
            .find(|(c, _)| c == self)
            .map_or("?", |(_, n)| n)
    }

    /// The call of that name; a name the list does not know is kept as [`Call::Other`].
    pub fn from_name(name: &str) -> Call {
        NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map_or_else(|| Call::Other(name.to_string()), |(c, _)| c.clone())
    }

    /// Calls that receive data (`recv`, `recvfrom`, `recvmsg`, and `read` on a socket).
    pub fn receives(&self) -> bool {
        matches!(
            self,
            Call::Recv | Call::Recvfrom | Call::Recvmsg | Call::Read
        )
    }

    /// Calls that send data.
    pub fn sends(&self) -> bool {
        matches!(
            self,
            Call::Send | Call::Sendto | Call::Sendmsg | Call::Write
        )
    }

    /// Calls that take a connection from the queue.
    pub fn accepts(&self) -> bool {
        matches!(self, Call::Accept | Call::Accept4)
    }

    /// Calls that wait on several descriptors at once.
    pub fn multiplexes(&self) -> bool {
        matches!(
            self,
            Call::Poll
                | Call::Ppoll
                | Call::Select
                | Call::Pselect6
                | Call::EpollWait
                | Call::EpollPwait
        )
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Call {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Call {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Call, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(d)?;
        Ok(Call::from_name(&name))
    }
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
    /// What the thread is for: veilleur, exécutant, client, main, helper, harness.
    #[serde(default)]
    pub role: Role,
    pub kind: Kind,
    pub phase: Phase,
    /// The system call, by the name strace prints (`accept4`, `recvfrom`, `sendto`, ...).
    pub call: Call,
    /// The arguments as strace prints them. For an `Enter` event, the part known before the
    /// call returns (strace's `<unfinished ...>` line). For a note, its text in the trace's
    /// language (the note itself is in `note`).
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
    /// The address the call involved (`IP:port`): the client an `accept` returned, where a
    /// datagram came from or goes to, the address given to `bind` or `connect`, a socket's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addr: Option<SocketAddr>,
    /// The path given to `bind` or `connect` on a local (`AF_UNIX`) socket (`@name` for an
    /// abstract one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The first bytes of the data, escaped as strace escapes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// What strace prints after the return value (`([{fd=3, revents=POLLIN}])` for poll).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The socket `fd` is, as the call left it (for a `close`, as it was just before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket: Option<SockInfo>,
    /// The note, for a `note` event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Note>,
    /// The option a `setsockopt` or `getsockopt` sets or reads, and its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<Opt>,
    /// For a `shutdown`: which direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how: Option<How>,
    /// For a receive: the size of the buffer it was given (a `recvfrom` that returns more had
    /// its datagram truncated, `MSG_TRUNC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<usize>,
    /// The TCP state the kernel reported after the call (`TCP_INFO`; after a `close`, the
    /// connection looked up by its address pair through sock_diag), with the kernel view on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_state: Option<TcpState>,
    /// After a `close`: milliseconds left before the kernel forgets the connection (TIME_WAIT's
    /// 60 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_timer_ms: Option<u32>,
    /// A listening socket's accept queue, after `listen` or `accept`, with the kernel view on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<Queue>,
    /// `--sockets`: the program's TCP connections as the kernel listed them right after this
    /// call (which changed one's state), as `ss -tan` shows them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sockets: Option<Vec<DiagSocket>>,
    /// For a `bind` that failed with `EADDRINUSE`: the sockets the kernel showed on that port
    /// at that moment, which tell "another server listens" from "old connections linger".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_use: Option<PortUse>,
    /// For a `packet` event: the segment or datagram, decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packet: Option<Packet>,
    /// The captured data itself, for `--hexdump` (not serialized: `preview` is).
    #[serde(skip)]
    pub data: Vec<u8>,
}

impl Event {
    /// An event with the given kind and call and nothing else filled in; the tracer fills in
    /// the time and the thread.
    pub fn new(kind: Kind, phase: Phase, call: Call) -> Event {
        Event {
            seq: 0,
            ts_us: 0,
            pid: 0,
            tid: 0,
            thread: String::new(),
            role: Role::Main,
            kind,
            phase,
            call,
            args: String::new(),
            brief: String::new(),
            fd: None,
            ret: None,
            errno: None,
            bytes: None,
            addr: None,
            path: None,
            preview: None,
            detail: None,
            socket: None,
            note: None,
            option: None,
            how: None,
            size: None,
            tcp_state: None,
            tcp_timer_ms: None,
            queue: None,
            sockets: None,
            port_use: None,
            packet: None,
            data: Vec::new(),
        }
    }

    /// True when the call failed.
    pub fn failed(&self) -> bool {
        self.errno.is_some()
    }

    /// The socket's type, when the event knows its socket.
    pub fn sock_type(&self) -> Option<SockType> {
        self.socket.map(|s| s.ty)
    }

    /// The address of the peer, from the socket or from the call itself.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.socket.and_then(|s| s.peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_names_round_trip() {
        for (call, name) in NAMES {
            assert_eq!(call.name(), *name);
            assert_eq!(&Call::from_name(name), call);
        }
        assert_eq!(
            Call::from_name("sendmmsg"),
            Call::Other("sendmmsg".into()),
            "a call the list does not name keeps its name"
        );
        assert_eq!(Call::Other("sendmmsg".into()).name(), "sendmmsg");
        let json = serde_json::to_string(&Call::Accept4).unwrap();
        assert_eq!(json, "\"accept4\"");
        let back: Call = serde_json::from_str("\"epoll_wait\"").unwrap();
        assert_eq!(back, Call::EpollWait);
    }
}
