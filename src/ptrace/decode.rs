//! From a stopped system call to the trace event socklab's own calls emit.
//!
//! At the call's entry ([`enter`]) socklab reads what the program hands the kernel (the
//! address given to `connect`, the bytes given to `send`, the descriptors given to `poll`) and
//! decides whether the call is one to show at all (a `close` of a file is not). At its exit
//! ([`exit`]) it reads what the kernel handed back (the bytes `recv` received, the client's
//! address `accept` filled in), writes the arguments as strace prints them, and records in the
//! process's table what the call made of the socket (bound, listening, connected, closed).
//!
//! The argument registers are `args[0..6]` in the order of the C prototype, on every
//! architecture: `recvfrom(fd, buf, len, flags, src_addr, addrlen)` is `args[0]` to `args[5]`.

use super::calls::Sc;
use super::fds::Fds;
use super::memory::{self, Sockaddr};
use super::names;
use super::resolver;
use crate::sock::addr::STORAGE_LEN;
use crate::sock::traced::{Outcome, fill};
use crate::trace::escape::{STRACE_STRSIZE, strace_quote};
use crate::trace::{Event, How, Kind, Opt, Phase, Side, SockInfo, SockRole, SockType};

/// How a call returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ret {
    /// Success, with this value.
    Value(i64),
    /// Failure, with this errno.
    Error(i32),
    /// Interrupted by a signal, to be restarted by the kernel (`ERESTARTSYS`): the program
    /// never sees this return; strace prints `= ? ERESTARTSYS`.
    Restart(&'static str),
}

impl Ret {
    /// From the exit's value and error flag, as `PTRACE_GET_SYSCALL_INFO` gives them.
    pub fn of(sval: i64, is_error: bool) -> Ret {
        if !is_error {
            return Ret::Value(sval);
        }
        match names::restart_name(-sval) {
            Some(name) => Ret::Restart(name),
            None => Ret::Error((-sval) as i32),
        }
    }

    fn ok(self) -> Option<i64> {
        match self {
            Ret::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// A call stopped at its entry, with what was read then.
#[derive(Debug)]
pub struct Pending {
    pub sc: Sc,
    pub args: [u64; 6],
    pub fd: Option<i32>,
    /// Shown as it starts (an `Enter` event), then as it returns, as socklab shows its own
    /// calls that may wait: `accept`, `recv`, `connect`, `send`, `close`, `poll`...
    pub blocks: bool,
    /// The arguments known at the entry, strace's way and the short way.
    pub before: (String, String),
    /// The socket as it was at the entry.
    pub socket: Option<SockInfo>,
    pub option: Option<Opt>,
    pub how: Option<How>,
    pub size: Option<usize>,
    /// The address the program gave (`bind`, `connect`, `sendto`).
    pub addr: Option<Sockaddr>,
    /// The first bytes the program gave (`send`, `write`), and how many it gave in all.
    pub data: Vec<u8>,
    pub total: usize,
    /// The size of the address buffer the program offered (`accept`, `recvfrom`,
    /// `getsockname`): strace's `[128 => 16]`.
    pub len_in: Option<u32>,
    /// `poll`: each descriptor and the events asked for.
    pub polls: Vec<(i32, i16)>,
    /// `select`: the descriptors of the read, write and except sets.
    pub sets: [Option<Vec<i32>>; 3],
    /// The arguments after the data, strace's way (`1024, 0, NULL, NULL`), when known at
    /// the entry.
    pub tail: String,
}

impl Pending {
    fn new(sc: Sc, args: [u64; 6]) -> Pending {
        Pending {
            sc,
            args,
            fd: None,
            blocks: false,
            before: (String::new(), String::new()),
            socket: None,
            option: None,
            how: None,
            size: None,
            addr: None,
            data: Vec::new(),
            total: 0,
            len_in: None,
            polls: Vec::new(),
            sets: [None, None, None],
            tail: String::new(),
        }
    }

    /// The event of the call about to run: its `Enter` event, and what the step gate shows.
    pub fn ahead(&self) -> Event {
        let mut ev = Event::new(Kind::Syscall, Phase::Enter, self.sc.call());
        ev.fd = self.fd;
        ev.socket = self.socket;
        ev.option = self.option.clone();
        ev.how = self.how;
        ev.size = self.size;
        ev.args = self.before.0.clone();
        ev.brief = self.before.1.clone();
        if let Some(a) = self.addr.as_ref().and_then(Sockaddr::ip) {
            ev.addr = Some(a);
        }
        ev.path = self.unix_path();
        ev
    }

    /// The path a `bind` or `connect` gave a local socket.
    fn unix_path(&self) -> Option<String> {
        match (&self.addr, self.sc) {
            (Some(Sockaddr::Unix(p)), Sc::Bind | Sc::Connect) if !p.is_empty() => Some(p.clone()),
            _ => None,
        }
    }
}

/// The descriptor argument as the C prototype has it (an `int`).
fn fd_arg(v: u64) -> i32 {
    v as u32 as i32
}

fn ptr(v: u64) -> String {
    if v == 0 {
        "NULL".into()
    } else {
        format!("{v:#x}")
    }
}

/// `[16]` when the kernel left the length as given, `[128 => 16]` when it changed it.
fn len_pair(before: Option<u32>, after: Option<u32>) -> String {
    match (before, after) {
        (Some(b), Some(a)) if a != b => format!("[{b} => {a}]"),
        (Some(b), _) => format!("[{b}]"),
        (None, Some(a)) => format!("[{a}]"),
        (None, None) => "NULL".into(),
    }
}

fn quote(data: &[u8], total: usize) -> String {
    strace_quote(data, total, STRACE_STRSIZE)
}

/// The call at its entry, or `None` when it is no socket call and runs without being shown
/// (a `read` of a file, a `close` of a pipe, a `poll` on the terminal only). `cap` is how many
/// bytes of data to read.
pub fn enter(sc: Sc, a: [u64; 6], tid: i32, fds: &mut Fds, cap: usize) -> Option<Pending> {
    let mut p = Pending::new(sc, a);
    let fd0 = fd_arg(a[0]);
    let on_socket = |p: &mut Pending| {
        p.fd = Some(fd0);
        p.socket = fds.info(fd0);
    };
    match sc {
        Sc::Socket => {
            let (family, ty) = (a[0] as i32, a[1] as i32);
            p.socket = Some(SockInfo::new(names::family(family), names::sock_type(ty)));
            p.before = (
                format!(
                    "{}, {}, {}",
                    memory::family_name(family),
                    names::sock_type_flags(ty),
                    names::protocol(family, a[2] as i32)
                ),
                format!(
                    "{}, {}",
                    memory::family_name(family),
                    names::sock_type_flags(ty & 0xf)
                ),
            );
        }
        Sc::Socketpair => {
            let (family, ty) = (a[0] as i32, a[1] as i32);
            p.socket = Some(SockInfo::new(names::family(family), names::sock_type(ty)));
            let head = format!(
                "{}, {}, {}",
                memory::family_name(family),
                names::sock_type_flags(ty),
                a[2] as i32
            );
            p.before = (format!("{head}, "), head);
        }
        Sc::Bind | Sc::Connect => {
            on_socket(&mut p);
            p.addr = memory::sockaddr(tid, a[1], a[2] as u32);
            if sc == Sc::Connect
                && let (Some(addr), Some(s)) = (&p.addr, fds.socket(fd0))
                && resolver::is_library(addr, s.borrow().info.ty)
            {
                // The C library resolving a name: this socket, and every call on it, is its.
                s.borrow_mut().info.resolver = true;
                p.socket = fds.info(fd0);
            }
            let shown = p.addr.as_ref().map_or_else(|| ptr(a[1]), Sockaddr::strace);
            let short = p.addr.as_ref().map_or_else(|| ptr(a[1]), Sockaddr::brief);
            p.before = (
                format!("{fd0}, {shown}, {}", a[2] as u32),
                format!("{fd0}, {short}"),
            );
            p.blocks = sc == Sc::Connect;
        }
        Sc::Listen => {
            on_socket(&mut p);
            let backlog = a[1] as i32;
            p.before = (
                format!("{fd0}, {backlog}"),
                format!("{fd0}, backlog={backlog}"),
            );
        }
        Sc::Accept | Sc::Accept4 => {
            on_socket(&mut p);
            p.len_in = (a[2] != 0).then(|| memory::read_u32(tid, a[2])).flatten();
            p.before = (format!("{fd0}, "), format!("{fd0}"));
            p.blocks = true;
        }
        Sc::Getsockname | Sc::Getpeername => {
            on_socket(&mut p);
            p.len_in = memory::read_u32(tid, a[2]);
            p.before = (format!("{fd0}, "), format!("{fd0}"));
        }
        Sc::Setsockopt => {
            on_socket(&mut p);
            let (level, name, len) = (a[1] as i32, a[2] as i32, a[4] as u32);
            let (text, typed) = names::option(level, name);
            let raw = memory::read(tid, a[3], (len as usize).min(64)).unwrap_or_default();
            let (shown, value) = option_value(&typed, &raw, len);
            p.option = Some(Opt {
                name: typed.clone(),
                value,
            });
            p.before = (
                format!("{fd0}, {}, {text}, {shown}, {len}", names::level(level)),
                format!(
                    "{fd0}, {text}, {}",
                    value.map_or(shown.clone(), short_value(&typed))
                ),
            );
        }
        Sc::Getsockopt => {
            on_socket(&mut p);
            let (text, typed) = names::option(a[1] as i32, a[2] as i32);
            p.option = Some(Opt {
                name: typed,
                value: None,
            });
            p.len_in = memory::read_u32(tid, a[4]);
            p.tail = text.clone();
            p.before = (
                format!("{fd0}, {}, {text}, ", names::level(a[1] as i32)),
                format!("{fd0}, {text}"),
            );
        }
        Sc::Sendto | Sc::Write => {
            if sc == Sc::Write && !fds.is_socket(fd0) {
                return None;
            }
            on_socket(&mut p);
            p.total = a[2] as usize;
            p.data = memory::read(tid, a[1], p.total.min(cap)).unwrap_or_default();
            let q = quote(&p.data, p.total);
            let args = if sc == Sc::Sendto {
                p.addr = (a[4] != 0)
                    .then(|| memory::sockaddr(tid, a[4], a[5] as u32))
                    .flatten();
                let to = p.addr.as_ref().map_or_else(|| ptr(a[4]), Sockaddr::strace);
                format!(
                    "{fd0}, {q}, {}, {}, {to}, {}",
                    p.total,
                    names::msg_flags(a[3] as i32),
                    a[5] as u32
                )
            } else {
                format!("{fd0}, {q}, {}", p.total)
            };
            p.before = (args, format!("{fd0}, {}", p.total));
            p.blocks = true;
        }
        Sc::Sendmsg => {
            on_socket(&mut p);
            let msg = read_msghdr(tid, a[1], usize::MAX, cap);
            p.total = msg.iov_total;
            p.data = msg.data.clone();
            p.addr = msg.name.clone();
            p.before = (
                format!(
                    "{fd0}, {}, {}",
                    msg.strace(None),
                    names::msg_flags(a[2] as i32)
                ),
                format!("{fd0}, {}", p.total),
            );
            p.blocks = true;
        }
        Sc::Recvfrom | Sc::Read | Sc::Recvmsg | Sc::Readv => {
            if matches!(sc, Sc::Read | Sc::Readv) && !fds.is_socket(fd0) {
                return None;
            }
            on_socket(&mut p);
            let size = match sc {
                Sc::Recvfrom | Sc::Read => a[2] as usize,
                Sc::Recvmsg => read_msghdr(tid, a[1], 0, 0).iov_total,
                _ => memory::iovecs(tid, a[1], a[2], 0, 0)
                    .each
                    .iter()
                    .map(|e| e.1)
                    .sum(),
            };
            p.size = Some(size);
            if sc == Sc::Recvfrom && a[5] != 0 {
                p.len_in = memory::read_u32(tid, a[5]);
            }
            p.before = (format!("{fd0}, "), format!("{fd0}, {size}"));
            p.blocks = true;
        }
        Sc::Sendmmsg | Sc::Recvmmsg => {
            on_socket(&mut p);
            p.before = (
                format!("{fd0}, {}, {}, {}", ptr(a[1]), a[2] as u32, a[3] as u32),
                format!("{fd0}, {} messages", a[2] as u32),
            );
            p.blocks = true;
        }
        Sc::Writev => {
            if !fds.is_socket(fd0) {
                return None;
            }
            on_socket(&mut p);
            let io = memory::iovecs(tid, a[1], a[2], usize::MAX, cap);
            p.total = io.each.iter().map(|e| e.1).sum();
            p.data = io.data.clone();
            p.before = (
                format!("{fd0}, {}, {}", iov_list(&io, None), a[2]),
                format!("{fd0}, {}", p.total),
            );
            p.blocks = true;
        }
        Sc::Shutdown => {
            on_socket(&mut p);
            p.how = names::how(a[1] as i32);
            let h = p.how.map_or_else(|| a[1].to_string(), |h| h.name().into());
            p.before = (format!("{fd0}, {h}"), format!("{fd0}, {h}"));
            p.blocks = true;
            // Recorded before the call, as socklab's own shutdown does: a thread blocked in
            // `recv` wakes up with 0 as soon as the kernel acts, and must not take that 0 for
            // the peer's FIN.
            if p.how != Some(How::Write)
                && let Some(s) = fds.socket(fd0)
            {
                s.borrow_mut().info.shut_read = true;
            }
        }
        Sc::Close => {
            if !fds.is_socket(fd0) {
                // An epoll instance is forgotten here; any other descriptor was never known.
                fds.remove(fd0);
                return None;
            }
            on_socket(&mut p);
            p.before = (format!("{fd0}"), format!("{fd0}"));
            p.blocks = true;
        }
        Sc::CloseRange => {
            let (first, last) = (a[0] as u32, a[1] as u32);
            if a[2] & 4 != 0 {
                // CLOSE_RANGE_CLOEXEC: marks them close-on-exec, closes nothing.
                return None;
            }
            let any =
                (first..=last.min(first.saturating_add(65536))).any(|fd| fds.is_socket(fd as i32));
            fds.remove_range(first, last);
            if !any {
                return None;
            }
            let text = format!("{first}, {last}, {}", a[2]);
            p.before = (text.clone(), text);
        }
        Sc::Dup | Sc::Dup2 | Sc::Dup3 | Sc::Fcntl => {
            let target = fd_arg(a[1]);
            let new_is_socket = matches!(sc, Sc::Dup2 | Sc::Dup3) && fds.is_socket(target);
            if !fds.is_socket(fd0) && !new_is_socket {
                return None;
            }
            on_socket(&mut p);
            let text = match sc {
                Sc::Dup => format!("{fd0}"),
                Sc::Dup2 => format!("{fd0}, {target}"),
                Sc::Dup3 => format!("{fd0}, {target}, {}", names::open_flags(a[2] as i32)),
                _ => {
                    let cmd = if a[1] as i32 == libc::F_DUPFD {
                        "F_DUPFD"
                    } else {
                        "F_DUPFD_CLOEXEC"
                    };
                    format!("{fd0}, {cmd}, {}", a[2] as i32)
                }
            };
            p.before = (text.clone(), text);
        }
        Sc::Poll | Sc::Ppoll => {
            let n = (a[1] as usize).min(1024);
            let raw = memory::read(tid, a[0], n * 8).unwrap_or_default();
            p.polls = raw
                .chunks_exact(8)
                .map(|c| {
                    (
                        i32::from_ne_bytes(c[0..4].try_into().unwrap()),
                        i16::from_ne_bytes(c[4..6].try_into().unwrap()),
                    )
                })
                .collect();
            if !p.polls.iter().any(|(fd, _)| fds.is_socket(*fd)) {
                return None;
            }
            let list: Vec<String> = p
                .polls
                .iter()
                .map(|(fd, ev)| format!("{{fd={fd}, events={}}}", names::poll_events(*ev)))
                .collect();
            let (timeout, wait) = if sc == Sc::Poll {
                let ms = a[2] as i32;
                (ms.to_string(), wait_ms(Some(i64::from(ms))))
            } else {
                let t = read_timespec(tid, a[2]);
                (
                    t.map_or_else(|| "NULL".into(), |(s, ns)| timespec_text(s, ns)),
                    wait_ms(t.map(|(s, ns)| s * 1000 + ns / 1_000_000)),
                )
            };
            let mut args = format!("[{}], {}, {timeout}", list.join(", "), a[1]);
            if sc == Sc::Ppoll {
                args.push_str(&format!(", {}, {}", ptr(a[3]), a[4]));
            }
            let fds_list: Vec<String> = p.polls.iter().map(|(fd, _)| fd.to_string()).collect();
            p.before = (args, format!("[{}], {}", fds_list.join(", "), wait.0));
            p.blocks = wait.1;
        }
        Sc::Select | Sc::Pselect6 => {
            let nfds = (a[0] as i32).clamp(0, 1024);
            for (i, set) in p.sets.iter_mut().enumerate() {
                *set = read_fd_set(tid, a[1 + i], nfds);
            }
            let any = p
                .sets
                .iter()
                .flatten()
                .flatten()
                .any(|fd| fds.is_socket(*fd));
            if !any {
                return None;
            }
            let sets: Vec<String> = p.sets.iter().map(|s| fd_set_text(s.as_deref())).collect();
            let (timeout, wait) = if sc == Sc::Select {
                let t = read_timeval(tid, a[4]);
                (
                    t.map_or_else(|| "NULL".into(), |(s, us)| timeval_text(s, us)),
                    wait_ms(t.map(|(s, us)| s * 1000 + us / 1000)),
                )
            } else {
                let t = read_timespec(tid, a[4]);
                (
                    t.map_or_else(|| "NULL".into(), |(s, ns)| timespec_text(s, ns)),
                    wait_ms(t.map(|(s, ns)| s * 1000 + ns / 1_000_000)),
                )
            };
            let mut args = format!("{nfds}, {}, {timeout}", sets.join(", "));
            if sc == Sc::Pselect6 {
                args.push_str(&format!(", {}", ptr(a[5])));
            }
            let watched = p.sets[0].clone().unwrap_or_default();
            let short: Vec<String> = watched.iter().map(|f| f.to_string()).collect();
            p.before = (args, format!("[{}], {}", short.join(", "), wait.0));
            p.blocks = wait.1;
        }
        Sc::EpollCtl => {
            let target = fd_arg(a[2]);
            if !fds.is_socket(target) {
                return None;
            }
            fds.mark_epoll(fd0);
            p.fd = Some(target);
            p.socket = fds.info(target);
            let ev = epoll_events_at(tid, a[3], 1);
            let op = names::epoll_op(a[1] as i32);
            p.before = (
                format!(
                    "{fd0}, {op}, {target}, {}",
                    ev.first().map_or("NULL".into(), |e| e.clone())
                ),
                format!("{fd0}, {}, {target}", op.trim_start_matches("EPOLL_CTL_")),
            );
        }
        Sc::EpollWait | Sc::EpollPwait | Sc::EpollPwait2 => {
            if !fds.watches_sockets(fd0) {
                return None;
            }
            let wait = if sc == Sc::EpollPwait2 {
                wait_ms(read_timespec(tid, a[3]).map(|(s, ns)| s * 1000 + ns / 1_000_000))
            } else {
                wait_ms(Some(i64::from(a[3] as i32)))
            };
            p.before = (format!("{fd0}, "), format!("{fd0}, {}", wait.0));
            p.blocks = wait.1;
        }
    }
    Some(p)
}

/// A timeout the short way (`∞`, `500 ms`), and whether the call may wait at all.
fn wait_ms(ms: Option<i64>) -> (String, bool) {
    match ms {
        None => ("∞".into(), true),
        Some(ms) if ms < 0 => ("∞".into(), true),
        Some(0) => ("0 ms".into(), false),
        Some(ms) => (format!("{ms} ms"), true),
    }
}

/// A `struct timespec` (seconds, nanoseconds) at `addr`; `None` for `NULL`, which means "no
/// timeout, wait for ever".
fn read_timespec(tid: i32, addr: u64) -> Option<(i64, i64)> {
    let s = memory::read_u64(tid, addr)? as i64;
    let ns = memory::read_u64(tid, addr + 8)? as i64;
    Some((s, ns))
}

/// A `struct timeval` (seconds, microseconds): the same two 64-bit fields on both
/// architectures.
fn read_timeval(tid: i32, addr: u64) -> Option<(i64, i64)> {
    read_timespec(tid, addr)
}

fn timespec_text(s: i64, ns: i64) -> String {
    format!("{{tv_sec={s}, tv_nsec={ns}}}")
}

fn timeval_text(s: i64, us: i64) -> String {
    format!("{{tv_sec={s}, tv_usec={us}}}")
}

/// The descriptors in the `fd_set` at `addr` (its first `nfds` bits); `None` for `NULL`.
fn read_fd_set(tid: i32, addr: u64, nfds: i32) -> Option<Vec<i32>> {
    if addr == 0 {
        return None;
    }
    // An fd_set is an array of longs: bit N of the array is descriptor N.
    let words = (nfds as usize).div_ceil(64).max(1);
    let raw = memory::read(tid, addr, words * 8).unwrap_or_default();
    Some(
        (0..nfds)
            .filter(|fd| {
                let (byte, bit) = (*fd as usize / 8, *fd as usize % 8);
                raw.get(byte).is_some_and(|b| b & (1 << bit) != 0)
            })
            .collect(),
    )
}

/// `[3 4]`, strace's way of printing an `fd_set`.
fn fd_set_text(set: Option<&[i32]>) -> String {
    match set {
        None => "NULL".into(),
        Some(fds) => {
            let list: Vec<String> = fds.iter().map(|f| f.to_string()).collect();
            format!("[{}]", list.join(" "))
        }
    }
}

/// `n` `struct epoll_event`s at `addr`: `{events=EPOLLIN, data={u32=4, u64=4}}`.
fn epoll_events_at(tid: i32, addr: u64, n: usize) -> Vec<String> {
    // x86_64 packs the struct (12 bytes); aarch64 aligns its 64-bit data (16 bytes).
    let size = if cfg!(target_arch = "x86_64") { 12 } else { 16 };
    let data_at = if cfg!(target_arch = "x86_64") { 4 } else { 8 };
    let raw = memory::read(tid, addr, n.min(64) * size).unwrap_or_default();
    raw.chunks_exact(size)
        .map(|c| {
            let events = u32::from_ne_bytes(c[0..4].try_into().unwrap());
            let data = u64::from_ne_bytes(c[data_at..data_at + 8].try_into().unwrap());
            format!(
                "{{events={}, data={{u32={}, u64={data}}}}}",
                names::epoll_events(events),
                data as u32
            )
        })
        .collect()
}

/// An option's value as strace prints it (`[1]`, `{tv_sec=2, tv_usec=0}`,
/// `{l_onoff=1, l_linger=0}`), and as the trace records it (0 or 1 for a flag, microseconds
/// for a timeout, seconds for `SO_LINGER`).
fn option_value(name: &crate::trace::OptName, raw: &[u8], len: u32) -> (String, Option<i64>) {
    use crate::trace::OptName::*;
    let int = |at: usize| {
        raw.get(at..at + 4)
            .map(|b| i32::from_ne_bytes(b.try_into().unwrap()))
    };
    let long = |at: usize| {
        raw.get(at..at + 8)
            .map(|b| i64::from_ne_bytes(b.try_into().unwrap()))
    };
    match name {
        RcvTimeo | SndTimeo if len >= 16 => match (long(0), long(8)) {
            (Some(s), Some(us)) => (timeval_text(s, us), Some(s * 1_000_000 + us)),
            _ => ("{...}".into(), None),
        },
        Linger if len >= 8 => match (int(0), int(4)) {
            (Some(on), Some(secs)) => (
                format!("{{l_onoff={on}, l_linger={secs}}}"),
                Some(i64::from(secs)),
            ),
            _ => ("{...}".into(), None),
        },
        _ if len == 4 => match int(0) {
            Some(v) => (format!("[{v}]"), Some(i64::from(v))),
            None => ("[?]".into(), None),
        },
        _ => (quote(raw, len as usize), None),
    }
}

/// The value the short way: `1`, `2.500000s`.
fn short_value(name: &crate::trace::OptName) -> impl Fn(i64) -> String + '_ {
    move |v| match name {
        crate::trace::OptName::RcvTimeo | crate::trace::OptName::SndTimeo => {
            format!("{}.{:06}s", v / 1_000_000, v % 1_000_000)
        }
        _ => v.to_string(),
    }
}

/// A `struct msghdr` (`sendmsg`, `recvmsg`) as read from the program.
#[derive(Debug, Default)]
struct Msghdr {
    name: Option<Sockaddr>,
    name_ptr: u64,
    namelen: u32,
    iov: memory::Iovecs,
    iovlen: u64,
    iov_total: usize,
    controllen: u64,
    flags: i32,
    data: Vec<u8>,
}

/// Reads the `struct msghdr` at `addr` (64-bit layout: name, namelen, iov, iovlen, control,
/// controllen, flags); `moved` bounds the data taken from its buffers, `keep` the data kept.
fn read_msghdr(tid: i32, addr: u64, moved: usize, keep: usize) -> Msghdr {
    let Some(raw) = memory::read(tid, addr, 56) else {
        return Msghdr::default();
    };
    if raw.len() < 56 {
        return Msghdr::default();
    }
    let u64_at = |at: usize| u64::from_ne_bytes(raw[at..at + 8].try_into().unwrap());
    let name_ptr = u64_at(0);
    let namelen = u32::from_ne_bytes(raw[8..12].try_into().unwrap());
    let (iov_ptr, iovlen) = (u64_at(16), u64_at(24));
    let iov = memory::iovecs(tid, iov_ptr, iovlen, moved, keep);
    let iov_total = memory::iovecs(tid, iov_ptr, iovlen, 0, 0)
        .each
        .iter()
        .map(|e| e.1)
        .sum();
    Msghdr {
        name: (name_ptr != 0)
            .then(|| memory::sockaddr(tid, name_ptr, namelen))
            .flatten(),
        name_ptr,
        namelen,
        data: iov.data.clone(),
        iov,
        iovlen,
        iov_total,
        controllen: u64_at(40),
        flags: i32::from_ne_bytes(raw[48..52].try_into().unwrap()),
    }
}

impl Msghdr {
    /// `{msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hi", iov_len=2}], msg_iovlen=1,
    /// msg_controllen=0, msg_flags=0}`; `moved` is what the call moved, for the data shown.
    fn strace(&self, moved: Option<usize>) -> String {
        let name = match &self.name {
            Some(a) => a.strace(),
            None => ptr(self.name_ptr),
        };
        format!(
            "{{msg_name={name}, msg_namelen={}, msg_iov={}, msg_iovlen={}, msg_controllen={}, \
             msg_flags={}}}",
            self.namelen,
            iov_list(&self.iov, moved),
            self.iovlen,
            self.controllen,
            names::msg_flags(self.flags)
        )
    }
}

/// `[{iov_base="hello", iov_len=1024}]`.
fn iov_list(io: &memory::Iovecs, moved: Option<usize>) -> String {
    let mut left = moved.unwrap_or(usize::MAX);
    let items: Vec<String> = io
        .each
        .iter()
        .map(|(data, len, _)| {
            let n = (*len).min(left);
            left -= n;
            format!(
                "{{iov_base={}, iov_len={len}}}",
                quote(&data[..data.len().min(n)], n)
            )
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// The call at its exit: its event, with the socket as the call left it, the process's table
/// updated. `accepted_by` is the thread, recorded on a socket `accept` returned.
pub fn exit(p: Pending, ret: Ret, tid: i32, fds: &mut Fds, cap: usize) -> Event {
    let a = p.args;
    let fd0 = fd_arg(a[0]);
    let phase = if p.blocks { Phase::Exit } else { Phase::Call };
    let mut ev = Event::new(Kind::Syscall, phase, p.sc.call());
    ev.fd = p.fd;
    ev.option = p.option.clone();
    ev.how = p.how;
    ev.size = p.size;
    let mut out = Outcome {
        args: p.before.0.clone(),
        brief: p.before.1.clone(),
        addr: p.addr.as_ref().and_then(Sockaddr::ip),
        ..Outcome::default()
    };
    let ok = ret.ok();
    // The socket shown is the one the call left, except for a `close`: as it was.
    let mut shown_socket: Option<SockInfo> = None;
    match p.sc {
        Sc::Socket => {
            if let Some(fd) = ok {
                fds.insert(fd as i32, p.socket.unwrap(), None);
            }
            shown_socket = p.socket;
        }
        Sc::Socketpair => {
            let pair = memory::read(tid, a[3], 8).filter(|b| b.len() == 8);
            let (s0, s1) = match &pair {
                Some(b) => (
                    i32::from_ne_bytes(b[0..4].try_into().unwrap()),
                    i32::from_ne_bytes(b[4..8].try_into().unwrap()),
                ),
                None => (-1, -1),
            };
            if ok.is_some() && s0 >= 0 {
                let mut info = p.socket.unwrap();
                if info.ty == SockType::Stream {
                    info.role = SockRole::Connected;
                }
                fds.insert(s0, info, None);
                fds.insert(s1, info, None);
                shown_socket = Some(info);
            }
            out.args = if ok.is_some() {
                format!("{}[{s0}, {s1}]", p.before.0)
            } else {
                format!("{}{}", p.before.0, ptr(a[3]))
            };
        }
        Sc::Bind => {
            if ok.is_some()
                && let (Some(s), Some(addr)) = (fds.socket(fd0), out.addr)
            {
                s.borrow_mut().info.local = Some(addr);
            }
        }
        Sc::Listen => {
            if ok.is_some()
                && let Some(s) = fds.socket(fd0)
            {
                s.borrow_mut().info.role = SockRole::Listening;
            }
        }
        Sc::Connect => {
            // A non-blocking connect returns EINPROGRESS and goes on in the kernel.
            let going = ok.is_some() || ret == Ret::Error(libc::EINPROGRESS);
            if going && let Some(s) = fds.socket(fd0) {
                let mut s = s.borrow_mut();
                s.info.peer = out.addr;
                if s.info.ty == SockType::Stream {
                    s.info.role = SockRole::Connected;
                }
            }
        }
        Sc::Accept | Sc::Accept4 => {
            let flags = if p.sc == Sc::Accept4 {
                format!(", {}", names::accept_flags(a[3] as i32))
            } else {
                String::new()
            };
            match ok {
                Some(new) => {
                    let len_out = (a[2] != 0).then(|| memory::read_u32(tid, a[2])).flatten();
                    let len = len_out.unwrap_or(0).min(p.len_in.unwrap_or(STORAGE_LEN));
                    let peer = (a[1] != 0)
                        .then(|| memory::sockaddr(tid, a[1], len))
                        .flatten();
                    let shown = peer.as_ref().map_or_else(|| ptr(a[1]), Sockaddr::strace);
                    let lens = if a[2] == 0 {
                        "NULL".into()
                    } else {
                        len_pair(p.len_in, len_out)
                    };
                    out.args = format!("{fd0}, {shown}, {lens}{flags}");
                    out.addr = peer.as_ref().and_then(Sockaddr::ip);
                    let mut info = fds
                        .info(fd0)
                        .unwrap_or(SockInfo::new(crate::trace::Family::Other, SockType::Stream));
                    info.role = SockRole::Connected;
                    info.peer = out.addr;
                    info.closed_first = None;
                    info.shut_read = false;
                    fds.insert(new as i32, info, Some(tid));
                }
                None => {
                    out.args = format!(
                        "{fd0}, {}, {}{flags}",
                        ptr(a[1]),
                        if a[2] == 0 {
                            "NULL".into()
                        } else {
                            len_pair(p.len_in, None)
                        }
                    );
                }
            }
        }
        Sc::Getsockname | Sc::Getpeername => {
            let len_out = memory::read_u32(tid, a[2]);
            if ok.is_some() {
                let len = len_out.unwrap_or(0).min(p.len_in.unwrap_or(STORAGE_LEN));
                let got = memory::sockaddr(tid, a[1], len);
                out.addr = got.as_ref().and_then(Sockaddr::ip);
                let shown = got.as_ref().map_or_else(|| ptr(a[1]), Sockaddr::strace);
                out.args = format!("{fd0}, {shown}, {}", len_pair(p.len_in, len_out));
                if let (Some(s), Some(addr)) = (fds.socket(fd0), out.addr) {
                    let mut s = s.borrow_mut();
                    if p.sc == Sc::Getsockname {
                        s.info.local = Some(addr);
                    } else {
                        s.info.peer = Some(addr);
                    }
                }
            } else {
                out.args = format!("{fd0}, {}, {}", ptr(a[1]), len_pair(p.len_in, None));
            }
        }
        Sc::Setsockopt => {}
        Sc::Getsockopt => {
            let len_out = memory::read_u32(tid, a[4]);
            let level = names::level(a[1] as i32);
            let text = &p.tail;
            if ok.is_some() {
                let len = len_out.unwrap_or(0);
                let raw = memory::read(tid, a[3], (len as usize).min(64)).unwrap_or_default();
                let name = p.option.as_ref().map(|o| o.name.clone()).unwrap();
                let (shown, value) = option_value(&name, &raw, len);
                ev.option = Some(Opt { name, value });
                out.args = format!(
                    "{fd0}, {level}, {text}, {shown}, {}",
                    len_pair(p.len_in, len_out)
                );
                if let Some(v) = value {
                    out.brief = format!("{fd0}, {text} → {v}");
                }
            } else {
                out.args = format!(
                    "{fd0}, {level}, {text}, {}, {}",
                    ptr(a[3]),
                    len_pair(p.len_in, None)
                );
            }
        }
        Sc::Sendto | Sc::Write | Sc::Sendmsg | Sc::Writev => {
            out.bytes = Some(ok.unwrap_or(0).max(0) as usize);
            out.data = p.data.clone();
            out.total = p.total;
        }
        Sc::Recvfrom | Sc::Read => {
            let n = ok.unwrap_or(0).max(0) as usize;
            let got = if n > 0 {
                memory::read(tid, a[1], n.min(cap)).unwrap_or_default()
            } else {
                Vec::new()
            };
            let q = quote(&got, n);
            let size = a[2];
            out.args = if p.sc == Sc::Read {
                format!("{fd0}, {q}, {size}")
            } else {
                let (from, lens) = if a[4] == 0 {
                    ("NULL".to_string(), "NULL".to_string())
                } else {
                    let len_out = memory::read_u32(tid, a[5]);
                    let len = len_out.unwrap_or(0).min(p.len_in.unwrap_or(STORAGE_LEN));
                    let src = ok
                        .is_some()
                        .then(|| memory::sockaddr(tid, a[4], len))
                        .flatten();
                    out.addr = src.as_ref().and_then(Sockaddr::ip);
                    (
                        src.as_ref().map_or_else(|| ptr(a[4]), Sockaddr::strace),
                        len_pair(p.len_in, len_out),
                    )
                };
                let q = if ok.is_some() { q.clone() } else { ptr(a[1]) };
                format!(
                    "{fd0}, {q}, {size}, {}, {from}, {lens}",
                    names::msg_flags(a[3] as i32)
                )
            };
            out.preview = Some(q);
            out.bytes = Some(n);
            out.data = got;
            out.total = n;
            if ok == Some(0) {
                peer_closed(fds, fd0);
            }
        }
        Sc::Recvmsg | Sc::Readv => {
            let n = ok.unwrap_or(0).max(0) as usize;
            let text = if p.sc == Sc::Recvmsg {
                let msg = read_msghdr(tid, a[1], n, cap);
                out.addr = msg.name.as_ref().and_then(Sockaddr::ip);
                out.data = msg.data.clone();
                format!(
                    "{fd0}, {}, {}",
                    msg.strace(Some(n)),
                    names::msg_flags(a[2] as i32)
                )
            } else {
                let io = memory::iovecs(tid, a[1], a[2], n, cap);
                out.data = io.data.clone();
                format!("{fd0}, {}, {}", iov_list(&io, Some(n)), a[2])
            };
            out.args = text;
            out.bytes = Some(n);
            out.total = n;
            if ok == Some(0) {
                peer_closed(fds, fd0);
            }
        }
        Sc::Sendmmsg | Sc::Recvmmsg => {}
        Sc::Shutdown => {
            if let Some(s) = fds.socket(fd0) {
                let mut s = s.borrow_mut();
                match ret {
                    Ret::Value(_) => {
                        if p.how != Some(How::Read) && s.info.role == SockRole::Connected {
                            s.info.closed_first.get_or_insert(Side::Local);
                        }
                    }
                    // On a socket with no connection (UDP) Linux answers ENOTCONN but shuts
                    // it down all the same.
                    Ret::Error(libc::ENOTCONN) => {}
                    _ => {
                        if p.socket.is_some_and(|s| !s.shut_read) {
                            s.info.shut_read = false;
                        }
                    }
                }
            }
        }
        Sc::Close => {
            shown_socket = p.socket;
            // Even a failed close (EINTR) frees the descriptor on Linux.
            if ret != Ret::Error(libc::EBADF) {
                fds.remove(fd0);
            }
        }
        Sc::CloseRange => {}
        Sc::Dup | Sc::Dup2 | Sc::Dup3 | Sc::Fcntl => {
            if let Some(new) = ok {
                fds.dup(fd0, new as i32);
            }
        }
        Sc::Poll | Sc::Ppoll => {
            let raw = memory::read(tid, a[0], p.polls.len() * 8).unwrap_or_default();
            let ready: Vec<String> = raw
                .chunks_exact(8)
                .filter_map(|c| {
                    let fd = i32::from_ne_bytes(c[0..4].try_into().unwrap());
                    let rev = i16::from_ne_bytes(c[6..8].try_into().unwrap());
                    (rev != 0).then(|| format!("{{fd={fd}, revents={}}}", names::poll_events(rev)))
                })
                .collect();
            out.detail = match ok {
                Some(0) => Some("(Timeout)".into()),
                Some(_) => Some(format!("([{}])", ready.join(", "))),
                None => None,
            };
        }
        Sc::Select | Sc::Pselect6 => {
            let nfds = (a[0] as i32).clamp(0, 1024);
            let parts: Vec<String> = ["in", "out", "except"]
                .iter()
                .enumerate()
                .filter_map(|(i, name)| {
                    let set = read_fd_set(tid, a[1 + i], nfds)?;
                    (!set.is_empty()).then(|| {
                        let list: Vec<String> = set.iter().map(|f| f.to_string()).collect();
                        format!("{name} [{}]", list.join(" "))
                    })
                })
                .collect();
            out.detail = match ok {
                Some(0) => Some("(Timeout)".into()),
                Some(_) => Some(format!("({})", parts.join(", "))),
                None => None,
            };
        }
        Sc::EpollCtl => {}
        Sc::EpollWait | Sc::EpollPwait | Sc::EpollPwait2 => {
            let n = ok.unwrap_or(0).max(0) as usize;
            let got = epoll_events_at(tid, a[1], n);
            out.args = format!(
                "{fd0}, [{}], {}, {}",
                got.join(", "),
                a[2] as i32,
                a[3] as i32
            );
            out.detail = (ok == Some(0)).then(|| "(Timeout)".into());
        }
    }
    match ret {
        Ret::Value(v) => ev.ret = Some(v),
        Ret::Error(code) => {
            ev.ret = Some(-1);
            ev.errno = Some(crate::trace::errno_name(code));
        }
        Ret::Restart(name) => {
            ev.ret = None;
            ev.errno = Some(name.to_string());
        }
    }
    fill(&mut ev, out);
    ev.path = p.unix_path();
    ev.socket = shown_socket.or_else(|| p.fd.and_then(|fd| fds.info(fd)));
    ev
}

/// `recv() = 0` on a stream: the peer closed first, unless this side shut its own reading
/// down.
fn peer_closed(fds: &Fds, fd: i32) {
    if let Some(s) = fds.socket(fd) {
        let mut s = s.borrow_mut();
        if s.info.ty == SockType::Stream && !s.info.shut_read {
            s.info.closed_first.get_or_insert(Side::Peer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_as_strace_prints_them() {
        assert_eq!(Ret::of(4, false), Ret::Value(4));
        assert_eq!(Ret::of(-111, true), Ret::Error(libc::ECONNREFUSED));
        assert_eq!(Ret::of(-512, true), Ret::Restart("ERESTARTSYS"));
        assert_eq!(len_pair(Some(128), Some(16)), "[128 => 16]");
        assert_eq!(len_pair(Some(16), Some(16)), "[16]");
        assert_eq!(fd_set_text(Some(&[3, 4])), "[3 4]");
        assert_eq!(wait_ms(Some(-1)).0, "∞");
        assert!(!wait_ms(Some(0)).1);
    }

    #[test]
    fn option_values() {
        use crate::trace::OptName;
        let one = 1i32.to_ne_bytes();
        assert_eq!(
            option_value(&OptName::ReuseAddr, &one, 4),
            ("[1]".to_string(), Some(1))
        );
        let mut tv = 2i64.to_ne_bytes().to_vec();
        tv.extend_from_slice(&500_000i64.to_ne_bytes());
        assert_eq!(
            option_value(&OptName::RcvTimeo, &tv, 16),
            ("{tv_sec=2, tv_usec=500000}".to_string(), Some(2_500_000))
        );
    }
}
