//! One thread's calls made comparable: each call reduced to what it does (its kind, its
//! sockets numbered by order of appearance, the option it sets, how it ended), so that two
//! programs written differently (Python's `recvfrom` and C's `read`, fd 4 in one and fd 5 in
//! the other) compare equal when they make the same moves.

use std::collections::HashMap;

use crate::grade::traced::run::{Run, ok, received};
use crate::trace::{Call, Event, Note};

/// One call of a thread, as it is compared and as it is shown.
#[derive(Debug, Clone)]
pub struct Step<'a> {
    pub event: &'a Event,
    /// What is compared: equal keys are the same move.
    pub key: String,
    /// What is shown: the call with its sockets renumbered (`#1`, `#2`).
    pub shown: String,
}

/// The calls of one thread, under the name its trace gives it.
#[derive(Debug)]
pub struct Thread<'a> {
    /// `veilleur`, `exécutant-1`, `client-1`: the name in the trace's closing roles note.
    pub name: String,
    pub pid: u32,
    pub tid: u32,
    /// The kernel's name for it (`python3`), when the trace says it.
    pub comm: String,
    pub steps: Vec<Step<'a>>,
}

impl<'a> Thread<'a> {
    /// The thread that made `events` (at least one), under `name`, its calls made comparable.
    pub fn of(name: String, comm: String, events: &[&'a Event]) -> Thread<'a> {
        Thread {
            name,
            pid: events[0].pid,
            tid: events[0].tid,
            comm,
            steps: renumbered(events),
        }
    }
}

/// Calls that only ask the kernel something and change nothing: left out of the comparison
/// unless asked (`--all`), since a language's runtime makes them on its own (Python's
/// `accept` calls `getsockname` to learn the new socket's family).
pub fn is_query(call: &Call) -> bool {
    matches!(
        call,
        Call::Getsockname | Call::Getpeername | Call::Getsockopt | Call::Fcntl | Call::Ioctl
    )
}

/// The threads of a run that made at least one call, in order of their first call, each
/// with its calls made comparable. `all`: queries kept.
pub fn threads(run: &Run, all: bool) -> Vec<Thread<'_>> {
    let names = final_names(run);
    let mut order: Vec<u32> = Vec::new();
    let mut calls: HashMap<u32, Vec<&Event>> = HashMap::new();
    // A call whose return never came is the one the program was stopped in: not a move.
    for e in run.calls().filter(|e| e.ret.is_some()) {
        if !all && is_query(&e.call) {
            continue;
        }
        if !calls.contains_key(&e.tid) {
            order.push(e.tid);
        }
        calls.entry(e.tid).or_default().push(e);
    }
    order
        .into_iter()
        .map(|tid| {
            let events = calls.remove(&tid).unwrap_or_default();
            let (name, comm) = names
                .get(&tid)
                .cloned()
                .unwrap_or_else(|| (events[0].thread.clone(), String::new()));
            Thread::of(name, comm, &events)
        })
        .collect()
}

/// Each thread's final name and kernel name, from the closing roles note of `socklab trace`
/// (a thread is `thread-TID` until it shows its role); socklab's own programs name their
/// threads from the start, and have no such note.
fn final_names(run: &Run) -> HashMap<u32, (String, String)> {
    run.events
        .iter()
        .filter_map(|e| match &e.note {
            Some(Note::Roles { roles }) => Some(roles),
            _ => None,
        })
        .flatten()
        .map(|r| (r.tid, (r.thread.clone(), r.comm.clone())))
        .collect()
}

/// The calls with their descriptors numbered in order of appearance: the first socket the
/// thread uses is `#1`, the next `#2`, and a number freed by `close` and given again by the
/// kernel is a new socket with a new rank.
pub fn renumbered<'a>(events: &[&'a Event]) -> Vec<Step<'a>> {
    let mut ranks = Ranks::default();
    events
        .iter()
        .map(|e| {
            let fd = e.fd.map(|fd| ranks.of(fd));
            let step = describe(e, fd, &mut ranks);
            if e.call == Call::Close
                && ok(e)
                && let Some(fd) = e.fd
            {
                ranks.forget(fd);
            }
            step
        })
        .collect()
}

#[derive(Default)]
struct Ranks {
    live: HashMap<i32, usize>,
    given: usize,
}

impl Ranks {
    fn of(&mut self, fd: i32) -> usize {
        if let Some(&r) = self.live.get(&fd) {
            return r;
        }
        self.given += 1;
        self.live.insert(fd, self.given);
        self.given
    }

    fn forget(&mut self, fd: i32) {
        self.live.remove(&fd);
    }
}

/// The kind of move a call is: the calls that do the same thing under other names share it.
fn kind(call: &Call) -> &str {
    if call.accepts() {
        "accept"
    } else if call.receives() {
        "recv"
    } else if call.sends() {
        "send"
    } else if call.multiplexes() {
        "wait"
    } else {
        match call {
            Call::Dup | Call::Dup2 | Call::Dup3 => "dup",
            other => other.name(),
        }
    }
}

fn describe<'a>(e: &'a Event, fd: Option<usize>, ranks: &mut Ranks) -> Step<'a> {
    let name = e.call.name();
    let hash = |r: Option<usize>| r.map(|r| format!("#{r}")).unwrap_or_else(|| "?".into());
    let fd_s = hash(fd);
    // A call that returns a new descriptor gives it its rank now.
    let new_fd = |ranks: &mut Ranks| {
        e.ret
            .filter(|&r| r >= 0 && ok(e))
            .map(|r| format!("#{}", ranks.of(r as i32)))
    };
    let outcome = match (&e.errno, e.ret) {
        (Some(errno), _) => format!("-1 {errno}"),
        (None, Some(r)) => r.to_string(),
        (None, None) => "?".into(),
    };
    let failed = e
        .errno
        .as_ref()
        .map(|n| format!(" {n}"))
        .unwrap_or_default();
    let (key, shown) = match &e.call {
        Call::Socket => {
            let (family, ty) = match &e.socket {
                Some(s) => (s.family.name().to_string(), s.ty.name().to_string()),
                None => {
                    let mut words = e.args.split(", ");
                    let family = words.next().unwrap_or("").to_string();
                    let ty = words.next().unwrap_or("").split('|').next().unwrap_or("");
                    (family, ty.to_string())
                }
            };
            let ret = new_fd(ranks).unwrap_or_else(|| outcome.clone());
            (
                format!("socket {family} {ty}{failed}"),
                format!("socket({family}, {ty}) = {ret}"),
            )
        }
        c if c.accepts() => {
            let ret = new_fd(ranks).unwrap_or_else(|| outcome.clone());
            (
                format!("accept {fd_s}{failed}"),
                format!("{name}({fd_s}) = {ret}"),
            )
        }
        Call::Setsockopt => {
            let (opt, value) = match &e.option {
                Some(o) => (
                    o.name.name().to_string(),
                    o.value.map(|v| v.to_string()).unwrap_or_default(),
                ),
                None => (
                    e.args.split(", ").nth(2).unwrap_or("?").to_string(),
                    String::new(),
                ),
            };
            (
                format!("setsockopt {fd_s} {opt} {value}{failed}"),
                format!("setsockopt({fd_s}, {opt}, {value}) = {outcome}"),
            )
        }
        Call::Bind | Call::Connect => {
            let addr = e.addr.map(|a| a.to_string()).unwrap_or_default();
            let ip = e.addr.map(|a| a.ip().to_string()).unwrap_or_default();
            (
                format!("{name} {fd_s} {ip}{failed}"),
                format!("{name}({fd_s}, {addr}) = {outcome}"),
            )
        }
        Call::Listen => {
            let backlog = e.args.rsplit(", ").next().unwrap_or("").to_string();
            (
                format!("listen {fd_s} {backlog}{failed}"),
                format!("listen({fd_s}, {backlog}) = {outcome}"),
            )
        }
        c if c.receives() => {
            // What a receive brought is what decides the program's next move: bytes, or the
            // end of the stream.
            let got = match received(e) {
                Some(0) => "eof",
                Some(_) => "data",
                None => "",
            };
            (
                format!("recv {fd_s} {got}{failed}"),
                format!("{name}({fd_s}) = {outcome}"),
            )
        }
        c if c.sends() => (
            format!("send {fd_s}{failed}"),
            format!("{name}({fd_s}) = {outcome}"),
        ),
        Call::Shutdown => {
            let how = e
                .how
                .map(|h| h.name().to_string())
                .unwrap_or_else(|| e.args.rsplit(", ").next().unwrap_or("").to_string());
            (
                format!("shutdown {fd_s} {how}{failed}"),
                format!("shutdown({fd_s}, {how}) = {outcome}"),
            )
        }
        c if c.multiplexes() => (format!("wait{failed}"), format!("{name}(…) = {outcome}")),
        Call::Dup | Call::Dup2 | Call::Dup3 => {
            let ret = new_fd(ranks).unwrap_or_else(|| outcome.clone());
            (
                format!("dup {fd_s}{failed}"),
                format!("{name}({fd_s}) = {ret}"),
            )
        }
        other => {
            let fd_part = if fd.is_some() {
                fd_s.clone()
            } else {
                "…".into()
            };
            (
                format!("{} {fd_part}{failed}", kind(other)),
                format!("{name}({fd_part}) = {outcome}"),
            )
        }
    };
    Step {
        event: e,
        key,
        shown,
    }
}

/// The role a thread name stands for: `exécutant-2` is an exécutant, `thread-4242` a thread
/// with no socket role.
pub fn role_of(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((role, n)) if n.chars().all(|c| c.is_ascii_digit()) => role,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::traced::run::tests::call;

    #[test]
    fn sockets_are_numbered_by_appearance_and_a_reused_number_is_a_new_socket() {
        let events = [
            call(1, 9, 9, "accept4", 3, 4),
            call(2, 9, 9, "recvfrom", 4, 0),
            call(3, 9, 9, "close", 4, 0),
            call(4, 9, 9, "accept4", 3, 4),
        ];
        let refs: Vec<&Event> = events.iter().collect();
        let shown: Vec<String> = renumbered(&refs).into_iter().map(|s| s.shown).collect();
        assert_eq!(
            shown,
            [
                "accept4(#1) = #2",
                "recvfrom(#2) = 0",
                "close(#2) = 0",
                "accept4(#1) = #3"
            ]
        );
    }

    #[test]
    fn the_same_move_under_other_names_has_one_key() {
        let a = [
            call(1, 1, 1, "recvfrom", 7, 5),
            call(2, 1, 1, "sendto", 7, 5),
        ];
        let b = [call(1, 2, 2, "read", 4, 3), call(2, 2, 2, "write", 4, 3)];
        let keys = |evs: &[Event]| -> Vec<String> {
            let refs: Vec<&Event> = evs.iter().collect();
            renumbered(&refs).into_iter().map(|s| s.key).collect()
        };
        assert_eq!(keys(&a), keys(&b));
        let eof = [call(1, 2, 2, "read", 4, 0)];
        assert_ne!(
            keys(&a)[0],
            keys(&eof)[0],
            "the end of the stream is another move"
        );
    }

    #[test]
    fn role_names_lose_their_number() {
        assert_eq!(role_of("exécutant-12"), "exécutant");
        assert_eq!(role_of("veilleur"), "veilleur");
        assert_eq!(role_of("client-1"), "client");
    }
}
