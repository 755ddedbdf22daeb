//! Which sockets hold a port, from the kernel's tables in `/proc/net` (what `ss -tan` and
//! `netstat` show; every user may read them).
//!
//! A `bind` that fails with `EADDRINUSE` has two usual causes a student must tell apart:
//! another program listens on the port, or connections of an earlier run of the same server
//! are still kept by the kernel (TIME_WAIT on the side that closed first, FIN_WAIT2 while the
//! other side has not closed yet). The table says which.

use crate::trace::PortUse;

/// The TCP states of the kernel's tables (`include/net/tcp_states.h`), as `/proc/net/tcp`
/// writes them, in hexadecimal.
const ESTABLISHED: u8 = 0x01;
const SYN_SENT: u8 = 0x02;
const SYN_RECV: u8 = 0x03;
const FIN_WAIT1: u8 = 0x04;
const FIN_WAIT2: u8 = 0x05;
const TIME_WAIT: u8 = 0x06;
/// For UDP: a bound socket with no default peer.
const CLOSE: u8 = 0x07;
const CLOSE_WAIT: u8 = 0x08;
const LAST_ACK: u8 = 0x09;
const LISTEN: u8 = 0x0A;
const CLOSING: u8 = 0x0B;

/// The (local port, state) of every socket in `/proc/net/{tcp,tcp6}` or `{udp,udp6}`.
fn table(udp: bool) -> Vec<(u16, u8)> {
    let files = if udp {
        ["/proc/net/udp", "/proc/net/udp6"]
    } else {
        ["/proc/net/tcp", "/proc/net/tcp6"]
    };
    let mut rows = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        rows.extend(text.lines().skip(1).filter_map(parse_row));
    }
    rows
}

/// `  0: 0100007F:1E61 00000000:0000 0A ...`: the local address's port and the state.
fn parse_row(line: &str) -> Option<(u16, u8)> {
    let mut cols = line.split_whitespace();
    let local = cols.nth(1)?;
    let state = cols.nth(1)?;
    let port = u16::from_str_radix(local.rsplit(':').next()?, 16).ok()?;
    Some((port, u8::from_str_radix(state, 16).ok()?))
}

/// True when some socket on this machine listens on TCP `port` (or, for UDP, is bound to it).
pub fn is_listening(udp: bool, port: u16) -> bool {
    let wanted = if udp { CLOSE } else { LISTEN };
    table(udp)
        .into_iter()
        .any(|(p, state)| p == port && state == wanted)
}

/// The sockets on `port`, counted by what they mean for a `bind`.
pub fn port_use(udp: bool, port: u16) -> PortUse {
    count(port, udp, &table(udp))
}

fn count(port: u16, udp: bool, rows: &[(u16, u8)]) -> PortUse {
    let mut used = PortUse {
        port,
        ..PortUse::default()
    };
    for &(p, state) in rows {
        if p != port {
            continue;
        }
        match state {
            _ if udp => used.listening += 1,
            LISTEN => used.listening += 1,
            ESTABLISHED | SYN_SENT | SYN_RECV | CLOSE_WAIT => used.connected += 1,
            TIME_WAIT | FIN_WAIT1 | FIN_WAIT2 | CLOSING | LAST_ACK => used.lingering += 1,
            _ => {}
        }
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_the_kernel_table() {
        let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt";
        assert_eq!(parse_row(header), None);
        let listen = "   0: 0100007F:1E61 00000000:0000 0A 00000000:00000000 00:00000000 00000000";
        assert_eq!(parse_row(listen), Some((7777, LISTEN)));
        let v6 = "   1: 00000000000000000000000000000000:1E61 00000000000000000000000000000000:0000 06 0";
        assert_eq!(parse_row(v6), Some((7777, TIME_WAIT)));
    }

    #[test]
    fn lingering_connections_are_told_from_a_listener() {
        let rows = [
            (7777, TIME_WAIT),
            (7777, FIN_WAIT2),
            (7777, ESTABLISHED),
            (7778, LISTEN),
        ];
        let used = count(7777, false, &rows);
        assert_eq!((used.listening, used.connected, used.lingering), (0, 1, 2));
        assert_eq!(count(7778, false, &rows).listening, 1);
    }

    #[test]
    fn a_listening_socket_is_found() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert!(is_listening(false, port));
        assert_eq!(port_use(false, port).listening, 1);
        drop(l);
        assert!(!is_listening(false, port));
    }
}
