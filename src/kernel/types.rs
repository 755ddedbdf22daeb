//! What the kernel reports of sockets, as values: a TCP state, an accept queue, what holds a
//! port. The trace's events carry them; the kernel module reads them.

use serde::{Deserialize, Serialize};

/// A listening socket's queue of established connections waiting for `accept`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    /// Connections waiting (`tcpi_unacked` on a listening socket).
    pub waiting: u32,
    /// The backlog `listen` was given, as the kernel keeps it (`tcpi_sacked`).
    pub backlog: u32,
    /// Connection attempts the socket dropped so far because the queue was full (sock_diag's
    /// `SK_MEMINFO_DROPS`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drops: Option<u32>,
}

/// The sockets the kernel showed on one port, when a `bind` to it failed with `EADDRINUSE`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortUse {
    pub port: u16,
    /// Sockets listening on it (TCP), or bound to it (UDP): another server holds the port.
    pub listening: u32,
    /// Connections open on it (ESTABLISHED, CLOSE_WAIT...).
    pub connected: u32,
    /// Connections closed by their programs that the kernel still keeps: TIME_WAIT,
    /// FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK.
    pub lingering: u32,
}

/// A TCP connection's state, as the kernel names it (`ss -tan` prints the same names, with
/// `-` for `_`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TcpState {
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    Closing,
    NewSynRecv,
    #[serde(other)]
    Unknown,
}

impl TcpState {
    /// From the kernel's number (`include/net/tcp_states.h`): `tcpi_state`, `idiag_state`.
    pub fn from_kernel(n: u8) -> TcpState {
        match n {
            1 => TcpState::Established,
            2 => TcpState::SynSent,
            3 => TcpState::SynRecv,
            4 => TcpState::FinWait1,
            5 => TcpState::FinWait2,
            6 => TcpState::TimeWait,
            7 => TcpState::Close,
            8 => TcpState::CloseWait,
            9 => TcpState::LastAck,
            10 => TcpState::Listen,
            11 => TcpState::Closing,
            12 => TcpState::NewSynRecv,
            _ => TcpState::Unknown,
        }
    }

    /// `ESTABLISHED`, `TIME_WAIT`, ...
    pub fn name(self) -> &'static str {
        match self {
            TcpState::Established => "ESTABLISHED",
            TcpState::SynSent => "SYN_SENT",
            TcpState::SynRecv => "SYN_RECV",
            TcpState::FinWait1 => "FIN_WAIT1",
            TcpState::FinWait2 => "FIN_WAIT2",
            TcpState::TimeWait => "TIME_WAIT",
            TcpState::Close => "CLOSE",
            TcpState::CloseWait => "CLOSE_WAIT",
            TcpState::LastAck => "LAST_ACK",
            TcpState::Listen => "LISTEN",
            TcpState::Closing => "CLOSING",
            TcpState::NewSynRecv => "NEW_SYN_RECV",
            TcpState::Unknown => "UNKNOWN",
        }
    }

    /// The name `ss` prints (`TIME-WAIT`, `ESTAB`, `LISTEN`, ...).
    pub fn ss_name(self) -> &'static str {
        match self {
            TcpState::Established => "ESTAB",
            TcpState::SynSent => "SYN-SENT",
            TcpState::SynRecv => "SYN-RECV",
            TcpState::FinWait1 => "FIN-WAIT-1",
            TcpState::FinWait2 => "FIN-WAIT-2",
            TcpState::TimeWait => "TIME-WAIT",
            TcpState::Close => "UNCONN",
            TcpState::CloseWait => "CLOSE-WAIT",
            TcpState::LastAck => "LAST-ACK",
            TcpState::Listen => "LISTEN",
            TcpState::Closing => "CLOSING",
            TcpState::NewSynRecv => "SYN-RECV",
            TcpState::Unknown => "UNKNOWN",
        }
    }
}
