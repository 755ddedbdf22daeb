//! `--sockets`: the program's TCP connections as `ss -tan` shows them (state, Recv-Q, Send-Q,
//! local and peer address), with the thread that owns each one, printed when a call changed a
//! state. The rows are the kernel's, listed through sock_diag by the thread that made the call,
//! right after it (the event's `sockets`); this renderer only adds who owns each connection,
//! from the calls it has seen.

use std::collections::HashMap;
use std::fmt::Write;
use std::net::SocketAddr;

use super::{Event, Kind, Phase};
use crate::kernel::diag::{DiagSocket, unmapped};
use crate::kernel::types::TcpState;
use crate::lang::Lang;

/// Who owns each of the program's connections, by (local port, peer), and each listener by
/// its port.
#[derive(Default)]
pub struct Table {
    owners: HashMap<(u16, Option<SocketAddr>), String>,
    /// Connections whose `close` was seen: shown as closed while the kernel keeps them.
    closed: HashMap<(u16, Option<SocketAddr>), String>,
}

impl Table {
    /// Follows one event: who made a call on which connection.
    pub fn follow(&mut self, ev: &Event) {
        if ev.kind != Kind::Syscall || ev.phase == Phase::Enter || ev.errno.is_some() {
            return;
        }
        let Some(sock) = ev.socket.filter(|s| s.is_tcp()) else {
            return;
        };
        let Some(port) = sock.local.map(|a| a.port()) else {
            return;
        };
        if ev.call.accepts() {
            // The new connection, owned by the veilleur until an exécutant uses it.
            self.owners
                .insert((port, ev.addr.map(unmapped)), ev.thread.clone());
        }
        let key = (port, sock.peer.map(unmapped));
        if ev.call == super::Call::Close {
            self.owners.remove(&key);
            self.closed.insert(key, ev.thread.clone());
        } else {
            self.owners.insert(key, ev.thread.clone());
        }
    }

    /// The table of `rows`, the kernel's list at the moment of the call.
    pub fn render(&self, rows: &[DiagSocket], lang: Lang, indent: usize, out: &mut String) {
        if rows.is_empty() {
            return;
        }
        let pad = " ".repeat(indent);
        let title = lang.pick(
            "les sockets du programme, vues par le noyau (comme ss -tan)",
            "the program's sockets, as the kernel lists them (as ss -tan)",
        );
        let _ = writeln!(out, "{pad}┌ {title}");
        let _ = writeln!(
            out,
            "{pad}│ {:<11} {:>6} {:>6}  {:<22} {:<22} Thread",
            "State",
            "Recv-Q",
            "Send-Q",
            lang.pick("Locale", "Local"),
            lang.pick("Pair", "Peer"),
        );
        for s in rows {
            let listening = s.state == TcpState::Listen;
            let key = (s.local.port(), (!listening).then(|| unmapped(s.peer)));
            let who = match (self.owners.get(&key), self.closed.get(&key)) {
                (Some(t), _) => t.clone(),
                (None, Some(t)) => {
                    let left = s
                        .timer_ms
                        .filter(|_| s.state == TcpState::TimeWait)
                        .map(|ms| format!(", {:.1} s", f64::from(ms) / 1000.0))
                        .unwrap_or_default();
                    format!("{t} ({}{left})", lang.pick("fermée", "closed"))
                }
                // A connection the kernel made on its own: waiting in a listener's queue.
                (None, None) if !listening => lang.pick("(file d'attente)", "(queue)").into(),
                (None, None) => String::new(),
            };
            let who = match (listening, lang) {
                (true, Lang::Fr) => {
                    format!("{who}, {} en attente / backlog {}", s.recv_q, s.send_q)
                }
                (true, Lang::En) => format!("{who}, {} waiting / backlog {}", s.recv_q, s.send_q),
                _ => who,
            };
            let peer = if listening {
                "*:*".to_string()
            } else {
                s.peer.to_string()
            };
            let _ = writeln!(
                out,
                "{pad}│ {:<11} {:>6} {:>6}  {:<22} {:<22} {who}",
                s.state.ss_name(),
                s.recv_q,
                s.send_q,
                s.local.to_string(),
                peer
            );
        }
        let _ = writeln!(out, "{pad}└");
    }
}
