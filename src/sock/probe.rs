//! What the kernel did with a call: socklab's own look after the program's call, with the
//! kernel view on (`--sockets`, `--packets`, the demos that show it).
//!
//! The looks are system calls too (`getsockopt(TCP_INFO)` and `getsockname` are in strace's
//! `%net`), so each one is traced as an event of its own, of kind `probe`, right after the
//! call it follows: the per-thread order strace shows is kept. What they learn goes into the
//! call's own event (`tcp_state`, `queue`, the socket's local address), so the renderers read
//! it there. After a `close` the connection has no descriptor any more: it is looked up by its
//! address pair through sock_diag, on a netlink socket that is no socket of the program's.

use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Socket;
use super::addr::{STORAGE_LEN, strace_sockaddr};
use crate::kernel::{diag, tcp_info, watch};
use crate::trace::{self, Call, Event, Kind, Note, Opt, OptName, Phase, Queue, SockRole, TcpState};

/// Connection attempts listening sockets dropped because their queue was full, over the run.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// How many connection attempts were dropped so far (for the server's summary).
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Looks after `ev`, the call just made on `owner`; fills `ev` in and returns the probes'
/// own events, to be traced after it.
pub(crate) fn after(ev: &mut Event, owner: Option<&Socket>) -> Vec<Event> {
    let mut probes = Vec::new();
    let Some(sock) = ev.socket.filter(|s| s.is_tcp()) else {
        return probes;
    };
    let Some(fd) = ev.fd else { return probes };
    let ok = ev.errno.is_none();
    // The client's local address, the kernel's choice of port ("the client's port changes
    // every time"): asked whenever calls are traced, the kernel view on or not.
    if ev.call == Call::Connect
        && ok
        && let Some(owner) = owner
    {
        let (local, probe) = getsockname(fd);
        probes.push(probe);
        if let Some(local) = local {
            owner.update(|s| s.local = Some(local));
            if let Some(s) = ev.socket.as_mut() {
                s.local = Some(local);
            }
        }
    }
    if !trace::kernel_view() {
        return probes;
    }
    watch::interest(sock.local);
    match &ev.call {
        Call::Listen if ok => {
            let (info, probe) = state_of(fd);
            probes.push(probe);
            if let Some(i) = info {
                ev.tcp_state = Some(i.state);
                ev.queue = Some(Queue {
                    waiting: i.unacked,
                    backlog: i.sacked,
                    drops: None,
                });
            }
        }
        c if c.accepts() && ok => {
            if let Some(new_fd) = ev.ret.map(|r| r as RawFd) {
                let (info, probe) = state_of(new_fd);
                probes.push(probe);
                ev.tcp_state = info.map(|i| i.state);
            }
            let (info, probe) = state_of(fd);
            probes.push(probe);
            if let Some(i) = info {
                let drops = sock
                    .local
                    .and_then(|l| diag::listener(l.port()))
                    .and_then(|l| l.drops);
                ev.queue = Some(Queue {
                    waiting: i.unacked,
                    backlog: i.sacked,
                    drops,
                });
                if let (Some(owner), Some(d)) = (owner, drops) {
                    overflow(owner, d, i.sacked);
                }
            }
        }
        Call::Connect | Call::Shutdown => {
            let (info, probe) = state_of(fd);
            probes.push(probe);
            ev.tcp_state = info.map(|i| i.state);
        }
        c if c.receives() && ev.ret == Some(0) => {
            let (info, probe) = state_of(fd);
            probes.push(probe);
            ev.tcp_state = info.map(|i| i.state);
        }
        Call::Close if sock.role == SockRole::Connected => {
            if let (Some(local), Some(peer)) = (sock.local, sock.peer) {
                match diag::find(local.port(), peer) {
                    Some(found) => {
                        ev.tcp_state = Some(found.state);
                        ev.tcp_timer_ms = found.timer_ms;
                    }
                    // Gone already: the passive closer's LAST_ACK lasts microseconds on
                    // loopback, and a reset connection is freed at once.
                    None => ev.tcp_state = Some(TcpState::Close),
                }
            }
        }
        _ if !ok && sock.role == SockRole::Connected => {
            let (info, probe) = state_of(fd);
            probes.push(probe);
            ev.tcp_state = info.map(|i| i.state);
        }
        _ => {}
    }
    // `--sockets`: when the call changed a state, the program's connections as the kernel
    // lists them at this very moment.
    let changed = match (owner, ev.tcp_state) {
        (Some(owner), Some(state)) => {
            let key = if ev.call.accepts() {
                0
            } else {
                state as u8 + 1
            };
            ev.call == Call::Close
                || ev.call.accepts()
                || owner.last_state.swap(key, Ordering::Relaxed) != key
        }
        _ => false,
    };
    if changed && trace::sockets_table() {
        ev.sockets = watch::snapshot();
    }
    probes
}

/// A listening socket dropped more connection attempts than last seen: said in the trace at
/// that moment, and counted for the summary.
fn overflow(owner: &Socket, drops: u32, backlog: u32) {
    let seen = owner.drops_seen.swap(drops, Ordering::Relaxed);
    if drops > seen {
        DROPPED.fetch_add(u64::from(drops - seen), Ordering::Relaxed);
        trace::note(Note::QueueFull {
            dropped: drops - seen,
            total: drops,
            backlog,
        });
    }
}

/// Waits, at most `limit`, until the kernel has closed `sock`'s connection (an RST arrived),
/// asking `TCP_INFO` every millisecond, each ask traced as a probe. The reset demo's next
/// `send` must meet the RST, not race it: on a busy machine the loopback's RST can come a few
/// milliseconds after the `send` that provoked it returned.
pub(crate) fn wait_until_closed(sock: &Socket, limit: std::time::Duration) {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let (info, ev) = state_of(sock.fd());
        if trace::enabled() {
            trace::emit(ev);
        }
        if info.is_none_or(|i| i.state == TcpState::Close) || std::time::Instant::now() >= deadline
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// `getsockopt(fd, SOL_TCP, TCP_INFO)`, traced as a probe.
fn state_of(fd: RawFd) -> (Option<tcp_info::TcpInfo>, Event) {
    let r = tcp_info::read(fd);
    let mut ev = Event::new(Kind::Probe, Phase::Call, Call::Getsockopt);
    ev.fd = Some(fd);
    ev.option = Some(Opt {
        name: OptName::TcpInfo,
        value: None,
    });
    match &r {
        Ok(i) => {
            ev.args = format!(
                "{fd}, SOL_TCP, TCP_INFO, {{tcpi_state=TCP_{}, ...}}, [{}]",
                i.state.name(),
                i.len
            );
            ev.ret = Some(0);
            ev.tcp_state = Some(i.state);
        }
        Err(e) => {
            ev.args = format!("{fd}, SOL_TCP, TCP_INFO, 0x0, [0]");
            ev.ret = Some(-1);
            ev.errno = Some(super::traced::errno_of(e));
        }
    }
    ev.brief = format!("{fd}, TCP_INFO");
    (r.ok(), ev)
}

/// `getsockname(fd)`, traced as a probe.
fn getsockname(fd: RawFd) -> (Option<SocketAddr>, Event) {
    // SAFETY: a borrowed view of a descriptor the caller owns and keeps open.
    let sock = std::mem::ManuallyDrop::new(unsafe {
        <socket2::Socket as std::os::fd::FromRawFd>::from_raw_fd(fd)
    });
    let r = sock.local_addr();
    let mut ev = Event::new(Kind::Probe, Phase::Call, Call::Getsockname);
    ev.fd = Some(fd);
    let local = r.as_ref().ok().and_then(|a| a.as_socket());
    match &r {
        Ok(a) => {
            ev.args = format!(
                "{fd}, {}, [{STORAGE_LEN} => {}]",
                local.as_ref().map_or("{...}".into(), strace_sockaddr),
                a.len()
            );
            ev.ret = Some(0);
            ev.addr = local;
        }
        Err(e) => {
            ev.args = format!("{fd}, {{...}}, [{STORAGE_LEN}]");
            ev.ret = Some(-1);
            ev.errno = Some(super::traced::errno_of(e));
        }
    }
    ev.brief = format!("{fd}");
    (local, ev)
}
