//! Which explanation is true for this event: chosen from its fields (the call, the socket's
//! type and role, who closed first, the errno, the option set), never from formatted text.
//!
//! The result is a list of keys of `texts.toml`, said in that order, and the values that fill
//! their `{name}` holes.

use std::net::SocketAddr;

use crate::kernel::diag::unmapped;

use crate::trace::{
    Call, Event, Family, How, Kind, Note, OptName, Phase, Role, Side, SockInfo, SockRole, SockType,
};

/// What to say under an event.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Topic {
    /// Keys of `texts.toml`, in order.
    pub keys: Vec<&'static str>,
    /// The values of the `{name}` holes.
    pub values: Vec<(&'static str, String)>,
}

impl Topic {
    fn one(key: &'static str) -> Topic {
        Topic {
            keys: vec![key],
            values: Vec::new(),
        }
    }

    fn with(mut self, name: &'static str, value: impl ToString) -> Topic {
        self.values.push((name, value.to_string()));
        self
    }
}

/// The keys for `ev`, or `None` for an event nothing is said about.
pub fn topic(ev: &Event) -> Option<Topic> {
    match ev.kind {
        Kind::Note => return note_topic(ev),
        Kind::Probe | Kind::Packet => return None,
        Kind::Library => return Some(Topic::one("getaddrinfo")),
        Kind::Syscall => {}
    }
    let sock = ev.socket;
    if let Some(s) = sock.filter(|s| s.resolver) {
        return Some(Topic::one(match (&ev.call, s.family) {
            (Call::Connect, Family::Unix) => "connect.nscd",
            (Call::Connect, _) => "connect.dns",
            _ => "resolver.call",
        }));
    }
    if let Some(t) = sock
        .filter(|s| s.family == Family::Unix)
        .and_then(|s| unix_topic(ev, s))
    {
        return Some(t);
    }
    let udp = sock.is_some_and(|s| s.ty == SockType::Dgram);
    if let Some(errno) = &ev.errno {
        return errno_topic(ev, errno, sock);
    }
    let done = ev.phase != Phase::Enter;
    let topic = match &ev.call {
        Call::Socket => socket_topic(ev),
        Call::Setsockopt => option_topic(ev, udp),
        Call::Bind => bind_topic(ev.addr.or(sock.and_then(|s| s.local))),
        Call::Listen => Topic::one("listen"),
        c if c.accepts() => {
            let mut t = Topic::one("accept");
            // `::ffff:a.b.c.d`: an IPv4 peer seen through an IPv6 socket.
            if ev.addr.is_some_and(|a| unmapped(a) != a) {
                t.keys.push("accept.mapped");
            }
            t
        }
        Call::Connect if udp => Topic::one("connect.udp"),
        Call::Connect => Topic::one("connect.tcp"),
        c if c.receives() => plain_rw(ev, recv_topic(ev, sock, done)),
        c if c.sends() && udp => plain_rw(ev, Topic::one("send.udp")),
        c if c.sends() => plain_rw(ev, Topic::one("send.tcp")),
        Call::Shutdown => shutdown_topic(ev, sock),
        Call::Close => close_topic(sock, ev.role),
        // On a connection, no port 0 to learn: this side's end of it.
        Call::Getsockname if sock.is_some_and(|s| s.role == SockRole::Connected) => {
            Topic::one("getsockname.connected")
        }
        Call::Getsockname => Topic::one("getsockname"),
        Call::Getpeername => Topic::one("getpeername"),
        Call::Poll | Call::Ppoll => Topic::one("poll"),
        Call::EpollWait | Call::EpollPwait => Topic::one("epoll_wait"),
        Call::EpollCtl => Topic::one("epoll_ctl"),
        Call::Select | Call::Pselect6 => Topic::one("select"),
        Call::Fcntl => Topic::one("fcntl"),
        Call::Getsockopt => Topic::one("getsockopt"),
        Call::Socketpair => Topic::one("socketpair"),
        _ => return None,
    };
    Some(topic)
}

/// A local (`AF_UNIX`) socket: no address, port, handshake, FIN or TIME_WAIT, and errors of
/// the file system. `None` for what is said as for any socket (`accept`, `getsockname`,
/// `poll`, the options, most errnos).
fn unix_topic(ev: &Event, s: SockInfo) -> Option<Topic> {
    let stream = s.ty == SockType::Stream;
    if let Some(errno) = &ev.errno {
        let key = match errno.as_str() {
            "ENOENT" if ev.call == Call::Connect => "errno.ENOENT.unix",
            "ECONNREFUSED" => "errno.ECONNREFUSED.unix",
            "EADDRINUSE" => "errno.EADDRINUSE.unix",
            "EPIPE" => "errno.EPIPE.unix",
            "ECONNRESET" => "errno.ECONNRESET.unix",
            "EACCES" => "errno.EACCES.unix",
            _ => return None,
        };
        return Some(Topic::one(key));
    }
    let done = ev.phase != Phase::Enter;
    let key = match &ev.call {
        Call::Socket => "socket.unix",
        Call::Bind => "bind.unix",
        Call::Listen => "listen.unix",
        Call::Connect => "connect.unix",
        c if c.receives() => {
            let key = match ev.ret.filter(|_| done) {
                Some(0) if woken_by_own_shutdown(Some(s)) => "recv.shut",
                Some(0) if stream => "recv.unix.eof",
                _ => "recv.unix",
            };
            return Some(plain_rw(ev, Topic::one(key)));
        }
        c if c.sends() => return Some(plain_rw(ev, Topic::one("send.unix"))),
        Call::Shutdown => "shutdown.unix",
        Call::Getsockname => "getsockname.unix",
        Call::Close => match (s.ty, s.role) {
            _ if s.dup => "close.dup",
            (SockType::Dgram, _) => "close.unix.dgram",
            (_, SockRole::Unconnected) => "close.unconnected",
            _ if s.shared => "close.unix.shared",
            (_, SockRole::Listening) => "close.unix.listening",
            _ => "close.unix",
        },
        _ => return None,
    };
    Some(Topic::one(key))
}

/// `read` and `write` on a socket (C programs use them): the same as `recv` and `send` with
/// no flags, said before what the call did.
fn plain_rw(ev: &Event, mut t: Topic) -> Topic {
    match ev.call {
        Call::Read => t.keys.insert(0, "read.socket"),
        Call::Write => t.keys.insert(0, "write.socket"),
        _ => {}
    }
    t
}

/// A note is said in its own words; one needs more: a program killed by SIGPIPE, which C
/// programs meet at their first write on a cut connection and die of without a word.
fn note_topic(ev: &Event) -> Option<Topic> {
    match &ev.note {
        Some(Note::Exit {
            signal: Some(s), ..
        }) if s == "SIGPIPE" => Some(Topic::one("exit.SIGPIPE")),
        _ => None,
    }
}

fn socket_topic(ev: &Event) -> Topic {
    // The arguments the program asked for; the event's socket says the same once created.
    let (family, ty) = match ev.socket {
        Some(s) => (s.family, s.ty),
        None => return Topic::one("socket.stream"),
    };
    let mut t = Topic::one(match ty {
        SockType::Dgram => "socket.dgram",
        _ => "socket.stream",
    });
    match family {
        Family::Inet => t.keys.push("socket.inet"),
        Family::Inet6 => t.keys.push("socket.inet6"),
        _ => {}
    }
    t
}

fn option_topic(ev: &Event, udp: bool) -> Topic {
    let Some(opt) = &ev.option else {
        return Topic::one("opt.other");
    };
    Topic::one(match (&opt.name, udp) {
        (OptName::ReuseAddr, false) => "opt.SO_REUSEADDR.tcp",
        (OptName::ReuseAddr, true) => "opt.SO_REUSEADDR.udp",
        (OptName::V6Only, _) if opt.value == Some(0) => "opt.IPV6_V6ONLY.0",
        (OptName::V6Only, _) => "opt.IPV6_V6ONLY.1",
        (OptName::RcvTimeo, _) => "opt.SO_RCVTIMEO",
        (OptName::SndTimeo, _) => "opt.SO_SNDTIMEO",
        (OptName::Linger, _) => "opt.SO_LINGER",
        _ => "opt.other",
    })
}

fn bind_topic(addr: Option<SocketAddr>) -> Topic {
    let Some(addr) = addr else {
        return Topic::one("bind.host");
    };
    let ip = addr.ip();
    let mut t = Topic::one(if ip.is_unspecified() {
        "bind.any"
    } else if unmapped(addr).ip().is_loopback() {
        "bind.loopback"
    } else {
        "bind.host"
    });
    if addr.port() == 0 {
        t.keys.push("bind.port0");
    }
    t
}

fn recv_topic(ev: &Event, sock: Option<SockInfo>, done: bool) -> Topic {
    let udp = sock.is_some_and(|s| s.ty == SockType::Dgram);
    let got = ev.ret.filter(|_| done);
    match (udp, got) {
        // A 0 this program caused itself: its own shutdown woke the call up.
        (_, Some(0)) if woken_by_own_shutdown(sock) => Topic::one("recv.shut"),
        (true, Some(0)) => Topic::one("recv.udp.empty"),
        (true, Some(n)) if ev.bytes.is_some_and(|b| b > 0) && truncated(ev, n) => {
            let mut t = Topic::one("recv.udp");
            t.keys.push("recv.udp.trunc");
            t
        }
        (true, _) => Topic::one("recv.udp"),
        (false, Some(0)) => Topic::one("recv.tcp.eof"),
        (false, _) => Topic::one("recv.tcp"),
    }
}

/// A `recvfrom` that returned more than the buffer it was given: with `MSG_TRUNC`, the
/// datagram's real length.
fn truncated(ev: &Event, n: i64) -> bool {
    ev.size.is_some_and(|cap| n as usize > cap)
}

/// The socket's own reading side was shut down (by this program) and nothing says the peer
/// closed: a 0 then is the wake-up, not an end of stream or an empty datagram.
fn woken_by_own_shutdown(sock: Option<SockInfo>) -> bool {
    sock.is_some_and(|s| s.shut_read && s.closed_first != Some(Side::Peer))
}

fn shutdown_topic(ev: &Event, sock: Option<SockInfo>) -> Topic {
    match sock.map(|s| (s.ty, s.role)) {
        Some((SockType::Dgram, _)) => Topic::one("shutdown.udp"),
        Some((_, SockRole::Listening)) => Topic::one("shutdown.listening"),
        _ => Topic::one(match ev.how.unwrap_or(How::Both) {
            How::Read => "shutdown.read",
            How::Write => "shutdown.write",
            How::Both => "shutdown.both",
        }),
    }
}

fn close_topic(sock: Option<SockInfo>, role: Role) -> Topic {
    let Some(s) = sock else {
        return Topic::one("close.unconnected");
    };
    // After fork: the other process's descriptor keeps the socket alive. The veilleur's
    // copies are the parent's; any other thread's, a child's.
    let veilleur = role == Role::Veilleur;
    match (s.ty, s.role) {
        // Another descriptor of this process (dup): it keeps the socket, whatever its kind.
        _ if s.dup => Topic::one("close.dup"),
        (SockType::Dgram, _) => Topic::one("close.udp"),
        (_, SockRole::Listening) if s.shared && veilleur => {
            Topic::one("close.shared.listening.parent")
        }
        (_, SockRole::Listening) if s.shared => Topic::one("close.shared.listening"),
        (_, SockRole::Connected) if s.shared && veilleur => Topic::one("close.shared.connected"),
        (_, SockRole::Connected) if s.shared => Topic::one("close.shared.connected.child"),
        (_, SockRole::Listening) => Topic::one("close.listening"),
        (_, SockRole::Unconnected) => Topic::one("close.unconnected"),
        _ => match (s.unread, s.closed_first) {
            (Some(n), _) if n > 0 => Topic::one("close.tcp.unread").with("unread", n),
            (_, Some(Side::Peer)) => Topic::one("close.tcp.passive"),
            (_, Some(Side::Local)) => Topic::one("close.tcp.after_shutdown"),
            (_, None) => Topic::one("close.tcp.active"),
        },
    }
}

fn errno_topic(ev: &Event, errno: &str, sock: Option<SockInfo>) -> Option<Topic> {
    let udp = sock.is_some_and(|s| s.ty == SockType::Dgram);
    let topic = match errno {
        "EADDRINUSE" => match ev.port_use {
            Some(u) if udp => Topic::one("errno.EADDRINUSE.udp").with("port", u.port),
            Some(u) if u.listening > 0 => {
                Topic::one("errno.EADDRINUSE.listener").with("port", u.port)
            }
            Some(u) if u.lingering > 0 => Topic::one("errno.EADDRINUSE.lingering")
                .with("port", u.port)
                .with("lingering", u.lingering),
            _ => Topic::one("errno.EADDRINUSE"),
        },
        "ENOTCONN" if udp && ev.call == Call::Shutdown => Topic::one("errno.ENOTCONN.udp"),
        "ECONNREFUSED" if udp => Topic::one("errno.ECONNREFUSED.udp"),
        "EINVAL" if ev.call.accepts() => Topic::one("errno.EINVAL.accept"),
        "ENFILE" => Topic::one("errno.EMFILE"),
        "EAI_NODATA" | "EAI_FAIL" => Topic::one("errno.EAI_NONAME"),
        other => Topic::one(errno_key(other)?),
    };
    Some(topic)
}

/// The key of an errno's own text, for the errnos `texts.toml` explains.
pub fn errno_key(errno: &str) -> Option<&'static str> {
    const KNOWN: &[&str] = &[
        "errno.EADDRINUSE",
        "errno.ECONNREFUSED",
        "errno.ECONNRESET",
        "errno.EPIPE",
        "errno.ENOTCONN",
        "errno.ETIMEDOUT",
        "errno.EAGAIN",
        "errno.ENETUNREACH",
        "errno.EHOSTUNREACH",
        "errno.EACCES",
        "errno.EADDRNOTAVAIL",
        "errno.EINVAL",
        "errno.EMFILE",
        "errno.EINPROGRESS",
        "errno.EMSGSIZE",
        "errno.EAI_NONAME",
        "errno.EAI_AGAIN",
    ];
    KNOWN
        .iter()
        .find(|k| k.strip_prefix("errno.") == Some(errno))
        .copied()
}
