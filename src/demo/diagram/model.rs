//! From a trace to a diagram: which sockets the events work on, which two ends make one
//! connection, which `recv` takes the bytes of which `send`, and where each arrow goes in time.
//!
//! Every decision reads typed fields (the call, fd, return value, socket, note, address); no
//! text another part formatted is parsed. The trace's order is the order in which threads
//! reported their calls, which is not quite the kernel's: a `recv` may be reported before the
//! `send` that fed it, an `accept` before the `connect` it completes. So each message is drawn
//! at the first event that proves it happened (the connection at the earlier of `connect`'s
//! and `accept`'s return, bytes at the earlier of the `send`'s return and the `recv` that took
//! them), never below something that depends on it.
//!
//! Packets (`--packets`) are drawn where the merged timeline has them, as the thin arrows of a
//! flow graph beside the calls that sent them: from the thread holding the socket they left to
//! the one holding the socket they reached, found by their addresses.

use std::collections::HashMap;
use std::net::SocketAddr;

use super::{Diagram, Line, Participant, Step, Tone};
use crate::lang::Lang;
use crate::trace::{Call, Event, How, Kind, Note, Phase, Role, SockRole, SockType};

type SockId = usize;

/// What a socket turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Not known yet (just created, or only seen in calls that do not tell).
    Unknown,
    Listening,
    /// A connection opened by `connect`.
    Client,
    /// A connection returned by `accept`.
    Server,
    Datagram,
}

#[derive(Debug)]
struct Sock {
    end: End,
    /// Its own address, once known (bound, named by `getsockname`, or learnt from a peer that
    /// received a datagram from it).
    local: Option<SocketAddr>,
    /// Where `connect` went (a stream's server, a datagram socket's default peer).
    target: Option<SocketAddr>,
    /// The client's address, as `accept` returned it.
    peer: Option<SocketAddr>,
    /// The listening socket a server end came from.
    listener: Option<SockId>,
    /// The event that opened the connection: `connect`'s or `accept`'s return.
    opened: Option<usize>,
    first_sent: Option<String>,
    first_received: Option<String>,
    /// The other end of the connection, when both are in the trace.
    pair: Option<SockId>,
    /// Bytes received and not yet counted: the stream offset of the next byte read.
    read_at: u64,
    /// Bytes sent: the stream offset of the next byte sent.
    sent_at: u64,
    /// The receives that returned bytes: (offset of their first byte, length, event).
    reads: Vec<(u64, u64, usize)>,
    /// The receives that returned 0 with reading still open: the peer's FIN arrived.
    eofs: Vec<usize>,
    /// The events of the lesson's threads on this socket, in order.
    uses: Vec<usize>,
}

impl Sock {
    fn new() -> Sock {
        Sock {
            end: End::Unknown,
            local: None,
            target: None,
            peer: None,
            listener: None,
            opened: None,
            first_sent: None,
            first_received: None,
            pair: None,
            read_at: 0,
            sent_at: 0,
            reads: Vec::new(),
            eofs: Vec::new(),
            uses: Vec::new(),
        }
    }

    fn connected(&self) -> bool {
        matches!(self.end, End::Client | End::Server)
    }
}

/// An event of the lesson: not the demo's own thread, not socklab's own probes, and no packet
/// (a packet is no thread's).
fn lesson(e: &Event) -> bool {
    e.role != Role::Harness && !matches!(e.kind, Kind::Probe | Kind::Packet)
}

/// The call returned (an `Exit`, or a `Call` traced once) without an error.
fn succeeded(e: &Event) -> bool {
    e.phase != Phase::Enter && e.errno.is_none()
}

/// True when `addr` reaches a socket bound to `local`: same port, and the same address or a
/// socket bound to every address.
fn reaches(addr: SocketAddr, local: SocketAddr) -> bool {
    addr.port() == local.port() && (addr.ip() == local.ip() || local.ip().is_unspecified())
}

/// A descriptor of a process: (pid, fd).
type Descriptor = (u32, i32);

/// What the events say of every socket.
struct Sockets {
    socks: Vec<Sock>,
    /// For each event, the socket it works on.
    of: Vec<Option<SockId>>,
    /// For each `accept` that returned a connection, the server end it made.
    made: Vec<Option<SockId>>,
    /// For each `send` that moved bytes on a connection, the offset of its first byte.
    offset: Vec<Option<u64>>,
}

impl Sockets {
    fn track(ev: &[&Event]) -> Sockets {
        let mut s = Sockets {
            socks: Vec::new(),
            of: vec![None; ev.len()],
            made: vec![None; ev.len()],
            offset: vec![None; ev.len()],
        };
        // The descriptors open at this point of the trace, per process.
        let mut open: HashMap<(u32, i32), SockId> = HashMap::new();
        // A `close` in progress, per thread: the descriptor is no longer open (another thread
        // may already get the same number back), but its return still concerns this socket.
        let mut closing: HashMap<u32, SockId> = HashMap::new();
        // `--mode fork`: a child process starts with a copy of its parent's descriptors. The
        // veilleur's hand-over names the exécutant; the child's first event, under that name,
        // takes the parent's descriptors as they were at the hand-over.
        let mut inherits: HashMap<String, Vec<(Descriptor, SockId)>> = HashMap::new();
        let mut pids: std::collections::HashSet<u32> = std::collections::HashSet::new();
        for (i, e) in ev.iter().enumerate() {
            if let Some(Note::HandOver { executant, .. }) = &e.note {
                let copy: Vec<(Descriptor, SockId)> = open
                    .iter()
                    .filter(|((pid, _), _)| *pid == e.pid)
                    .map(|(k, v)| (*k, *v))
                    .collect();
                inherits.insert(Note::executant_name(*executant), copy);
            }
            if pids.insert(e.pid)
                && let Some(copy) = inherits.remove(&e.thread)
            {
                for ((_, fd), id) in copy {
                    open.insert((e.pid, fd), id);
                }
            }
            if matches!(e.kind, Kind::Note | Kind::Library | Kind::Packet) {
                continue;
            }
            let fd = e.fd.filter(|&fd| fd >= 0);
            let id = match (&e.call, e.phase, fd) {
                (Call::Close, Phase::Exit, _) => closing
                    .remove(&e.tid)
                    .or_else(|| fd.and_then(|fd| open.get(&(e.pid, fd)).copied())),
                (_, _, Some(fd)) => Some(*open.entry((e.pid, fd)).or_insert_with(|| {
                    s.socks.push(Sock::new());
                    s.socks.len() - 1
                })),
                _ => None,
            };
            s.of[i] = id;
            let ret = e.ret.unwrap_or(-1);
            if e.call == Call::Socket && succeeded(e) && ret >= 0 {
                s.socks.push(Sock::new());
                open.insert((e.pid, ret as i32), s.socks.len() - 1);
            }
            let Some(id) = id else { continue };
            if lesson(e) {
                s.socks[id].uses.push(i);
            }
            if let Some(info) = e.socket {
                let sock = &mut s.socks[id];
                if sock.end == End::Unknown {
                    sock.end = match (info.ty, info.role) {
                        (SockType::Dgram, _) | (_, SockRole::Datagram) => End::Datagram,
                        (_, SockRole::Listening) => End::Listening,
                        _ => End::Unknown,
                    };
                }
                if let Some(local) = info.local.filter(|a| a.port() != 0) {
                    sock.local = Some(local);
                }
            }
            match &e.call {
                Call::Close if e.phase != Phase::Exit => {
                    if let Some(fd) = fd {
                        open.remove(&(e.pid, fd));
                    }
                    if e.phase == Phase::Enter {
                        closing.insert(e.tid, id);
                    }
                }
                Call::Bind | Call::Getsockname if succeeded(e) => {
                    if let Some(addr) = e.addr.filter(|a| a.port() != 0) {
                        s.socks[id].local = Some(addr);
                    }
                }
                c if c.accepts() && succeeded(e) && ret >= 0 => {
                    let local = s.socks[id].local;
                    let mut end = Sock::new();
                    end.end = End::Server;
                    end.listener = Some(id);
                    end.peer = e.addr;
                    end.local = local;
                    end.opened = Some(i);
                    s.socks.push(end);
                    let made = s.socks.len() - 1;
                    open.insert((e.pid, ret as i32), made);
                    s.made[i] = Some(made);
                }
                Call::Connect if succeeded(e) => {
                    let sock = &mut s.socks[id];
                    sock.target = e.addr.or_else(|| e.peer());
                    if sock.end != End::Datagram {
                        sock.end = End::Client;
                        sock.opened = Some(i);
                    }
                }
                c if c.sends() && succeeded(e) && ret > 0 => {
                    let sock = &mut s.socks[id];
                    if sock.first_sent.is_none() {
                        sock.first_sent = e.preview.clone();
                    }
                    if sock.connected() {
                        s.offset[i] = Some(sock.sent_at);
                        sock.sent_at += ret as u64;
                    }
                }
                c if c.receives() && succeeded(e) && ret >= 0 => {
                    let sock = &mut s.socks[id];
                    if ret > 0 && sock.first_received.is_none() {
                        sock.first_received = e.preview.clone();
                    }
                    if sock.connected() && ret > 0 {
                        sock.reads.push((sock.read_at, ret as u64, i));
                        sock.read_at += ret as u64;
                    } else if sock.connected() && !e.socket.is_some_and(|s| s.shut_read) {
                        sock.eofs.push(i);
                    }
                }
                _ => {}
            }
        }
        s.pair_connections();
        s
    }

    /// The listening socket a client end reached: the last one created before its `connect`
    /// that is bound where the client went.
    fn reached(&self, client: SockId) -> Option<SockId> {
        let target = self.socks[client].target?;
        (0..client).rev().find(|&l| {
            self.socks[l].end == End::Listening
                && self.socks[l]
                    .local
                    .is_some_and(|local| reaches(target, local))
        })
    }

    /// Pairs each server end with the client end it serves. Both came to the same listening
    /// socket; among those, the one whose first bytes the other received (the kernel's accept
    /// queue is in the order handshakes completed, which the trace shows only approximately),
    /// else the first in order.
    fn pair_connections(&mut self) {
        let by_open = |end: End| {
            let mut ids: Vec<SockId> = (0..self.socks.len())
                .filter(|&i| self.socks[i].end == end && self.socks[i].opened.is_some())
                .collect();
            ids.sort_by_key(|&i| self.socks[i].opened);
            ids
        };
        let servers = by_open(End::Server);
        let clients = by_open(End::Client);
        let reached: HashMap<SockId, Option<SockId>> =
            clients.iter().map(|&c| (c, self.reached(c))).collect();
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        for by_data in [true, false] {
            for &s in &servers {
                if self.socks[s].pair.is_some() {
                    continue;
                }
                let server = &self.socks[s];
                let found = clients.iter().copied().find(|&c| {
                    let client = &self.socks[c];
                    client.pair.is_none()
                        && reached[&c] == server.listener
                        && (!by_data
                            || same(&client.first_sent, &server.first_received)
                            || same(&client.first_received, &server.first_sent))
                });
                if let Some(c) = found {
                    self.socks[c].pair = Some(s);
                    self.socks[s].pair = Some(c);
                }
            }
        }
    }

    /// The thread that holds socket `id` at event `at`: the last of the lesson's threads to use
    /// it before, else the first after.
    fn owner<'e>(&self, ev: &[&'e Event], id: SockId, at: usize) -> Option<&'e str> {
        let uses = &self.socks[id].uses;
        let k = uses.partition_point(|&u| u <= at);
        let u = if k > 0 { uses[k - 1] } else { *uses.first()? };
        Some(ev[u].thread.as_str())
    }

    /// The socket a packet from `local` to `remote` left (or reached, the two swapped), at
    /// event `at`: the connection end with that address pair (its listener, before `accept`
    /// made it), else the listening or datagram socket bound there, else a client whose own
    /// port the trace never learnt, connected to `remote`.
    fn end_of(&self, local: SocketAddr, remote: SocketAddr, at: usize) -> Option<SockId> {
        let other = |s: &Sock| match s.end {
            End::Client => s.target,
            End::Server => s.peer,
            _ => None,
        };
        let ends: Vec<SockId> = (0..self.socks.len())
            .filter(|&i| {
                let s = &self.socks[i];
                s.connected()
                    && other(s) == Some(remote)
                    && s.local.is_some_and(|l| reaches(local, l))
            })
            .collect();
        // The same pair may be used again: the last end opened by then, else the first.
        let end = ends
            .iter()
            .rev()
            .find(|&&i| self.socks[i].opened.is_some_and(|o| o <= at))
            .or(ends.first())
            .copied();
        if let Some(end) = end {
            let s = &self.socks[end];
            return match (s.end, s.opened, s.listener) {
                (End::Server, Some(opened), Some(l)) if at < opened => Some(l),
                _ => Some(end),
            };
        }
        let bound = |kind: End| {
            (0..self.socks.len()).rev().find(|&i| {
                self.socks[i].end == kind
                    && self.socks[i].local.is_some_and(|l| reaches(local, l))
                    && self.socks[i].uses.first().is_some_and(|&u| u <= at)
            })
        };
        bound(End::Listening)
            .or_else(|| bound(End::Datagram))
            .or_else(|| {
                (0..self.socks.len()).find(|&i| {
                    let s = &self.socks[i];
                    s.end == End::Client && s.local.is_none() && s.target == Some(remote)
                })
            })
    }

    /// The receive on `id` that took the byte at stream offset `offset`.
    fn taker(&self, id: SockId, offset: u64) -> Option<usize> {
        // The reads follow each other in the stream: the one that starts at or before the
        // offset, if it reaches it.
        let reads = &self.socks[id].reads;
        let k = reads.partition_point(|&(start, _, _)| start <= offset);
        let &(start, len, i) = reads.get(k.checked_sub(1)?)?;
        (offset < start + len).then_some(i)
    }
}

/// Pairs each datagram with the receive that took it: the first receive of that length and
/// those bytes, not yet paired, on a socket bound where it went. A receive says where its
/// datagram came from, which names the sending socket, so the answer sent back there finds
/// its receiver too. Returns, per send, the receive; per receive, whether a send of the trace
/// explains it.
fn datagrams(ev: &[&Event], socks: &mut Sockets) -> (Vec<Option<usize>>, Vec<bool>) {
    let mut taken = vec![false; ev.len()];
    let mut to = vec![None; ev.len()];
    // Each datagram socket's receives, and how many of the first ones are paired already: a
    // long trace is not searched again from its start for every datagram.
    let mut receives: HashMap<SockId, (usize, Vec<usize>)> = HashMap::new();
    for (j, r) in ev.iter().enumerate() {
        if let Some(id) = socks.of[j]
            && socks.socks[id].end == End::Datagram
            && r.call.receives()
            && succeeded(r)
        {
            receives.entry(id).or_default().1.push(j);
        }
    }
    let mut pending: Vec<usize> = (0..ev.len())
        .filter(|&i| {
            socks.of[i].is_some_and(|id| socks.socks[id].end == End::Datagram)
                && ev[i].call.sends()
                && succeeded(ev[i])
        })
        .collect();
    // A send's return may be reported after the answer to it: the answer's receiver is then
    // known only once the request was paired. So the sends left unpaired are tried again
    // while pairing others teaches where sockets are.
    loop {
        let before = pending.len();
        pending.retain(|&i| {
            let e = ev[i];
            let Some(id) = socks.of[i] else { return false };
            let Some(dest) = e.addr.or(socks.socks[id].target) else {
                return false;
            };
            let mut bound: Vec<SockId> = receives
                .keys()
                .copied()
                .filter(|&rid| {
                    rid != id && socks.socks[rid].local.is_some_and(|l| reaches(dest, l))
                })
                .collect();
            bound.sort_unstable();
            let found = bound.into_iter().find_map(|rid| {
                let (done, list) = receives.get_mut(&rid)?;
                while *done < list.len() && taken[list[*done]] {
                    *done += 1;
                }
                list[*done..]
                    .iter()
                    .copied()
                    .find(|&j| !taken[j] && ev[j].ret == e.ret && ev[j].preview == e.preview)
            });
            let Some(j) = found else { return true };
            taken[j] = true;
            to[i] = Some(j);
            if socks.socks[id].local.is_none() {
                socks.socks[id].local = ev[j].addr;
            }
            false
        });
        if pending.len() == before {
            break;
        }
    }
    (to, taken)
}

/// Someone in the diagram: a thread of the trace, or a program outside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Who {
    Thread(String),
    /// Known by its address; `left`: a client of the traced server, drawn on the clients' side.
    Remote {
        addr: SocketAddr,
        left: bool,
    },
}

enum Draft {
    Arrow {
        from: Who,
        to: Who,
        label: String,
        line: Line,
    },
    Note {
        over: Who,
        text: String,
        tone: Tone,
    },
    /// Over the server's lifelines.
    ServerSpan {
        text: String,
    },
}

/// A step and where it goes: before the steps of event `at` (`early`: it was proved by that
/// event, which comes before its own steps) or among them, in the order they were made.
struct Placed {
    at: usize,
    early: bool,
    made: usize,
    draft: Draft,
}

struct Builder {
    lang: Lang,
    placed: Vec<Placed>,
    /// The event being drawn.
    current: usize,
}

impl Builder {
    fn put(&mut self, at: usize, draft: Draft) {
        let made = self.placed.len();
        self.placed.push(Placed {
            at,
            early: at < self.current,
            made,
            draft,
        });
    }

    fn arrow(&mut self, at: usize, from: Who, to: Who, label: String, line: Line) {
        self.put(
            at,
            Draft::Arrow {
                from,
                to,
                label,
                line,
            },
        );
    }

    fn note(&mut self, over: &str, text: String, tone: Tone) {
        let at = self.current;
        self.put(
            at,
            Draft::Note {
                over: Who::Thread(over.to_string()),
                text,
                tone,
            },
        );
    }

    fn bytes(&self, n: i64) -> String {
        match (self.lang, n) {
            (Lang::Fr, 0 | 1) => format!("{n} octet"),
            (Lang::En, 1) => "1 byte".to_string(),
            (Lang::Fr, n) => format!("{n} octets"),
            (Lang::En, n) => format!("{n} bytes"),
        }
    }
}

/// Calls worth drawing as waiting when they blocked.
fn waits(call: &Call) -> bool {
    call.accepts() || call.receives() || call.multiplexes() || *call == Call::Connect
}

/// True when a call blocked: its return came more than 2 ms after its start, and another
/// thread did something meanwhile.
fn blocked(events: &[&Event], at: usize) -> bool {
    let enter = events[at];
    let Some(exit) = events[at + 1..]
        .iter()
        .position(|e| e.tid == enter.tid)
        .map(|k| at + 1 + k)
    else {
        return true;
    };
    exit > at + 1 && events[exit].ts_us.saturating_sub(enter.ts_us) > 2_000
}

fn remote_name(addr: &SocketAddr, lang: Lang) -> String {
    format!("{}{addr}", lang.pick("distant ", "remote "))
}

/// A call as the diagram names it: `recvfrom(7)`.
fn call_on(e: &Event) -> String {
    match e.fd {
        Some(fd) => format!("{}({fd})", e.call),
        None => format!("{}()", e.call),
    }
}

const HANDSHAKE: &str = "connect (SYN, SYN-ACK, ACK)";

/// Turns a trace into a diagram.
pub fn build(events: &[Event], lang: Lang) -> Diagram {
    let mut ev: Vec<&Event> = events.iter().collect();
    // The writer numbers events as they arrive: that is the order to draw them in.
    ev.sort_by_key(|e| e.seq);
    let mut socks = Sockets::track(&ev);
    let (datagram_to, datagram_explained) = datagrams(&ev, &mut socks);
    let threads: Vec<&str> = {
        let mut seen: Vec<&str> = Vec::new();
        for e in ev.iter().filter(|e| lesson(e)) {
            if !seen.contains(&e.thread.as_str()) {
                seen.push(&e.thread);
            }
        }
        seen
    };
    let mut b = Builder {
        lang,
        placed: Vec::new(),
        current: 0,
    };
    // A FIN already left this end (`shutdown(SHUT_WR)`): its `close` sends no other.
    let mut fin_sent = vec![false; socks.socks.len()];
    let thread = |i: usize| Who::Thread(ev[i].thread.clone());
    let remote = |addr: SocketAddr, left: bool| Who::Remote { addr, left };
    // Who is at the other end of a connection end, for a message sent at `at`.
    let owner_or_remote = |id: SockId, at: usize| -> Option<Who> {
        let sock = &socks.socks[id];
        match sock.pair {
            Some(p) => socks.owner(&ev, p, at).map(|t| Who::Thread(t.to_string())),
            None => match sock.end {
                End::Client => sock.target.map(|a| remote(a, false)),
                _ => sock.peer.map(|a| remote(a, true)),
            },
        }
    };
    // Where the handshake of a connection end is drawn: at the earlier of its `connect`'s
    // and its `accept`'s return.
    let handshake_at = |id: SockId| -> Option<usize> {
        let sock = &socks.socks[id];
        let other = sock.pair.and_then(|p| socks.socks[p].opened);
        match (sock.opened, other) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    };

    // Who sent or received a packet: the thread holding that end then, else the program
    // outside the trace at that address (on the clients' side when it talks to a server).
    let packet_end = |local: SocketAddr, remote: SocketAddr, at: usize| -> (Option<Who>, bool) {
        match socks.end_of(local, remote, at) {
            Some(id) => {
                let server = matches!(socks.socks[id].end, End::Server | End::Listening);
                let who = socks.owner(&ev, id, at).map(|t| Who::Thread(t.to_string()));
                (who, server)
            }
            None => (None, false),
        }
    };

    for (i, e) in ev.iter().enumerate() {
        b.current = i;
        let t = e.thread.as_str();
        let id = socks.of[i];
        if let Some(p) = e.packet.as_ref().filter(|_| e.kind == Kind::Packet) {
            let (from, from_server) = packet_end(p.src, p.dst, i);
            let (to, to_server) = packet_end(p.dst, p.src, i);
            let (from, to) = match (from, to) {
                (Some(f), Some(t)) => (f, t),
                (Some(f), None) => (f, remote(p.dst, from_server)),
                (None, Some(t)) => (remote(p.src, to_server), t),
                (None, None) => continue,
            };
            let label = match p.len {
                0 => p.label(),
                n => format!("{} len={n}", p.label()),
            };
            b.arrow(i, from, to, label, Line::Packet);
            continue;
        }
        if e.kind == Kind::Note {
            match &e.note {
                // The harness's only step: where the demo stops its server.
                Some(Note::HarnessStop) => b.put(
                    i,
                    Draft::ServerSpan {
                        text: Note::HarnessStop.text(t, lang),
                    },
                ),
                _ if !lesson(e) => {}
                Some(Note::HandOver { fd, executant, .. })
                    if threads.contains(&Note::executant_name(*executant).as_str()) =>
                {
                    let to = Who::Thread(Note::executant_name(*executant));
                    b.arrow(i, thread(i), to, format!("fd {fd}"), Line::HandOver);
                }
                Some(note) => b.note(t, note.text(t, lang), Tone::Plain),
                None => {}
            }
            continue;
        }
        // The harness (the demo's own thread) starts and stops the server: its calls are not
        // the lesson's, and its stop is drawn once, at its note.
        if !lesson(e) {
            continue;
        }
        if e.kind == Kind::Library {
            let text = format!(
                "{}({}) [{}]",
                e.call,
                e.brief,
                lang.pick("bibliothèque", "library")
            );
            b.note(t, text, Tone::Plain);
            continue;
        }
        if e.phase == Phase::Enter {
            if waits(&e.call) && blocked(&ev, i) {
                let text = format!("{}({}) {}", e.call, e.brief, lang.pick("attend…", "waits…"));
                b.note(t, text, Tone::Waiting);
            }
            continue;
        }
        let ret = e.ret.unwrap_or(-1);
        if let Some(errno) = &e.errno {
            // The EINVAL of an accept woken by the server's stop is the normal way out.
            if !e.call.accepts() || errno != "EINVAL" {
                b.note(t, format!("{} = -1 {errno}", call_on(e)), Tone::Error);
            }
            continue;
        }
        let sock = id.map(|id| &socks.socks[id]);
        match &e.call {
            Call::Listen => {
                // With port 0 the port is only known from the getsockname that follows.
                let addr = id
                    .and_then(|id| socks.socks[id].local)
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                b.note(t, format!("listen {addr}"), Tone::Plain);
            }
            c if c.accepts() => {
                let Some(made) = socks.made[i] else { continue };
                let end = &socks.socks[made];
                let client = match end.pair {
                    Some(c) => socks.socks[c].uses.first().map(|&u| thread(u)),
                    None => end.peer.map(|a| remote(a, true)),
                };
                let Some(client) = client else { continue };
                // Drawn here unless the client's connect returned first.
                if handshake_at(made) == Some(i) {
                    b.arrow(
                        i,
                        client.clone(),
                        thread(i),
                        HANDSHAKE.into(),
                        Line::Connect,
                    );
                }
                let from = match &client {
                    Who::Thread(name) => name.clone(),
                    Who::Remote { addr, .. } => addr.to_string(),
                };
                b.note(t, format!("{} = {ret} ← {from}", e.call), Tone::Accept);
            }
            Call::Connect => {
                let Some(id) = id.filter(|&id| socks.socks[id].end == End::Client) else {
                    continue;
                };
                if handshake_at(id) != Some(i) {
                    continue;
                }
                // To the server's listening side: the thread that accepts this connection,
                // else the one that listens there, else the server outside the trace.
                let sock = &socks.socks[id];
                let to = sock
                    .pair
                    .and_then(|p| socks.socks[p].opened)
                    .map(thread)
                    .or_else(|| {
                        let l = socks.reached(id)?;
                        socks.owner(&ev, l, i).map(|t| Who::Thread(t.to_string()))
                    })
                    .or_else(|| sock.target.map(|a| remote(a, false)));
                if let Some(to) = to {
                    b.arrow(i, thread(i), to, HANDSHAKE.into(), Line::Connect);
                }
            }
            c if c.sends() && ret >= 0 => {
                let (Some(id), Some(sock)) = (id, sock) else {
                    continue;
                };
                let label = b.bytes(ret);
                if sock.end == End::Datagram {
                    match (datagram_to[i], e.addr.or(sock.target)) {
                        (Some(j), _) => {
                            b.arrow(i.min(j), thread(i), thread(j), label, Line::Data);
                        }
                        (None, Some(dest)) => {
                            let to = remote(dest, e.role != Role::Client);
                            b.arrow(i, thread(i), to, label, Line::Data);
                        }
                        (None, None) => {}
                    }
                    continue;
                }
                if !sock.connected() || ret == 0 {
                    continue;
                }
                let taker = match (sock.pair, socks.offset[i]) {
                    (Some(p), Some(offset)) => socks.taker(p, offset),
                    _ => None,
                };
                match taker {
                    Some(j) => b.arrow(i.min(j), thread(i), thread(j), label, Line::Data),
                    None => {
                        if let Some(to) = owner_or_remote(id, i) {
                            b.arrow(i, thread(i), to, label, Line::Data);
                        }
                    }
                }
            }
            c if c.receives() && ret >= 0 => {
                let Some(sock) = sock else { continue };
                match sock.end {
                    // A datagram no send of the trace explains came from outside. A receive
                    // without a source is no datagram (the socket was shut down).
                    End::Datagram if !datagram_explained[i] => {
                        if let Some(from) = e.addr {
                            let label = b.bytes(ret);
                            let from = remote(from, e.role != Role::Client);
                            b.arrow(i, from, thread(i), label, Line::Data);
                        }
                    }
                    End::Client | End::Server if ret == 0 => {
                        let text = if e.socket.is_some_and(|s| s.shut_read) {
                            lang.pick(
                                "recv = 0 : lecture fermée (shutdown)",
                                "recv = 0: reading shut down",
                            )
                        } else {
                            lang.pick("recv = 0 : fin du flot", "recv = 0: end of stream")
                        };
                        b.note(t, text.into(), Tone::Plain);
                    }
                    End::Client | End::Server if sock.pair.is_none() => {
                        let from = match sock.end {
                            End::Client => sock.target.map(|a| remote(a, false)),
                            _ => sock.peer.map(|a| remote(a, true)),
                        };
                        if let Some(from) = from {
                            let label = b.bytes(ret);
                            b.arrow(i, from, thread(i), label, Line::Data);
                        }
                    }
                    _ => {}
                }
            }
            Call::Close | Call::Shutdown => {
                let fd = e.fd.unwrap_or(-1);
                let (Some(id), Some(sock)) = (id, sock) else {
                    continue;
                };
                // A descriptor another process also holds (fork): closing this copy sends
                // nothing, the connection lives on in the other process.
                let shared = e.socket.is_some_and(|s| s.shared);
                let sends_fin = match (&e.call, e.how) {
                    (Call::Close, _) => !fin_sent[id] && !shared,
                    (_, Some(How::Write | How::Both)) => true,
                    _ => false,
                };
                if !sock.connected() || !sends_fin {
                    let text = match e.how {
                        Some(how) => format!("shutdown({fd}, {})", how.name()),
                        None => call_on(e),
                    };
                    b.note(t, text, Tone::Plain);
                    continue;
                }
                // Unread bytes make the kernel answer a close with RST instead of FIN.
                let flag = if e.call == Call::Close && e.socket.and_then(|s| s.unread) > Some(0) {
                    "RST"
                } else {
                    "FIN"
                };
                let label = match e.how {
                    Some(how) => format!("shutdown {} ({flag})", how.name()),
                    None => format!("close ({flag})"),
                };
                // The FIN is seen where the peer's recv returns 0.
                let eof = sock.pair.and_then(|p| socks.socks[p].eofs.first().copied());
                match eof {
                    Some(j) => b.arrow(i.min(j), thread(i), thread(j), label, Line::Close),
                    None => {
                        if let Some(to) = owner_or_remote(id, i) {
                            b.arrow(i, thread(i), to, label, Line::Close);
                        }
                    }
                }
                fin_sent[id] = true;
            }
            _ => {}
        }
    }
    assemble(&ev, &threads, b.placed, lang)
}

/// Puts the steps in their order and resolves who is who: the clients on the left (by name),
/// then the server's threads (the veilleur or main first, then the exécutants by number, then
/// helpers), programs outside the trace at either edge.
fn assemble(ev: &[&Event], threads: &[&str], mut placed: Vec<Placed>, lang: Lang) -> Diagram {
    placed.sort_by_key(|p| (p.at, !p.early, p.made));
    let role_of = |name: &str| {
        ev.iter()
            .find(|e| e.thread == name && lesson(e))
            .map_or(Role::Main, |e| e.role)
    };
    let rank = |role: Role| match role {
        Role::Client => 0,
        Role::Veilleur | Role::Main => 1,
        Role::Executant => 2,
        Role::Helper | Role::Harness => 3,
    };
    let mut lifelines: Vec<(&str, Role)> = threads.iter().map(|t| (*t, role_of(t))).collect();
    // Numbers in names sort as numbers: client-2 before client-10. The sort is stable, so
    // otherwise the threads keep the order in which they first appear.
    lifelines.sort_by_key(|&(name, role)| {
        let numbered = rank(role) == 0 || role == Role::Executant;
        (rank(role), numbered.then(|| (name.len(), name.to_string())))
    });
    // A program outside the trace is one lifeline, on the side where it first appears.
    let mut remotes: Vec<(SocketAddr, bool)> = Vec::new();
    for p in &placed {
        let whos: Vec<&Who> = match &p.draft {
            Draft::Arrow { from, to, .. } => vec![from, to],
            Draft::Note { over, .. } => vec![over],
            Draft::ServerSpan { .. } => vec![],
        };
        for who in whos {
            if let Who::Remote { addr, left } = who
                && !remotes.iter().any(|(a, _)| a == addr)
            {
                remotes.push((*addr, *left));
            }
        }
    }
    let mut participants: Vec<Participant> = Vec::new();
    let mut threads_at: HashMap<&str, usize> = HashMap::new();
    let mut remotes_at: HashMap<SocketAddr, usize> = HashMap::new();
    let remote = |addr: &SocketAddr| Participant {
        name: remote_name(addr, lang),
        role: None,
    };
    for (addr, _) in remotes.iter().filter(|r| r.1) {
        remotes_at.insert(*addr, participants.len());
        participants.push(remote(addr));
    }
    for &(name, role) in &lifelines {
        threads_at.insert(name, participants.len());
        participants.push(Participant {
            name: name.to_string(),
            role: Some(role),
        });
    }
    for (addr, _) in remotes.iter().filter(|r| !r.1) {
        remotes_at.insert(*addr, participants.len());
        participants.push(remote(addr));
    }
    let index = |who: &Who| match who {
        Who::Thread(name) => threads_at.get(name.as_str()).copied(),
        Who::Remote { addr, .. } => remotes_at.get(addr).copied(),
    };
    let server: Vec<usize> = participants
        .iter()
        .enumerate()
        .filter(|(_, p)| p.role.is_some_and(|r| r != Role::Client))
        .map(|(i, _)| i)
        .collect();
    let (first, last) = match (server.first(), server.last()) {
        (Some(&f), Some(&l)) => (f, l),
        _ => (0, participants.len().saturating_sub(1)),
    };
    let steps = placed
        .into_iter()
        .filter_map(|p| {
            Some(match p.draft {
                Draft::Arrow {
                    from,
                    to,
                    label,
                    line,
                } => Step::Arrow {
                    from: index(&from)?,
                    to: index(&to)?,
                    label,
                    line,
                },
                Draft::Note { over, text, tone } => Step::Note {
                    over: index(&over)?,
                    text,
                    tone,
                },
                // Nobody to stop: a trace of the harness alone.
                Draft::ServerSpan { .. } if participants.is_empty() => return None,
                Draft::ServerSpan { text } => Step::Span { first, last, text },
            })
        })
        .collect();
    Diagram {
        participants,
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Family, Packet, SockInfo, TcpFlag, Transport};

    const SERVER: &str = "127.0.0.1:7777";
    const CLIENT: &str = "127.0.0.1:40000";

    fn addr(a: &str) -> SocketAddr {
        a.parse().unwrap()
    }

    fn role(thread: &str) -> Role {
        match thread {
            t if t.starts_with("client") => Role::Client,
            "veilleur" => Role::Veilleur,
            "demo" => Role::Harness,
            "main" => Role::Main,
            _ => Role::Executant,
        }
    }

    fn ev(tid: u32, thread: &str, call: Call, fd: i32, ret: i64) -> Event {
        let mut e = Event::new(Kind::Syscall, Phase::Call, call);
        e.tid = tid;
        e.thread = thread.into();
        e.role = role(thread);
        e.fd = Some(fd);
        e.ret = Some(ret);
        e
    }

    fn stream(role: SockRole, local: Option<&str>, peer: Option<&str>) -> Option<SockInfo> {
        let mut s = SockInfo::new(Family::Inet, SockType::Stream);
        s.role = role;
        s.local = local.map(addr);
        s.peer = peer.map(addr);
        Some(s)
    }

    fn note(thread: &str, note: Note) -> Event {
        let mut e = Event::new(Kind::Note, Phase::Call, Call::Note);
        e.thread = thread.into();
        e.role = role(thread);
        e.note = Some(note);
        e
    }

    /// A veilleur listening on SERVER; `then` follows, numbered in order.
    fn trace(then: Vec<Event>) -> Vec<Event> {
        let mut listen = ev(20, "veilleur", Call::Listen, 5, 0);
        listen.socket = stream(SockRole::Listening, Some(SERVER), None);
        let mut all = vec![listen];
        all.extend(then);
        for (k, e) in all.iter_mut().enumerate() {
            e.seq = k as u64 + 1;
        }
        all
    }

    fn connect(tid: u32, thread: &str, fd: i32) -> Event {
        let mut c = ev(tid, thread, Call::Connect, fd, 0);
        c.addr = Some(addr(SERVER));
        c.socket = stream(SockRole::Connected, None, Some(SERVER));
        c
    }

    fn accept(fd: i32, peer: &str) -> Event {
        let mut a = ev(20, "veilleur", Call::Accept4, 5, fd as i64);
        a.addr = Some(addr(peer));
        a.socket = stream(SockRole::Listening, Some(SERVER), None);
        a
    }

    fn data(mut e: Event, preview: &str) -> Event {
        e.preview = Some(format!("{preview:?}"));
        e.bytes = e.ret.map(|n| n as usize);
        e
    }

    fn arrows(d: &Diagram) -> Vec<(&str, &str, &str)> {
        d.steps
            .iter()
            .filter_map(|s| match s {
                Step::Arrow {
                    from, to, label, ..
                } => Some((
                    d.participants[*from].name.as_str(),
                    d.participants[*to].name.as_str(),
                    label.as_str(),
                )),
                _ => None,
            })
            .collect()
    }

    fn notes(d: &Diagram) -> Vec<(&str, &str)> {
        d.steps
            .iter()
            .filter_map(|s| match s {
                Step::Note { over, text, .. } => {
                    Some((d.participants[*over].name.as_str(), text.as_str()))
                }
                _ => None,
            })
            .collect()
    }

    /// A client and an exécutant: handshake, one message each way, close.
    #[test]
    fn handshake_data_and_close() {
        let events = trace(vec![
            connect(10, "client-1", 3),
            accept(4, CLIENT),
            note(
                "veilleur",
                Note::HandOver {
                    fd: 4,
                    peer: addr(CLIENT),
                    executant: 1,
                },
            ),
            data(ev(10, "client-1", Call::Sendto, 3, 5), "hello"),
            data(ev(21, "exécutant-1", Call::Recvfrom, 4, 5), "hello"),
            data(ev(21, "exécutant-1", Call::Sendto, 4, 5), "hello"),
            data(ev(10, "client-1", Call::Recvfrom, 3, 5), "hello"),
            ev(10, "client-1", Call::Close, 3, 0),
            ev(21, "exécutant-1", Call::Recvfrom, 4, 0),
        ]);
        let d = build(&events, Lang::En);
        assert_eq!(d.names(), ["client-1", "veilleur", "exécutant-1"]);
        assert_eq!(
            arrows(&d),
            [
                ("client-1", "veilleur", HANDSHAKE),
                ("veilleur", "exécutant-1", "fd 4"),
                ("client-1", "exécutant-1", "5 bytes"),
                ("exécutant-1", "client-1", "5 bytes"),
                ("client-1", "exécutant-1", "close (FIN)"),
            ]
        );
        assert!(notes(&d).contains(&("veilleur", "accept4 = 4 ← client-1")));
        assert!(notes(&d).contains(&("exécutant-1", "recv = 0: end of stream")));
    }

    /// The bug the README's picture had: the client's connect and its first bytes are reported
    /// before the veilleur's accept. The connection is drawn at the connect, above its bytes;
    /// the accept comes later, on the veilleur's lifeline.
    #[test]
    fn the_connection_is_drawn_above_the_bytes_it_carries() {
        let events = trace(vec![
            connect(10, "client-1", 3),
            data(ev(10, "client-1", Call::Sendto, 3, 5), "early"),
            accept(4, CLIENT),
            data(ev(20, "veilleur", Call::Recvfrom, 4, 5), "early"),
        ]);
        let d = build(&events, Lang::En);
        let steps: Vec<String> = d
            .steps
            .iter()
            .map(|s| match s {
                Step::Arrow { label, .. } => label.clone(),
                Step::Note { text, .. } => text.clone(),
                Step::Span { text, .. } => text.clone(),
            })
            .collect();
        let at = |s: &str| steps.iter().position(|x| x.starts_with(s)).unwrap();
        assert!(at("connect") < at("5 bytes"), "{steps:?}");
        assert!(at("5 bytes") < at("accept4 = 4"), "{steps:?}");
    }

    /// The server's bytes reported before the client's connect returned: the connection is
    /// drawn at the accept, still above them.
    #[test]
    fn an_accept_reported_first_draws_the_connection() {
        let events = trace(vec![
            accept(4, CLIENT),
            data(ev(20, "veilleur", Call::Sendto, 4, 26), "date"),
            connect(10, "client-1", 3),
            data(ev(10, "client-1", Call::Recvfrom, 3, 26), "date"),
        ]);
        let d = build(&events, Lang::Fr);
        assert_eq!(
            arrows(&d),
            [
                ("client-1", "veilleur", HANDSHAKE),
                ("veilleur", "client-1", "26 octets"),
            ]
        );
    }

    /// Two clients whose handshakes the trace shows in one order and the server accepted in
    /// the other: the bytes tell which accept served which client.
    #[test]
    fn accepts_pair_with_clients_by_their_bytes() {
        let events = trace(vec![
            connect(10, "client-1", 3),
            connect(11, "client-2", 6),
            accept(4, "127.0.0.1:40002"),
            accept(7, "127.0.0.1:40001"),
            data(ev(10, "client-1", Call::Sendto, 3, 4), "one\n"),
            data(ev(11, "client-2", Call::Sendto, 6, 4), "two\n"),
            data(ev(20, "veilleur", Call::Recvfrom, 4, 4), "two\n"),
            data(ev(20, "veilleur", Call::Recvfrom, 7, 4), "one\n"),
        ]);
        let d = build(&events, Lang::En);
        let n = notes(&d);
        assert!(n.contains(&("veilleur", "accept4 = 4 ← client-2")), "{n:?}");
        assert!(n.contains(&("veilleur", "accept4 = 7 ← client-1")), "{n:?}");
    }

    /// One recv can take the bytes of two sends, and a send can be reported after the recv
    /// that took it: the arrow is drawn at the recv, before what the receiver does next.
    #[test]
    fn bytes_go_to_the_recv_that_took_them() {
        let events = trace(vec![
            connect(10, "client-1", 3),
            accept(4, CLIENT),
            data(ev(10, "client-1", Call::Sendto, 3, 3), "ab\n"),
            data(ev(20, "veilleur", Call::Recvfrom, 4, 6), "ab\ncd\n"),
            data(ev(20, "veilleur", Call::Sendto, 4, 6), "ab\ncd\n"),
            data(ev(10, "client-1", Call::Sendto, 3, 3), "cd\n"),
        ]);
        let d = build(&events, Lang::En);
        assert_eq!(
            arrows(&d),
            [
                ("client-1", "veilleur", HANDSHAKE),
                ("client-1", "veilleur", "3 bytes"),
                ("client-1", "veilleur", "3 bytes"),
                ("veilleur", "client-1", "6 bytes"),
            ]
        );
    }

    /// The demo's own thread stops the server: one note across the server's lifelines, none of
    /// its calls, no lifeline for it.
    #[test]
    fn the_harness_is_a_labelled_end_not_a_lifeline() {
        let mut stop = ev(30, "demo", Call::Shutdown, 5, 0);
        stop.how = Some(How::Both);
        stop.socket = stream(SockRole::Listening, Some(SERVER), None);
        let mut einval = ev(20, "veilleur", Call::Accept4, 5, -1);
        einval.errno = Some("EINVAL".into());
        let events = trace(vec![
            connect(10, "client-1", 3),
            accept(4, CLIENT),
            note(
                "veilleur",
                Note::HandOver {
                    fd: 4,
                    peer: addr(CLIENT),
                    executant: 1,
                },
            ),
            ev(21, "exécutant-1", Call::Close, 4, 0),
            note("demo", Note::HarnessStop),
            stop,
            einval,
            ev(20, "veilleur", Call::Close, 5, 0),
        ]);
        let d = build(&events, Lang::Fr);
        assert_eq!(d.names(), ["client-1", "veilleur", "exécutant-1"]);
        let spans: Vec<&Step> = d
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Span { .. }))
            .collect();
        assert_eq!(
            spans,
            [&Step::Span {
                first: 1,
                last: 2,
                text: "la démo arrête le serveur".into()
            }]
        );
        assert!(!notes(&d).iter().any(|(_, t)| t.contains("shutdown")));
        assert_eq!(notes(&d).last(), Some(&("veilleur", "close(5)")));
    }

    fn packet(from: &str, to: &str, flags: &[TcpFlag], len: usize) -> Event {
        let mut e = Event::new(Kind::Packet, Phase::Call, Call::Packet);
        e.thread = "lo".into();
        e.packet = Some(Packet {
            proto: Transport::Tcp,
            src: addr(from),
            dst: addr(to),
            flags: flags.to_vec(),
            seq: Some(0),
            ack: None,
            len,
            preview: None,
        });
        e
    }

    fn packets(d: &Diagram) -> Vec<(&str, &str, &str)> {
        d.steps
            .iter()
            .filter_map(|s| match s {
                Step::Arrow {
                    from,
                    to,
                    label,
                    line: Line::Packet,
                } => Some((
                    d.participants[*from].name.as_str(),
                    d.participants[*to].name.as_str(),
                    label.as_str(),
                )),
                _ => None,
            })
            .collect()
    }

    /// Packets go from the thread holding the end they left to the one holding the end they
    /// reached: the handshake to the veilleur (no exécutant holds the connection yet), the data
    /// to the exécutant, its FIN back to the client. No lifeline for the interface.
    #[test]
    fn packets_go_between_the_threads_holding_their_ends() {
        use TcpFlag::{Ack, Fin, Psh, Syn};
        let mut c = connect(10, "client-1", 3);
        c.socket = stream(SockRole::Connected, Some(CLIENT), Some(SERVER));
        let events = trace(vec![
            packet(CLIENT, SERVER, &[Syn], 0),
            packet(SERVER, CLIENT, &[Syn, Ack], 0),
            packet(CLIENT, SERVER, &[Ack], 0),
            c,
            accept(4, CLIENT),
            note(
                "veilleur",
                Note::HandOver {
                    fd: 4,
                    peer: addr(CLIENT),
                    executant: 1,
                },
            ),
            data(ev(10, "client-1", Call::Sendto, 3, 5), "hello"),
            packet(CLIENT, SERVER, &[Psh, Ack], 5),
            data(ev(21, "exécutant-1", Call::Recvfrom, 4, 5), "hello"),
            ev(21, "exécutant-1", Call::Close, 4, 0),
            packet(SERVER, CLIENT, &[Fin, Ack], 0),
        ]);
        let d = build(&events, Lang::En);
        assert_eq!(d.names(), ["client-1", "veilleur", "exécutant-1"]);
        assert_eq!(
            packets(&d),
            [
                ("client-1", "veilleur", "SYN"),
                ("veilleur", "client-1", "SYN-ACK"),
                ("client-1", "veilleur", "ACK"),
                ("client-1", "exécutant-1", "PSH-ACK len=5"),
                ("exécutant-1", "client-1", "FIN-ACK"),
            ]
        );
        // Beside the calls: the SYN above the connection the connect completes.
        let first_packet = d.steps.iter().position(|s| {
            matches!(
                s,
                Step::Arrow {
                    line: Line::Packet,
                    ..
                }
            )
        });
        let connection = d.steps.iter().position(|s| {
            matches!(
                s,
                Step::Arrow {
                    line: Line::Connect,
                    ..
                }
            )
        });
        assert!(first_packet < connection, "{:?}", d.steps);
        // Without packets, the same trace draws none.
        let none: Vec<Event> = events
            .into_iter()
            .filter(|e| e.kind != Kind::Packet)
            .collect();
        assert!(packets(&build(&none, Lang::En)).is_empty());
    }

    /// A server alone: the packets of its client outside the trace go to and from the same
    /// remote lifeline as its calls' arrows.
    #[test]
    fn a_lone_servers_packets_come_from_its_remote_client() {
        let events = trace(vec![
            packet(CLIENT, SERVER, &[TcpFlag::Syn], 0),
            accept(4, CLIENT),
            data(ev(20, "veilleur", Call::Recvfrom, 4, 3), "hi\n"),
            packet(SERVER, CLIENT, &[TcpFlag::Ack], 0),
        ]);
        let d = build(&events, Lang::En);
        assert_eq!(d.names(), ["remote 127.0.0.1:40000", "veilleur"]);
        assert_eq!(
            packets(&d),
            [
                ("remote 127.0.0.1:40000", "veilleur", "SYN"),
                ("veilleur", "remote 127.0.0.1:40000", "ACK"),
            ]
        );
    }

    #[test]
    fn a_lone_client_talks_to_a_remote_server() {
        let mut c = connect(10, "client", 3);
        c.seq = 1;
        let mut r = ev(10, "client", Call::Recvfrom, 3, 12);
        r.seq = 2;
        r.socket = stream(SockRole::Connected, None, Some(SERVER));
        let d = build(&[c, r], Lang::Fr);
        assert_eq!(d.names(), ["client", "distant 127.0.0.1:7777"]);
        assert_eq!(
            arrows(&d),
            [
                ("client", "distant 127.0.0.1:7777", HANDSHAKE),
                ("distant 127.0.0.1:7777", "client", "12 octets"),
            ]
        );
    }

    /// A server alone: its client is outside the trace, on the left.
    #[test]
    fn a_lone_server_draws_its_client_on_the_left() {
        let events = trace(vec![
            accept(4, CLIENT),
            data(ev(20, "veilleur", Call::Recvfrom, 4, 3), "hi\n"),
        ]);
        let d = build(&events, Lang::En);
        assert_eq!(d.names(), ["remote 127.0.0.1:40000", "veilleur"]);
        assert!(notes(&d).contains(&("veilleur", "accept4 = 4 ← 127.0.0.1:40000")));
    }

    /// Datagrams go to the socket bound where they were sent, and the answer back to the
    /// socket the request came from, not to whichever client receives the same size next.
    #[test]
    fn datagrams_find_their_receivers_by_address() {
        let dgram = |local: Option<&str>| {
            let mut s = SockInfo::new(Family::Inet, SockType::Dgram);
            s.local = local.map(addr);
            Some(s)
        };
        let send = |tid, thread, fd, to: &str, what: &str, local| {
            let mut e = data(ev(tid, thread, Call::Sendto, fd, what.len() as i64), what);
            e.addr = Some(addr(to));
            e.socket = dgram(local);
            e
        };
        let recv = |tid, thread, fd, from: &str, what: &str, local| {
            let mut e = data(ev(tid, thread, Call::Recvfrom, fd, what.len() as i64), what);
            e.addr = Some(addr(from));
            e.socket = dgram(local);
            e
        };
        let mut bind = ev(20, "main", Call::Bind, 4, 0);
        bind.addr = Some(addr(SERVER));
        bind.socket = dgram(Some(SERVER));
        let mut events = vec![
            bind,
            send(10, "client-1", 5, SERVER, "from 1", None),
            send(11, "client-2", 6, SERVER, "from 2", None),
            recv(20, "main", 4, "127.0.0.1:40002", "from 2", Some(SERVER)),
            recv(20, "main", 4, "127.0.0.1:40001", "from 1", Some(SERVER)),
            send(20, "main", 4, "127.0.0.1:40001", "from 1", Some(SERVER)),
            send(20, "main", 4, "127.0.0.1:40002", "from 2", Some(SERVER)),
            recv(11, "client-2", 6, SERVER, "from 2", None),
            recv(10, "client-1", 5, SERVER, "from 1", None),
        ];
        for (k, e) in events.iter_mut().enumerate() {
            e.seq = k as u64 + 1;
        }
        let d = build(&events, Lang::En);
        assert_eq!(
            arrows(&d),
            [
                ("client-1", "main", "6 bytes"),
                ("client-2", "main", "6 bytes"),
                ("main", "client-1", "6 bytes"),
                ("main", "client-2", "6 bytes"),
            ]
        );
        // client-1's send reported after the answer to it (seen in a real run): the answer
        // still goes to client-1, not to a remote program.
        let late = events.remove(1);
        events.insert(6, late);
        for (k, e) in events.iter_mut().enumerate() {
            e.seq = k as u64 + 1;
        }
        let d = build(&events, Lang::En);
        assert_eq!(d.names(), ["client-1", "client-2", "main"]);
        assert!(arrows(&d).contains(&("main", "client-1", "6 bytes")));
    }
}
