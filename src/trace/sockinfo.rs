//! What the trace knows of a socket: its family and type, what it is used for (listening,
//! connected, datagrams), its addresses, and how its connection ended. Every event on a socket
//! carries it, so an explanation can be true for that socket (a UDP `close` sends nothing, a
//! server that closes after `recv() = 0` is the passive closer).

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

pub use crate::kernel::types::{PortUse, Queue, TcpState};

/// The address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Family {
    #[serde(rename = "AF_INET")]
    Inet,
    #[serde(rename = "AF_INET6")]
    Inet6,
    #[serde(rename = "AF_UNIX")]
    Unix,
    #[serde(rename = "AF_NETLINK")]
    Netlink,
    #[serde(rename = "AF_PACKET")]
    Packet,
    #[serde(other, rename = "other")]
    Other,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Inet => "AF_INET",
            Family::Inet6 => "AF_INET6",
            Family::Unix => "AF_UNIX",
            Family::Netlink => "AF_NETLINK",
            Family::Packet => "AF_PACKET",
            Family::Other => "other",
        }
    }
}

/// The socket type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SockType {
    /// TCP for the internet families.
    #[serde(rename = "SOCK_STREAM")]
    Stream,
    /// UDP for the internet families.
    #[serde(rename = "SOCK_DGRAM")]
    Dgram,
    #[serde(other, rename = "other")]
    Other,
}

impl SockType {
    pub fn name(self) -> &'static str {
        match self {
            SockType::Stream => "SOCK_STREAM",
            SockType::Dgram => "SOCK_DGRAM",
            SockType::Other => "other",
        }
    }
}

/// What the socket is used for, as its calls made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SockRole {
    /// A stream socket not (yet) listening nor connected: just created, bound, or whose
    /// `connect` failed. Closing it sends nothing.
    Unconnected,
    /// A listening socket (`listen` was called): it only hands out connections.
    Listening,
    /// One end of a TCP connection (`connect` succeeded, or `accept` returned it).
    Connected,
    /// A datagram socket: no connection, ever (a `connect` only records a default peer).
    Datagram,
}

/// Which end of a connection closed first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// This socket's program: it sent FIN first (`shutdown(SHUT_WR)` or `close`), the active
    /// close; this side ends in TIME_WAIT.
    Local,
    /// The peer: this program saw `recv() = 0` before closing, the passive close; this side
    /// goes through CLOSE_WAIT and LAST_ACK.
    Peer,
}

/// The socket an event concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SockInfo {
    pub family: Family,
    #[serde(rename = "type")]
    pub ty: SockType,
    pub role: SockRole,
    /// The local address once known (bound, or accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<SocketAddr>,
    /// The peer once known (connected, accepted, or a datagram socket's `connect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<SocketAddr>,
    /// Which side closed first, once the calls show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_first: Option<Side>,
    /// Bytes received by the kernel and never read, when socklab asked (before a `close`,
    /// with explanations on): more than 0 makes that `close` send RST instead of FIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<u32>,
    /// This program shut its own receiving side down (`SHUT_RD`, `SHUT_RDWR`): a `recv` that
    /// returns 0 then says nothing of the peer.
    #[serde(default, skip_serializing_if = "is_false")]
    pub shut_read: bool,
    /// The descriptor was duplicated by `fork`: another process holds one to the same socket,
    /// so a `close` here frees only this process's (the kernel acts on the last one).
    #[serde(default, skip_serializing_if = "is_false")]
    pub shared: bool,
    /// Another descriptor of this same process refers to the socket (`dup`, `dup2`): a
    /// `close` of one frees that descriptor only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub dup: bool,
    /// The C library's socket, made while the program resolves a name (its look for nscd, its
    /// DNS query), not the program's own.
    #[serde(default, skip_serializing_if = "is_false")]
    pub resolver: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Which direction `shutdown` closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum How {
    /// `SHUT_RD`: no more receiving.
    #[serde(rename = "SHUT_RD")]
    Read,
    /// `SHUT_WR`: no more sending; the peer's `recv` returns 0 once it read everything.
    #[serde(rename = "SHUT_WR")]
    Write,
    /// `SHUT_RDWR`: both.
    #[serde(rename = "SHUT_RDWR")]
    Both,
}

impl How {
    pub fn name(self) -> &'static str {
        match self {
            How::Read => "SHUT_RD",
            How::Write => "SHUT_WR",
            How::Both => "SHUT_RDWR",
        }
    }
}

impl SockInfo {
    /// A socket just created.
    pub fn new(family: Family, ty: SockType) -> SockInfo {
        SockInfo {
            family,
            ty,
            role: match ty {
                SockType::Dgram => SockRole::Datagram,
                _ => SockRole::Unconnected,
            },
            local: None,
            peer: None,
            closed_first: None,
            unread: None,
            shut_read: false,
            shared: false,
            dup: false,
            resolver: false,
        }
    }

    /// TCP (a stream socket of an internet family).
    pub fn is_tcp(&self) -> bool {
        self.ty == SockType::Stream && matches!(self.family, Family::Inet | Family::Inet6)
    }

    /// UDP.
    pub fn is_udp(&self) -> bool {
        self.ty == SockType::Dgram && matches!(self.family, Family::Inet | Family::Inet6)
    }
}

/// A socket option, by the name strace prints.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OptName {
    #[serde(rename = "SO_REUSEADDR")]
    ReuseAddr,
    #[serde(rename = "SO_REUSEPORT")]
    ReusePort,
    #[serde(rename = "IPV6_V6ONLY")]
    V6Only,
    #[serde(rename = "SO_RCVTIMEO")]
    RcvTimeo,
    #[serde(rename = "SO_SNDTIMEO")]
    SndTimeo,
    #[serde(rename = "SO_LINGER")]
    Linger,
    #[serde(rename = "SO_ERROR")]
    Error,
    #[serde(rename = "SO_KEEPALIVE")]
    KeepAlive,
    #[serde(rename = "TCP_NODELAY")]
    NoDelay,
    #[serde(rename = "TCP_INFO")]
    TcpInfo,
    #[serde(rename = "SO_RCVBUF")]
    RcvBuf,
    #[serde(rename = "SO_SNDBUF")]
    SndBuf,
    /// Another option, by its name.
    #[serde(untagged)]
    Other(String),
}

impl OptName {
    pub fn name(&self) -> &str {
        match self {
            OptName::ReuseAddr => "SO_REUSEADDR",
            OptName::ReusePort => "SO_REUSEPORT",
            OptName::V6Only => "IPV6_V6ONLY",
            OptName::RcvTimeo => "SO_RCVTIMEO",
            OptName::SndTimeo => "SO_SNDTIMEO",
            OptName::Linger => "SO_LINGER",
            OptName::Error => "SO_ERROR",
            OptName::KeepAlive => "SO_KEEPALIVE",
            OptName::NoDelay => "TCP_NODELAY",
            OptName::TcpInfo => "TCP_INFO",
            OptName::RcvBuf => "SO_RCVBUF",
            OptName::SndBuf => "SO_SNDBUF",
            OptName::Other(n) => n,
        }
    }
}

/// An option and the value set (0 or 1 for a flag, microseconds for a timeout, seconds for
/// `SO_LINGER`'s delay).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opt {
    pub name: OptName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
}
