//! Which sockets hold a port, as the kernel lists them through sock_diag (what `ss -tan`
//! shows; every user may ask).
//!
//! A `bind` that fails with `EADDRINUSE` has two usual causes a student must tell apart:
//! another program listens on the port, or connections of an earlier run of the same server
//! are still kept by the kernel (TIME_WAIT on the side that closed first, FIN_WAIT2 while the
//! other side has not closed yet). The list says which.

use super::diag::{self, DiagSocket};
use super::types::{PortUse, TcpState};

/// True when some socket on this machine listens on TCP `port` (or, for UDP, is bound to it).
pub fn is_listening(udp: bool, port: u16) -> bool {
    let sockets = if udp {
        diag::udp_sockets()
    } else {
        diag::tcp_sockets()
    };
    let wanted = if udp {
        TcpState::Close
    } else {
        TcpState::Listen
    };
    sockets
        .unwrap_or_default()
        .iter()
        .any(|s| s.local.port() == port && s.state == wanted)
}

/// The sockets on `port`, counted by what they mean for a `bind`.
pub fn port_use(udp: bool, port: u16) -> PortUse {
    let sockets = if udp {
        diag::udp_sockets()
    } else {
        diag::tcp_sockets()
    };
    count(port, udp, &sockets.unwrap_or_default())
}

fn count(port: u16, udp: bool, sockets: &[DiagSocket]) -> PortUse {
    let mut used = PortUse {
        port,
        ..PortUse::default()
    };
    for s in sockets.iter().filter(|s| s.local.port() == port) {
        match s.state {
            // A UDP socket bound to the port holds it, connected or not.
            _ if udp => used.listening += 1,
            TcpState::Listen => used.listening += 1,
            TcpState::Established
            | TcpState::SynSent
            | TcpState::SynRecv
            | TcpState::NewSynRecv
            | TcpState::CloseWait => used.connected += 1,
            TcpState::TimeWait
            | TcpState::FinWait1
            | TcpState::FinWait2
            | TcpState::Closing
            | TcpState::LastAck => used.lingering += 1,
            TcpState::Close | TcpState::Unknown => {}
        }
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(port: u16, state: TcpState) -> DiagSocket {
        DiagSocket {
            local: ([127, 0, 0, 1], port).into(),
            peer: ([127, 0, 0, 1], 40000).into(),
            state,
            recv_q: 0,
            send_q: 0,
            timer_ms: None,
            drops: None,
        }
    }

    #[test]
    fn lingering_connections_are_told_from_a_listener() {
        let rows = [
            at(7777, TcpState::TimeWait),
            at(7777, TcpState::FinWait2),
            at(7777, TcpState::Established),
            at(7778, TcpState::Listen),
        ];
        let used = count(7777, false, &rows);
        assert_eq!((used.listening, used.connected, used.lingering), (0, 1, 2));
        assert_eq!(count(7778, false, &rows).listening, 1);
    }

    #[test]
    fn listening_sockets_tcp_and_udp_are_found() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert!(is_listening(false, port));
        assert_eq!(port_use(false, port).listening, 1);
        drop(l);
        assert!(!is_listening(false, port));
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = u.local_addr().unwrap().port();
        assert!(is_listening(true, port));
        assert_eq!(port_use(true, port).listening, 1);
    }
}
