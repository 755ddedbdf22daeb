//! The program's own TCP connections in the kernel's list: those on the local ports of its
//! sockets (servers' ports, clients' ephemeral ones), even after their `close` (TIME_WAIT).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Mutex;

use super::diag::{self, DiagSocket};
use super::types::TcpState;

/// Never forgotten during a run: a handful of ports.
static PORTS: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// While the guard lives, no other thread is in the middle of using the list of ports: the
/// fork mode forks under it, so that the child does not inherit the list's lock taken (in the
/// child, nothing would ever release it).
pub fn hold() -> std::sync::MutexGuard<'static, impl Sized> {
    PORTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The program has a TCP socket on `addr`'s port.
pub fn interest(addr: Option<SocketAddr>) {
    if let Some(port) = addr.map(|a| a.port()).filter(|&p| p != 0) {
        PORTS.lock().unwrap_or_else(|e| e.into_inner()).insert(port);
    }
}

/// The program's TCP connections as the kernel lists them now: listeners first, then by port.
pub fn snapshot() -> Option<Vec<DiagSocket>> {
    let ports = PORTS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if ports.is_empty() {
        return None;
    }
    let mut rows: Vec<DiagSocket> = diag::tcp_sockets()
        .ok()?
        .into_iter()
        .filter(|s| ports.contains(&s.local.port()))
        .collect();
    rows.sort_by_key(|s| (s.state != TcpState::Listen, s.local.port(), s.peer));
    Some(rows)
}
