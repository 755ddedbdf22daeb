//! Naming the traced threads from what they do, as the labs name them.
//!
//! A program run under `socklab trace` does not say which of its threads is the veilleur:
//! socklab finds out from the calls. The thread whose `accept` returns a connection is a
//! *veilleur*; a thread (or a process made by `fork`) that receives or sends on a connection
//! another one accepted is an *exécutant*, and a note shows the hand-over; a thread that calls
//! `connect` (or sends a datagram from a socket it never bound) is a *client*. Until its calls
//! say what it is, a thread is `thread-TID`, after the kernel's thread id, the number strace
//! prints; a name once given is kept.

use std::collections::HashMap;

use super::fds::Fds;
use crate::trace::{Call, Event, Note, Role, RoleOf, SockType};

/// A traced thread's name in the trace.
#[derive(Clone, Debug)]
pub struct Named {
    pub name: String,
    pub role: Role,
    /// The name says what the thread does (it is no longer `thread-TID`).
    pub known: bool,
    pub pid: i32,
    /// The kernel's name for it (`comm`), last read.
    pub comm: String,
    /// It made a socket call: the closing note lists it (a shell or a version manager's
    /// helper that never touched a socket has no role to give).
    pub calls: bool,
}

/// The names given so far, and the counters of the numbered ones.
#[derive(Default)]
pub struct Roles {
    threads: HashMap<i32, Named>,
    /// In order of appearance, for the closing note.
    order: Vec<i32>,
    veilleurs: u32,
    executants: u32,
    mains: u32,
    clients: u32,
}

/// The hand-over a newly named exécutant shows: the veilleur's thread and the connection.
pub struct HandOver {
    pub veilleur: i32,
    pub note: Note,
}

impl Roles {
    /// A thread seen for the first time. `client` for the threads of the program given as
    /// `--client`: they are its client whatever they do.
    pub fn add(&mut self, tid: i32, pid: i32, client: bool) {
        if self.threads.contains_key(&tid) {
            return;
        }
        let named = if client {
            self.clients += 1;
            Named {
                name: format!("client-{}", self.clients),
                role: Role::Client,
                known: true,
                pid,
                comm: comm(pid, tid),
                calls: false,
            }
        } else {
            Named {
                name: format!("thread-{tid}"),
                role: Role::Main,
                known: false,
                pid,
                comm: comm(pid, tid),
                calls: false,
            }
        };
        self.threads.insert(tid, named);
        self.order.push(tid);
    }

    /// The thread's name and role for its events.
    pub fn of(&self, tid: i32) -> (String, Role) {
        match self.threads.get(&tid) {
            Some(n) => (n.name.clone(), n.role),
            None => (format!("thread-{tid}"), Role::Main),
        }
    }

    /// After `execve` the thread id may change (a thread that was not the process's first one
    /// takes the process's id) and the kernel's name does.
    pub fn exec(&mut self, former: i32, tid: i32, pid: i32) {
        if former != tid
            && let Some(n) = self.threads.remove(&former)
        {
            self.threads.insert(tid, n);
            if let Some(slot) = self.order.iter_mut().find(|t| **t == former) {
                *slot = tid;
            }
        }
        if let Some(n) = self.threads.get_mut(&tid) {
            n.pid = pid;
            n.comm = comm(pid, tid);
        }
    }

    /// Learns from a call what the thread that makes it does, before its event is sent (so
    /// the event already carries the new name): at its entry (a `connect`, a `recv` on a
    /// connection another thread accepted) or at its exit (an `accept` that returned a
    /// connection). Returns the hand-over to show when the call makes its thread an exécutant.
    pub fn observe(&mut self, tid: i32, ev: &Event, fds: &Fds) -> Option<HandOver> {
        let named = self.threads.get_mut(&tid)?;
        named.calls = true;
        if named.known {
            return None;
        }
        let ok = ev.ret.is_some_and(|r| r >= 0);
        let datagram = ev.socket.is_some_and(|s| s.ty == SockType::Dgram);
        let moves_data = ev.call.receives()
            || ev.call.sends()
            || ev.call == Call::Shutdown
            || matches!(ev.call.name(), "readv" | "writev");
        if ev.call.accepts() && ok {
            self.veilleurs += 1;
            let name = match self.veilleurs {
                1 => "veilleur".to_string(),
                n => format!("veilleur-{n}"),
            };
            self.name(tid, name, Role::Veilleur);
            return None;
        }
        // The C library resolving a name (a server's `bind("localhost")` too: its look for
        // nscd, its DNS query) makes no client.
        if ev.call == Call::Connect && !ev.socket.is_some_and(|s| s.resolver) {
            self.client(tid);
            return None;
        }
        if moves_data && let Some(fd) = ev.fd {
            let accepted_by = fds.socket(fd).and_then(|s| s.borrow().accepted_by);
            if let Some(veilleur) = accepted_by.filter(|v| *v != tid) {
                self.executants += 1;
                let n = self.executants;
                self.name(tid, Note::executant_name(n), Role::Executant);
                let peer = ev.socket.and_then(|s| s.peer)?;
                return Some(HandOver {
                    veilleur,
                    note: Note::HandOver {
                        fd,
                        peer,
                        executant: n,
                    },
                });
            }
            // A datagram sent from a socket never bound: the kernel chose its port, as it
            // does for a client. Datagrams awaited on a socket the thread bound: a UDP server,
            // which serves everyone itself, as socklab's own (`main`).
            let bound = ev.socket.is_some_and(|s| s.local.is_some());
            if datagram && ev.call.sends() && ev.addr.is_some() && !bound {
                self.client(tid);
            } else if datagram && ev.call.receives() && bound {
                self.mains += 1;
                let name = match self.mains {
                    1 => "main".to_string(),
                    n => format!("main-{n}"),
                };
                self.name(tid, name, Role::Main);
            }
        }
        None
    }

    fn client(&mut self, tid: i32) {
        self.clients += 1;
        let name = format!("client-{}", self.clients);
        self.name(tid, name, Role::Client);
    }

    fn name(&mut self, tid: i32, name: String, role: Role) {
        if let Some(n) = self.threads.get_mut(&tid) {
            n.name = name;
            n.role = role;
            n.known = true;
            n.comm = comm(n.pid, tid);
        }
    }

    /// Every thread's name and role now, by thread id.
    pub fn finals(&self) -> Vec<(u32, String, Role)> {
        self.threads
            .iter()
            .map(|(tid, n)| (*tid as u32, n.name.clone(), n.role))
            .collect()
    }

    /// Every thread that made a socket call, in order of appearance, for the closing note.
    pub fn all(&self) -> Vec<RoleOf> {
        self.order
            .iter()
            .filter_map(|tid| {
                let n = self.threads.get(tid).filter(|n| n.calls)?;
                Some(RoleOf {
                    thread: n.name.clone(),
                    pid: n.pid as u32,
                    tid: *tid as u32,
                    comm: n.comm.clone(),
                })
            })
            .collect()
    }
}

/// The kernel's name for a thread (`/proc/PID/task/TID/comm`), empty once it is gone.
fn comm(pid: i32, tid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm"))
        .map(|s| s.trim_end().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Family, Kind, Phase, SockInfo};

    fn call(call: Call, fd: i32, ret: i64, socket: Option<SockInfo>) -> Event {
        let mut ev = Event::new(Kind::Syscall, Phase::Exit, call);
        ev.fd = Some(fd);
        ev.ret = Some(ret);
        ev.socket = socket;
        ev
    }

    #[test]
    fn the_veilleur_accepts_the_executant_serves() {
        let mut roles = Roles::default();
        let mut fds = Fds::default();
        roles.add(100, 100, false);
        roles.add(101, 100, false);
        assert_eq!(roles.of(100).0, "thread-100");
        let mut info = SockInfo::new(Family::Inet, SockType::Stream);
        fds.insert(3, info, None);
        let accept = call(Call::Accept4, 3, 4, Some(info));
        assert!(roles.observe(100, &accept, &fds).is_none());
        assert_eq!(roles.of(100), ("veilleur".to_string(), Role::Veilleur));
        info.peer = Some("127.0.0.1:5555".parse().unwrap());
        fds.insert(4, info, Some(100));
        let recv = call(Call::Recvfrom, 4, 5, Some(info));
        let hand = roles.observe(101, &recv, &fds).expect("a hand-over");
        assert_eq!(hand.veilleur, 100);
        assert_eq!(roles.of(101), ("exécutant-1".to_string(), Role::Executant));
        // The veilleur's own reads of what it accepted change nothing.
        assert!(roles.observe(100, &recv, &fds).is_none());
        assert_eq!(roles.of(100).0, "veilleur");
        assert_eq!(roles.all().len(), 2);
    }

    #[test]
    fn the_c_library_asking_nscd_makes_no_client() {
        // A server's bind(("localhost", 7777)) in Python: getaddrinfo connects to nscd's
        // socket first, then the thread accepts.
        let mut roles = Roles::default();
        roles.add(9, 9, false);
        let mut fds = Fds::default();
        let local = SockInfo::new(Family::Unix, SockType::Stream);
        let library = SockInfo {
            resolver: true,
            ..local
        };
        let nscd = call(Call::Connect, 4, -1, Some(library));
        roles.observe(9, &nscd, &fds);
        // Its DNS query, over UDP, neither.
        let dns = SockInfo {
            resolver: true,
            ..SockInfo::new(Family::Inet, SockType::Dgram)
        };
        roles.observe(9, &call(Call::Connect, 5, 0, Some(dns)), &fds);
        assert_eq!(roles.of(9).0, "thread-9");
        let info = SockInfo::new(Family::Inet, SockType::Stream);
        fds.insert(3, info, None);
        roles.observe(9, &call(Call::Accept4, 3, 5, Some(info)), &fds);
        assert_eq!(roles.of(9), ("veilleur".to_string(), Role::Veilleur));
        // Another local socket's connect is a client's.
        roles.add(10, 10, false);
        roles.observe(10, &call(Call::Connect, 4, 0, Some(local)), &fds);
        assert_eq!(roles.of(10).1, Role::Client);
    }

    #[test]
    fn a_thread_that_connects_is_a_client() {
        let mut roles = Roles::default();
        roles.add(7, 7, false);
        let fds = Fds::default();
        let info = SockInfo::new(Family::Inet, SockType::Stream);
        roles.observe(7, &call(Call::Connect, 3, -1, Some(info)), &fds);
        assert_eq!(roles.of(7), ("client-1".to_string(), Role::Client));
        roles.add(8, 8, true);
        assert_eq!(roles.of(8).0, "client-2");
        // Thread 8 never made a socket call (a shell before the client's execve): the
        // closing note leaves it out.
        let listed: Vec<u32> = roles.all().iter().map(|r| r.tid).collect();
        assert_eq!(listed, [7]);
    }
}
