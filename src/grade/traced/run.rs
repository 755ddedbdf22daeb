//! One run of a graded program as its trace tells it: the JSON lines `socklab trace` wrote,
//! read back into events, with the questions the criteria ask of them (which calls on which
//! connection, by which thread) and the quotes their reasons give.

use std::net::SocketAddr;
use std::path::Path;

use crate::trace::{Call, Event, Family, Kind, Note, Phase, SockRole, SockType};

/// The calls of one run of the program, in the order they returned.
#[derive(Debug, Default)]
pub struct Run {
    /// Every event of the run, notes included, in `seq` order.
    pub events: Vec<Event>,
    /// The trace reached its end (socklab wrote the threads' roles, its last event): a trace
    /// cut short says nothing of the calls it is missing.
    pub complete: bool,
    /// Which events are calls, by index (see [`Run::calls`]).
    calls: Vec<usize>,
}

impl Run {
    /// Reads a trace written by `socklab --trace json --trace-file F trace -- ...`.
    pub fn load(path: &Path) -> Result<Run, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut events = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let ev: Event = serde_json::from_str(line)
                .map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
            events.push(ev);
        }
        Ok(Run::from_events(events))
    }

    pub fn from_events(mut events: Vec<Event>) -> Run {
        events.sort_by_key(|e| e.seq);
        let complete = events
            .iter()
            .any(|e| matches!(e.note, Some(Note::Roles { .. })));
        let mut calls = Vec::new();
        for (i, e) in events.iter().enumerate() {
            // The labs' criteria are about TCP and UDP: a local socket's calls (the C
            // library's look for nscd when the program resolves a name, asyncio's
            // socketpair) are none of the program's network, nor is the library's DNS query.
            if e.kind != Kind::Syscall
                || e.socket
                    .is_some_and(|s| s.family == Family::Unix || s.resolver)
            {
                continue;
            }
            // An `enter` whose `exit` follows is told by the exit; one with no exit is a call
            // made when the program was killed: a `close` whose FIN the grader saw, then
            // stopped the program before the call's return reached the tracer.
            let returned = e.phase == Phase::Enter
                && events[i + 1..]
                    .iter()
                    .find(|n| n.tid == e.tid && n.kind == Kind::Syscall)
                    .is_some_and(|n| n.phase == Phase::Exit && n.call == e.call);
            if !returned {
                calls.push(i);
            }
        }
        Run {
            events,
            complete,
            calls,
        }
    }

    /// The system calls, each once: a blocking call's `exit` half (which holds all its
    /// arguments), the one event of a call that does not block, or the `enter` half of a call
    /// whose return never came (no return value then).
    pub fn calls(&self) -> impl Iterator<Item = &Event> {
        self.calls.iter().map(|&i| &self.events[i])
    }

    /// The connections the program accepted: each `accept` that returned a descriptor, with
    /// the client's address, which names the connection in later calls (the descriptor
    /// number is reused after a `close`, and a forked child has its own).
    pub fn accepted(&self) -> Vec<(&Event, SocketAddr)> {
        self.calls()
            .filter(|e| e.call.accepts() && ok(e) && e.ret.is_some_and(|r| r >= 0))
            .filter_map(|e| e.addr.map(|a| (e, a)))
            .collect()
    }

    /// The calls made on the TCP connection whose other end is `peer`, after `after` (a seq).
    pub fn on_connection(&self, peer: SocketAddr, after: u64) -> Vec<&Event> {
        self.calls()
            .filter(|e| e.seq > after && is_stream(e) && peer_of(e) == Some(peer))
            .collect()
    }

    /// The calls on descriptor `fd` of process `pid` after `after` (a seq), up to its `close`
    /// included: the life of one socket, before the number is given to another.
    pub fn on_fd(&self, pid: u32, fd: i32, after: u64) -> Vec<&Event> {
        let mut out = Vec::new();
        for e in self
            .calls()
            .filter(|e| e.seq > after && e.pid == pid && e.fd == Some(fd))
        {
            out.push(e);
            if e.call == Call::Close {
                break;
            }
        }
        out
    }

    /// Whether the program's first process ended by itself (an exit status rather than a
    /// signal): the grader's stop at the end of a scenario is a SIGKILL.
    pub fn ended_by_itself(&self) -> bool {
        let Some(pid) = self.events.first().map(|e| e.pid) else {
            return false;
        };
        self.events.iter().any(|e| {
            matches!(&e.note, Some(Note::Exit { pid: p, code: Some(_), signal: None }) if *p == pid)
        })
    }
}

/// The call succeeded.
pub fn ok(e: &Event) -> bool {
    e.errno.is_none()
}

/// On a TCP socket.
pub fn is_stream(e: &Event) -> bool {
    e.socket.as_ref().is_some_and(|s| s.ty == SockType::Stream)
}

/// On a UDP socket.
pub fn is_datagram(e: &Event) -> bool {
    e.socket
        .as_ref()
        .is_some_and(|s| s.ty == SockType::Dgram || s.role == SockRole::Datagram)
}

/// The other end of the connection the call works on.
pub fn peer_of(e: &Event) -> Option<SocketAddr> {
    e.socket.as_ref().and_then(|s| s.peer)
}

/// A receive that returned bytes, or the end of the stream (`Some(0)`).
pub fn received(e: &Event) -> Option<i64> {
    (e.call.receives() && ok(e)).then_some(e.ret).flatten()
}

/// Calls that wait for several descriptors at once.
pub fn waits_for_several(c: &Call) -> bool {
    c.multiplexes()
}

/// The call as strace prints it, with the thread's pid (the quote a reason gives).
pub fn quote(e: &Event) -> String {
    let ret = match (&e.errno, e.ret) {
        (Some(errno), _) => format!("-1 {errno}"),
        (None, Some(r)) => r.to_string(),
        (None, None) => "?".to_string(),
    };
    let args = shorten(&e.args, 64);
    format!("« [pid {}] {}({args}) = {ret} »", e.tid, e.call.name())
}

/// The same in English quotes.
pub fn quote_en(e: &Event) -> String {
    let q = quote(e);
    format!("`{}`", q.trim_start_matches("« ").trim_end_matches(" »"))
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}…")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::trace::test_support::sample;
    use crate::trace::{Family, SockInfo};

    /// A completed call on `fd` by thread `tid` of process `pid`.
    pub fn call(seq: u64, pid: u32, tid: u32, name: &'static str, fd: i32, ret: i64) -> Event {
        let mut e = sample(name, &format!("{fd}"), Some(ret), None);
        e.seq = seq;
        e.pid = pid;
        e.tid = tid;
        e.fd = Some(fd);
        e
    }

    pub fn on(mut e: Event, ty: SockType, role: SockRole, peer: Option<&str>) -> Event {
        e.socket = Some(SockInfo {
            family: Family::Inet,
            ty,
            role,
            local: None,
            peer: peer.map(|p| p.parse().unwrap()),
            closed_first: None,
            unread: None,
            shut_read: false,
            shared: false,
            dup: false,
            resolver: false,
        });
        e
    }

    #[test]
    fn local_sockets_are_left_out_of_the_calls() {
        // A client that resolves "localhost" where nscd runs: the library's connect to it
        // succeeds, and is no connection of the program's.
        let mut nscd = on(
            call(1, 1, 1, "connect", 3, 0),
            SockType::Stream,
            SockRole::Connected,
            None,
        );
        nscd.socket.as_mut().unwrap().family = Family::Unix;
        nscd.path = Some("/var/run/nscd/socket".into());
        // Its DNS query when /etc/hosts does not have the name.
        let mut dns = on(
            call(2, 1, 1, "connect", 4, 0),
            SockType::Dgram,
            SockRole::Datagram,
            Some("10.255.255.53:53"),
        );
        dns.socket.as_mut().unwrap().resolver = true;
        let tcp = on(
            call(3, 1, 1, "connect", 3, 0),
            SockType::Stream,
            SockRole::Connected,
            Some("127.0.0.1:7777"),
        );
        let poll = call(4, 1, 1, "poll", 3, 1);
        let run = Run::from_events(vec![nscd, dns, tcp, poll]);
        let seqs: Vec<u64> = run.calls().map(|e| e.seq).collect();
        assert_eq!(seqs, [3, 4]);
    }

    #[test]
    fn a_bad_line_names_its_file_and_line() {
        let dir = std::env::temp_dir().join(format!("socklab-run-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.jsonl");
        let good = serde_json::to_string(&call(1, 1, 1, "close", 3, 0)).unwrap();
        std::fs::write(&path, format!("{good}\n{{not json\n")).unwrap();
        let err = Run::load(&path).unwrap_err();
        assert!(err.contains("t.jsonl:2:"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn quotes_are_strace_lines() {
        let mut e = call(1, 7, 8, "bind", 3, -1);
        e.errno = Some("EADDRINUSE".into());
        assert_eq!(quote(&e), "« [pid 8] bind(3) = -1 EADDRINUSE »");
        assert_eq!(quote_en(&e), "`[pid 8] bind(3) = -1 EADDRINUSE`");
    }
}
